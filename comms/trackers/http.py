"""The HTTP every tracker client shares: one keep-alive session, JSON in and out, answers classified."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp

from comms.senders import Permanent, RateLimited, Transient, retry_after_seconds
from comms.trackers import MAX_ERROR

TIMEOUT_SECONDS = 15.0
USER_AGENT = "feedbot-trackers/1"
# The worker pauses all sending on a 429 (comms/delivery.py): a tracker must not hold Slack up for long.


class TrackerHttp:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={"User-Agent": USER_AGENT})
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any, str | None] | Transient:
        """(status, parsed JSON body or None, Retry-After), or Transient when the tracker could not be reached."""
        try:
            # No redirects: a redirect would carry the credentials to wherever it points.
            async with self._client().post(url, json=body, headers=headers, allow_redirects=False) as response:
                text = await response.text()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # The class only: an error's text can carry the URL.
            return Transient(type(error).__name__)
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return status, parsed, retry_after


def classify(
    status: int, body: Any, retry_after: str | None, message_of: Callable[[Any], str | None]
) -> RateLimited | Transient | Permanent:
    """A non-2xx answer: 429 pauses, 5xx is tried again, anything else will not work by retrying (401, 403, 400,
    404, 422) and carries the tracker's own message — never the request, so never a credential."""
    if status == 429:
        return RateLimited(retry_after_seconds(retry_after))
    message = message_of(body) if body is not None else None
    text = f"http_{status}: {message}" if message else f"http_{status}"
    if status >= 500:
        return Transient(text[:MAX_ERROR])
    return Permanent(text[:MAX_ERROR])


def unexpected(status: int) -> Permanent:
    """A 2xx without the created issue in it. Not retried: the issue may exist, and a retry would file it twice."""
    return Permanent(f"http_{status}: the answer did not name the created issue")
