"""The gate in front of Bolt: a bad signature is 401, a signed but malformed body is 400, never a 500.

Bolt itself answers 500 to some malformed bodies (payload= that is not JSON, a garbage timestamp header),
so every request is checked here first and only well-formed, authentic ones reach it. The body is parsed here
once and Bolt is handed that parse (handlers/slack/http.py), so what was checked is exactly what the listeners
see: Bolt's own parser read some bodies differently (a command whose text says "payload", a form sent with a
JSON content type, a repeated field), and such a body passed the check and reached Bolt as something else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from handlers.http_guard import parse_json

INTERACTIVE_NEEDS_TRIGGER = {"shortcut", "message_action", "block_actions"}
VIEW_PAYLOADS = {"view_submission", "view_closed"}
ACTION_PAYLOADS = {"block_actions", "interactive_message"}  # Bolt reads body["actions"][0]
# Bolt's extractors (and ours) call .get() on these when present: anything but an object (or null) crashes them.
OBJECT_FIELDS = ("team", "enterprise", "user", "channel", "view", "message", "container", "event", "item", "state")
NAME_OR_OBJECT = {"team", "enterprise"}  # Slack sometimes sends these as a bare id


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str  # a short machine-readable word, also the metrics label


@dataclass(frozen=True)
class Checked:
    """An authentic, well-formed request: its body as signed (`text`) and parsed (`body`, all Bolt is given)."""

    text: str
    body: dict[str, Any]


def check_request(raw_body: bytes, headers: Mapping[str, str], signing_secret: str) -> Rejection | Checked:
    try:
        authentic = SignatureVerifier(signing_secret).is_valid_request(raw_body, headers)
    except (ValueError, TypeError):
        authentic = False  # a timestamp header that is not a number
    if not authentic:
        return Rejection(401, "invalid_signature")
    try:
        body = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "not_utf8")
    if not body.strip():
        return Rejection(400, "empty_body")
    if body.lstrip().startswith("{"):
        return _check_event(body)
    return _check_form(body)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = parse_json(text)
    except ValueError:  # JsonTooDeep too: Bolt would walk the payload again
        return None
    return value if isinstance(value, dict) else None


def _check_event(body: str) -> Rejection | Checked:
    data = _json_object(body)
    if data is None or not isinstance(data.get("type"), str) or not _well_shaped(data):
        return Rejection(400, "malformed_json")
    if data["type"] == "event_callback" and not _has_type(data.get("event")):
        return Rejection(400, "malformed_event")
    if data["type"] == "url_verification" and not isinstance(data.get("challenge"), str):
        return Rejection(400, "malformed_event")
    return Checked(body, data)


def _has_type(value: Any) -> bool:
    # Bolt indexes body["event"]["type"] and body["view"]["type"] without checking.
    return isinstance(value, dict) and _is_text(value.get("type"))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _check_form(body: str) -> Rejection | Checked:
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return Rejection(400, "malformed_form")
    # Slack never repeats a field; if a body does, the last value is both the one checked and the one used.
    form = dict(pairs)
    if "payload" in form:
        return _check_payload(body, form["payload"])
    if "command" in form:
        if not all(_is_text(form.get(name)) for name in ("command", "team_id", "user_id", "trigger_id")):
            return Rejection(400, "malformed_command")
        return Checked(body, form)
    if "ssl_check" in form:
        return Checked(body, form)
    return Rejection(400, "unknown_request")


def _well_shaped(body: dict[str, Any]) -> bool:
    for field in OBJECT_FIELDS:
        value = body.get(field)
        if value is None or isinstance(value, dict) or (field in NAME_OR_OBJECT and isinstance(value, str)):
            continue
        return False
    authorizations = body.get("authorizations")
    return authorizations is None or (
        isinstance(authorizations, list) and all(isinstance(item, dict) for item in authorizations)
    )


def _check_payload(body: str, text: str) -> Rejection | Checked:
    """`text` is the payload= field of the form `body`; Bolt is given the payload itself, as its parser would."""
    payload = _json_object(text)
    if payload is None or not _is_text(payload.get("type")) or not _well_shaped(payload):
        return Rejection(400, "malformed_payload")
    user = payload.get("user")
    if not isinstance(user, dict) or not _is_text(user.get("id")):
        return Rejection(400, "malformed_payload")
    team = payload.get("team")
    # Org-wide installs on Enterprise Grid may send team: null; the user's own team then says where they are.
    if not _is_text(team.get("id") if isinstance(team, dict) else None) and not _is_text(user.get("team_id")):
        return Rejection(400, "malformed_payload")
    kind = payload["type"]
    if kind in INTERACTIVE_NEEDS_TRIGGER and not _is_text(payload.get("trigger_id")):
        return Rejection(400, "malformed_payload")
    if kind in VIEW_PAYLOADS and not _has_type(payload.get("view")):
        return Rejection(400, "malformed_payload")
    if kind in ACTION_PAYLOADS:
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            return Rejection(400, "malformed_payload")
    return Checked(body, payload)
