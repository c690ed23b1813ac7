"""Status back from the trackers. Each endpoint checks the signature the way its tracker makes it, turns the
payload into a `StatusChange` and hands it to the tracker desk. This adapter only translates.

- GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`; `X-GitHub-Event: issues`.
- Linear: `Linear-Signature: <hex HMAC-SHA256(secret, raw body)>`, and `webhookTimestamp` (ms) within a minute,
  so a captured request cannot be replayed later.
- Jira Cloud (webhook with a secret): `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`.

A bad or missing signature is 401 and changes nothing; an endpoint whose secret is not set answers 404. An issue
we did not file is a 200 (trackers retry anything else), and changes nothing. So is a delivery applied before:
the same delivery id (`X-GitHub-Delivery`, `Linear-Delivery`, `X-Atlassian-Webhook-Identifier`) or the same
signed body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.desks.trackers import TrackerDesk, WebhookDelivery
from bot.domain.settings import Settings
from comms.trackers.filing import CLOSED, FIXED, OPEN, StatusChange
from handlers.http_guard import TRACKER_BODY_LIMIT, parse_json, read_body

log = logging.getLogger("feedbot.trackers")

LINEAR_MAX_SKEW_MS = 60_000
# Jira resolutions that close an issue without fixing it: the submitter is not told "done" for these.
JIRA_NOT_FIXED = {"won't do", "won't fix", "duplicate", "cannot reproduce", "declined", "rejected"}
GITHUB_NOT_FIXED = {"not_planned", "duplicate"}

Parse = Callable[[web.Request, dict[str, Any]], StatusChange | None]
DELIVERY_HEADERS = {
    "jira": "X-Atlassian-Webhook-Identifier",
    "linear": "Linear-Delivery",
    "github": "X-GitHub-Delivery",
}


def hex_hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes, header: str | None, prefix: str = "") -> bool:
    if not header or not header.startswith(prefix):
        return False
    return hmac.compare_digest(header[len(prefix) :].strip().lower(), hex_hmac(secret, body))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def jira_change(request: web.Request, payload: dict[str, Any]) -> StatusChange | None:
    """jira:issue_created / jira:issue_updated: the issue's status and its category (new, indeterminate, done)."""
    issue = _dict(payload.get("issue"))
    fields = _dict(issue.get("fields"))
    status = _dict(fields.get("status"))
    key, name = issue.get("key"), status.get("name")
    if not isinstance(key, str) or not isinstance(name, str):
        return None
    if _dict(status.get("statusCategory")).get("key") == "done":
        resolution = str(_dict(fields.get("resolution")).get("name") or "").lower()
        outcome = CLOSED if resolution in JIRA_NOT_FIXED else FIXED
    else:
        outcome = OPEN
    return StatusChange("jira", key, name, outcome)


def linear_change(request: web.Request, payload: dict[str, Any]) -> StatusChange | None:
    """type "Issue", data.state.type: triage, backlog, unstarted, started, completed or canceled."""
    if payload.get("type") != "Issue":
        return None
    data = _dict(payload.get("data"))
    state = _dict(data.get("state"))
    key, name, kind = data.get("identifier"), state.get("name"), state.get("type")
    if not isinstance(key, str) or not isinstance(name, str):
        return None
    outcome = FIXED if kind == "completed" else CLOSED if kind == "canceled" else OPEN
    return StatusChange("linear", key, name, outcome)


def github_change(request: web.Request, payload: dict[str, Any], repo: str) -> StatusChange | None:
    """The `issues` event: issue.state open/closed, and why it was closed (state_reason)."""
    if request.headers.get("X-GitHub-Event") != "issues":
        return None  # ping, and anything else the hook was subscribed to
    if str(_dict(payload.get("repository")).get("full_name") or "").lower() != repo.lower():
        return None  # #42 of another repository is not our #42
    issue = _dict(payload.get("issue"))
    number, state = issue.get("number"), issue.get("state")
    if not isinstance(number, int) or state not in ("open", "closed"):
        return None
    if state == "open":
        return StatusChange("github", f"#{number}", "open", OPEN)
    reason = issue.get("state_reason")
    outcome = CLOSED if reason in GITHUB_NOT_FIXED else FIXED
    return StatusChange("github", f"#{number}", f"closed ({reason})" if reason else "closed", outcome)


def _linear_fresh(payload: dict[str, Any]) -> bool:
    stamp = payload.get("webhookTimestamp")
    return isinstance(stamp, int | float) and abs(time.time() * 1000 - stamp) <= LINEAR_MAX_SKEW_MS


def _endpoint(
    desk: TrackerDesk,
    tracker: str,
    secret: str | None,
    check: Callable[[str, bytes, web.Request], bool],
    parse: Parse,
    fresh: Callable[[dict[str, Any]], bool] = lambda payload: True,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def receive(request: web.Request) -> web.Response:
        if secret is None:
            raise web.HTTPNotFound()  # nothing to check a signature against: the endpoint is off
        body = await read_body(request, TRACKER_BODY_LIMIT)
        if not check(secret, body, request):
            return web.json_response({"ok": False, "error": "invalid_signature"}, status=401)
        try:
            payload = parse_json(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if not fresh(payload):
            return web.json_response({"ok": False, "error": "stale_timestamp"}, status=401)
        change = parse(request, payload)
        if change is None:
            return web.json_response({"ok": True, "item": None})
        delivery = WebhookDelivery(tracker, request.headers.get(DELIVERY_HEADERS[tracker]), body)
        applied = await desk.status_changed(change, delivery)
        if applied.repeat:
            return web.json_response({"ok": True, "item": None, "repeat": True})
        if applied.label is not None:
            log.info("%s %s is now %r (%s)", tracker, change.key, change.status, applied.label)
        return web.json_response({"ok": True, "item": applied.label})

    return receive


def register(app: web.Application, desk: TrackerDesk, settings: Settings) -> None:
    configured = settings.trackers
    app.router.add_post(
        "/api/trackers/jira",
        _endpoint(
            desk,
            "jira",
            settings.jira_webhook_secret if "jira" in configured else None,
            lambda secret, body, request: signed(secret, body, request.headers.get("X-Hub-Signature"), "sha256="),
            jira_change,
        ),
    )
    app.router.add_post(
        "/api/trackers/linear",
        _endpoint(
            desk,
            "linear",
            settings.linear_webhook_secret if "linear" in configured else None,
            lambda secret, body, request: signed(secret, body, request.headers.get("Linear-Signature")),
            linear_change,
            _linear_fresh,
        ),
    )
    repo = settings.github_repo or ""
    app.router.add_post(
        "/api/trackers/github",
        _endpoint(
            desk,
            "github",
            settings.github_webhook_secret if "github" in configured else None,
            lambda secret, body, request: signed(secret, body, request.headers.get("X-Hub-Signature-256"), "sha256="),
            lambda request, payload: github_change(request, payload, repo),
        ),
    )
