"""Requests exactly as Slack sends them: bodies shaped like Slack's, signed with the signing secret."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "fake-signing-secret-0123456789abcdef"
TEAM_ID = "T0001"
_counter = itertools.count(1)


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def trigger_id() -> str:
    return f"{next(_counter)}.1234567890.abcdef{next(_counter)}"


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str = "U0001",
    team_id: str = TEAM_ID,
    channel_id: str = "C0001",
    response_url: str = "http://127.0.0.1:9/commands/1",
    trigger: str | None = None,
    enterprise_id: str | None = None,
    org_wide: bool = False,
) -> str:
    # On Enterprise Grid, Slack adds the organisation, and says whether the app was installed org-wide.
    grid = {"enterprise_id": enterprise_id, "enterprise_name": "Grid"} if enterprise_id else {}
    return urlencode(
        {
            **grid,
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "ada",
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "true" if org_wide else "false",
            "response_url": response_url,
            "trigger_id": trigger or trigger_id(),
        }
    )


def interactive(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": "ada", "name": "ada", "team_id": team_id}


def view_submission(
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    view_id: str = "V0001",
    user_id: str = "U0001",
    team_id: str = TEAM_ID,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    """`view` is the view we opened (as sent to views.open, or answered with response_action "push"); `values` is
    what the person entered. A pushed view names the one under it in `previous_view_id`."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "fake"},
        "user": _user(user_id, team_id),
        "api_app_id": "A0001",
        "token": "deprecated-verification-token",
        "trigger_id": trigger_id(),
        "view": {
            **view,
            "id": view_id,
            "team_id": team_id,
            "app_id": "A0001",
            "bot_id": "BFEEDBOT",
            "hash": "156772938.1827394",
            "state": {"values": values},
            "previous_view_id": previous_view_id,
            "root_view_id": previous_view_id or view_id,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_shortcut(
    callback_id: str,
    text: str,
    *,
    channel_id: str = "C0001",
    message_ts: str = "1699999999.000100",
    user_id: str = "U0001",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "deprecated-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "fake"},
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id(),
        "response_url": "http://127.0.0.1:9/app/1",
        "message_ts": message_ts,
        "message": {"type": "message", "user": "U0042", "ts": message_ts, "text": text},
    }


def event(inner: dict[str, Any], *, team_id: str = TEAM_ID) -> str:
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A0001",
            "event": inner,
            "type": "event_callback",
            "event_id": f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UFEEDBOT", "is_bot": True}],
        }
    )


def text_value(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def select_value(value: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value.capitalize()}, "value": value} if value else None
    return {"value": {"type": "static_select", "selected_option": option}}


def date_time_value(unix_seconds: int | None) -> dict[str, Any]:
    """A datetimepicker's state: the instant the person picked on their own clock, as Unix seconds."""
    return {"value": {"type": "datetimepicker", "selected_date_time": unix_seconds}}


def checkbox_values(*values: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"value": {"type": "checkboxes", "selected_options": options}}


def block_actions(
    action_id: str,
    value: str,
    *,
    message: dict[str, Any],
    response_url: str,
    user_id: str = "U0001",
    team_id: str = TEAM_ID,
    channel_id: str = "D0001",
) -> dict[str, Any]:
    """A button click on a message the bot sent (`message` as it was posted: text and blocks)."""
    action_ts = f"{time.time():.6f}"
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": "A0001",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000001",
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": {"type": "message", "user": "UFEEDBOT", "ts": "1700000000.000001", **message},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }


def home_block_actions(
    action_id: str,
    *,
    view: dict[str, Any],
    user_id: str = "U0001",
    team_id: str = TEAM_ID,
    value: str | None = None,
) -> dict[str, Any]:
    """A button click on the App Home tab (`view` as published): a view container, no channel, no response_url."""
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": "A0001",
        "token": "deprecated-verification-token",
        "container": {"type": "view", "view_id": "VHOME0001"},
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "id": "VHOME0001", "team_id": team_id, "app_id": "A0001", "state": {"values": {}}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "home_submit",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "type": "button",
                "action_ts": f"{time.time():.6f}",
                **({"value": value} if value is not None else {}),
            }
        ],
    }


def view_block_actions(
    action_id: str, value: str, *, view: dict[str, Any], view_id: str, user_id: str = "U0001", team_id: str = TEAM_ID
) -> dict[str, Any]:
    """A button click inside a modal (`view` as we sent it): a view container, no channel, no response_url."""
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": "A0001",
        "token": "deprecated-verification-token",
        "container": {"type": "view", "view_id": view_id},
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "id": view_id, "team_id": team_id, "app_id": "A0001", "state": {"values": {}}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "release_test",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
