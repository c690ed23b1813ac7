"""GitHub Issues: `POST /repos/{owner}/{repo}/issues` with a token (fine-grained: Issues read and write)."""

from __future__ import annotations

from typing import Any

from comms.senders import RateLimited, retry_after_seconds
from comms.trackers import Created, CreateResult, Issue
from comms.trackers.http import TrackerHttp, classify, unexpected

NAME = "github"
API_VERSION = "2022-11-28"


def _message(body: Any) -> str | None:
    """{"message": "Validation Failed", "errors": [{"field": "title", "code": "missing_field"}]}"""
    if not isinstance(body, dict):
        return None
    message = str(body.get("message") or "")
    details = [
        str(error.get("message") or f"{error.get('field')}: {error.get('code')}")
        for error in body.get("errors") or []
        if isinstance(error, dict)
    ]
    return "; ".join(part for part in [message, *details] if part) or None


class GitHubClient:
    name = NAME

    def __init__(self, api_url: str, token: str, repo: str, http: TrackerHttp | None = None) -> None:
        self._url = f"{api_url.rstrip('/')}/repos/{repo}/issues"
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self._http = http or TrackerHttp()

    def __repr__(self) -> str:  # never the token
        return f"GitHubClient({self._url!r})"

    async def create(self, issue: Issue) -> CreateResult:
        # Labels GitHub does not know are created; without push access they are dropped, never an error.
        body = {"title": f"{issue.title} ({issue.label})", "body": issue.plain_text(), "labels": list(issue.labels)}
        answer = await self._http.post_json(self._url, body, self._headers)
        if not isinstance(answer, tuple):
            return answer
        status, parsed, retry_after = answer
        if 200 <= status < 300:
            if isinstance(parsed, dict) and parsed.get("number") and parsed.get("html_url"):
                return Created(f"#{parsed['number']}", str(parsed["html_url"]))
            return unexpected(status)
        # A secondary rate limit is a 403 with Retry-After: waiting helps, unlike a 403 for missing access.
        if status == 403 and retry_after is not None:
            return RateLimited(retry_after_seconds(retry_after))
        return classify(status, parsed, retry_after, _message)

    async def close(self) -> None:
        await self._http.close()
