"""A fake Slack Web API on 127.0.0.1 that answers like Slack and records what it was sent.

It speaks the real wire protocol (Bearer token, form/JSON/query arguments, `{"ok": ...}` bodies, HTTP 429
with Retry-After), validates every view and block list it receives with slack_sdk.models the way Slack
rejects bad Block Kit (`invalid_blocks`), and serves response_url posts under /response/.

Faults on demand: planned failures (`fail`), a share of random 5xx and slow answers (`flaky`), and Slack's
chat.postMessage limits (`limit_posts`): about one message per second per channel and a workspace-wide
cap per minute window, both answered with HTTP 429 and a whole-seconds Retry-After as Slack does.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

BOT_TOKEN = "xoxb-fake-bot-token"
BOT_USER_ID = "UFEEDBOT"
BOT_ID = "BFEEDBOT"
APP_TOKEN = "xapp-1-AFEEDBOT-1-fake-app-token"
APP_ID = "AFEEDBOT"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"


@dataclass
class Workspace:
    """What a bot token belongs to: a workspace, or (org-wide install) a whole Enterprise Grid organisation."""

    team_id: str | None
    enterprise_id: str | None = None
    org_wide: bool = False


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = 0.0  # time.monotonic() when it arrived
    ok: bool = True  # what the fake answered


@dataclass
class PlannedFailure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def block_kit_problems(args: dict[str, Any]) -> list[str]:
    """What Slack would reject in a call's `view` or `blocks` argument."""
    problems: list[str] = []
    view = args.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if view is not None:
        try:
            View(**view).validate_json()
            for block in view.get("blocks", []):
                _validate_block(block)
        except (SlackObjectFormationError, TypeError, ValueError) as problem:
            problems.append(f"view: {problem}")
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks or []:
        try:
            _validate_block(block)
        except (SlackObjectFormationError, TypeError, ValueError) as problem:
            problems.append(f"block: {problem}")
    return problems


def _validate_block(block: dict[str, Any]) -> None:
    parsed = Block.parse(block)
    if parsed is None or type(parsed) is Block:
        raise ValueError(f"unknown block type {block.get('type')!r}")
    parsed.validate_json()


@dataclass
class PostLimits:
    """chat.postMessage limits: `per_minute` accepted posts per one-minute window (windows start at the first
    post) and `channel_seconds` between two accepted posts to the same channel."""

    per_minute: int
    channel_seconds: float = 1.0
    started: float | None = None
    window: int = -1
    used: int = 0
    last_in_channel: dict[str, float] = field(default_factory=dict)

    def retry_after(self, channel: str, now: float) -> int | None:
        """None if this post is within the limits (and counts it); else Slack's Retry-After in whole seconds."""
        if self.started is None:
            self.started = now
        window = int((now - self.started) // 60)
        if window != self.window:
            self.window, self.used = window, 0
        if self.used >= self.per_minute:
            return max(1, math.ceil(self.started + 60 * (window + 1) - now))
        last = self.last_in_channel.get(channel)
        if last is not None and now - last < self.channel_seconds:
            return max(1, math.ceil(last + self.channel_seconds - now))
        self.used += 1
        self.last_in_channel[channel] = now
        return None


@dataclass
class Flakiness:
    error_share: float  # of calls answered with a 5xx
    slow_share: float  # of calls answered only after `slow_seconds`
    slow_seconds: float
    random: random.Random


class FakeSlack:
    def __init__(self, token: str = BOT_TOKEN, team_id: str = "T0001") -> None:
        self.token = token
        self.team_id = team_id
        self.tokens: dict[str, Workspace] = {token: Workspace(team_id)}  # every bot token Slack would accept
        self._grants: dict[str, Workspace] = {}  # OAuth codes not yet exchanged by oauth.v2.access
        self.calls: list[Call] = []
        self.invalid: list[str] = []
        self.unreachable: set[str] = set()  # chat.postMessage to these answers channel_not_found
        self.users: list[dict[str, Any]] = []  # users.list, served a page at a time
        self.members: dict[str, list[str]] = {}  # conversations.members per channel
        self.timezones: dict[str, str] = {}  # users.info tz per user id (default America/Los_Angeles, as Slack)
        self.emails: dict[str, str] = {}  # users.lookupByEmail: email → user id; others answer users_not_found
        # team.profile.get: the workspace's custom profile fields ({"id": "Xf…", "label": …, "type": "text", …}).
        # A user's values live in users.list's user["profile"]["fields"] here, but are served, as Slack serves them,
        # only by users.profile.get: users.list leaves custom fields out.
        self.profile_fields: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # file id → bytes POSTed to the upload URL
        self.posted: set[tuple[str, str]] = set()  # (channel, ts) of every message posted: chat.update finds these
        self._failures: dict[str, list[PlannedFailure]] = {}
        self.post_limits: PostLimits | None = None
        self._flaky: dict[str, Flakiness] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.base_url = ""
        self.app_token = APP_TOKEN  # the app-level token: good for apps.connections.open only
        self.socket_url: str | None = None  # ws://…/link/, set by tests.fakes.socket_mode.FakeSocketMode
        self.socket_tickets: list[str] = []  # every ticket apps.connections.open handed out

    # -- lifecycle -----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}response/{key}"

    # -- test controls ---------------------------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        status: int = 200,
        error: str = "internal_error",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"ok": False, "error": "ratelimited" if status == 429 else error}
        self._failures.setdefault(method, []).extend(PlannedFailure(status, body, headers) for _ in range(times))

    def grant(self, team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False) -> str:
        """An installer approved the app: the code Slack would put on the redirect to /slack/oauth_redirect."""
        code = f"code-{next(self._ids)}"
        self._grants[code] = Workspace(team_id, enterprise_id, org_wide)
        return code

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def limit_posts(self, per_minute: int, channel_seconds: float = 1.0) -> PostLimits:
        self.post_limits = PostLimits(per_minute, channel_seconds)
        return self.post_limits

    def flaky(
        self, method: str, error_share: float, slow_share: float = 0.0, slow_seconds: float = 0.0, seed: int = 0
    ) -> None:
        """Answer a share of the method's calls with a 5xx and a share only after a delay (seeded: repeatable)."""
        self._flaky[method] = Flakiness(error_share, slow_share, slow_seconds, random.Random(seed))

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.calls_to(method)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.calls_to(method)

    # -- protocol --------------------------------------------------------------------------------------------------
    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    def _record(self, method: str, args: dict[str, Any], token: str | None) -> Call:
        call = Call(method, args, token, at=time.monotonic())
        self.calls.append(call)
        self._changed.set()
        return call

    def delivered(self, method: str = "chat.postMessage") -> list[dict[str, Any]]:
        """The calls of a method that Slack accepted (not the ones answered with an error)."""
        return [call.args for call in self.calls if call.method == method and call.ok]

    async def wait_delivered(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.delivered()) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.delivered()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._arguments(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        call = self._record(method, args, token)
        planned = self._failures.get(method)
        if planned:
            failure = planned.pop(0)
            call.ok = False
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        flaky = self._flaky.get(method)
        if flaky is not None:
            if flaky.random.random() < flaky.slow_share:
                await asyncio.sleep(flaky.slow_seconds)
            if flaky.random.random() < flaky.error_share:
                call.ok = False
                if flaky.random.random() < 0.5:  # what a load balancer in front of Slack answers
                    return web.Response(
                        status=502, text="<html><body>Bad Gateway</body></html>", content_type="text/html"
                    )
                return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        if method == "chat.postMessage" and self.post_limits is not None and token in self.tokens:
            wait = self.post_limits.retry_after(str(args.get("channel") or ""), time.monotonic())
            if wait is not None:
                call.ok = False
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(wait)}
                )
        error = self._refusal(method, args, token)
        if error is not None:
            call.ok = False
            return web.json_response(error)
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_v2_access(args, request.headers.get("Authorization", "")))
        handler = getattr(self, "_" + method.replace(".", "_"))
        answer = handler(args, token) if method in ("auth.test", "users.list") else handler(args)
        return web.json_response({"ok": True, **answer})

    def _refusal(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        if method == "apps.connections.open":
            # Only the app-level token opens a Socket Mode connection; a bot token is the wrong kind, as on Slack.
            if token == self.app_token:
                return None
            if token is None:
                return {"ok": False, "error": "not_authed"}
            return {"ok": False, "error": "not_allowed_token_type" if token.startswith("xox") else "invalid_auth"}
        if method == "oauth.v2.access":
            return None  # authenticated by the app's client id and secret instead (checked there)
        if token not in self.tokens:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        problems = block_kit_problems(args)
        if problems:
            self.invalid.extend(f"{method}: {problem}" for problem in problems)
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if not hasattr(self, "_" + method.replace(".", "_")):
            return {"ok": False, "error": "unknown_method"}
        channel = str(args.get("channel") or "")
        if method == "chat.postMessage" and channel in self.unreachable:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.update" and (channel, str(args.get("ts"))) not in self.posted:
            return {"ok": False, "error": "message_not_found"}
        if method == "conversations.members" and channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        if method == "users.lookupByEmail" and str(args.get("email") or "").lower() not in self.emails:
            return {"ok": False, "error": "users_not_found"}
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        problems = block_kit_problems(body)
        self.invalid.extend(f"response_url: {problem}" for problem in problems)
        self._record("response_url", {"key": request.match_info["key"], **body}, None)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.uploads[file_id] = await request.read()
        self._record("upload", {"file_id": file_id, "length": len(self.uploads[file_id])}, None)
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        return {"upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files", [])
        return {
            "files": [
                {"id": f["id"], "title": f.get("title"), "size": len(self.uploads.get(f["id"], b""))} for f in files
            ]
        }

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """A single-use WebSocket URL, shaped like Slack's wss://wss-primary.slack.com/link/?ticket=…"""
        if self.socket_url is None:
            return {"ok": False, "error": "internal_error"}  # no FakeSocketMode running: nothing to connect to
        ticket = f"{next(self._ids):08d}-fake-ticket"
        self.socket_tickets.append(ticket)
        return {"url": f"{self.socket_url}?ticket={ticket}"}

    def _auth_test(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        workspace = self.tokens[str(token)]
        return {
            "url": "https://fake.slack.test/",
            "team": f"Team {workspace.team_id}",
            "user": "feedbot",
            "team_id": workspace.team_id or "",
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "is_enterprise_install": workspace.org_wide,
            **({"enterprise_id": workspace.enterprise_id} if workspace.enterprise_id else {}),
        }

    def _oauth_v2_access(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        """The code exchange, answered as Slack answers it (client credentials by HTTP Basic auth or form)."""
        basic = f"Basic {base64.b64encode(f'{CLIENT_ID}:{CLIENT_SECRET}'.encode()).decode()}"
        form = (args.get("client_id"), args.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        if authorization != basic and not form:
            return {"ok": False, "error": "invalid_client_id"}
        workspace = self._grants.pop(str(args.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{workspace.team_id or workspace.enterprise_id}-{next(self._ids)}"
        self.tokens[token] = workspace
        scope = "commands,chat:write,chat:write.public,users:read,channels:read,groups:read,files:write"
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": "UINSTALLER"},
            "scope": scope,
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": None if workspace.org_wide else {"id": workspace.team_id, "name": f"Team {workspace.team_id}"},
            "enterprise": {"id": workspace.enterprise_id, "name": "Grid"} if workspace.enterprise_id else None,
            "is_enterprise_install": workspace.org_wide,
        }

    def _view_response(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
        return {"view": {**view, "id": f"V{next(self._ids):08d}", "team_id": self.team_id, "hash": "h1"}}

    _views_open = _view_response
    _views_update = _view_response
    _views_push = _view_response
    _views_publish = _view_response

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        channel = str(args.get("channel"))
        # Posting to a user id lands in the app's DM with them: Slack answers with the DM channel's id.
        answered = "D" + channel[1:] if channel.startswith(("U", "W")) else channel
        self.posted.add((answered, ts))
        return {"channel": answered, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        return {"channel": channel, "ts": ts, "text": args.get("text"), "message": {"text": args.get("text")}}

    def _page(self, items: list[Any], args: dict[str, Any]) -> tuple[list[Any], str]:
        """Cursor pagination as Slack does it: an opaque next_cursor, empty on the last page."""
        start = int(str(args.get("cursor") or "0").removeprefix("page:") or 0)
        size = int(args.get("limit") or 100)
        end = start + size
        return items[start:end], (f"page:{end}" if end < len(items) else "")

    def _users_list(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        # Each workspace's token sees that workspace's people (users without a team_id belong to every one).
        workspace = self.tokens[str(token)]
        people = [user for user in self.users if workspace.org_wide or user.get("team_id") in (None, workspace.team_id)]
        members, cursor = self._page(people, args)
        listed = [
            {**member, "profile": {k: v for k, v in member["profile"].items() if k != "fields"}}
            if isinstance(member.get("profile"), dict)
            else member
            for member in members
        ]
        return {"members": listed, "cache_ts": 0, "response_metadata": {"next_cursor": cursor}}

    def _team_profile_get(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"profile": {"fields": self.profile_fields}}

    def _users_profile_get(self, args: dict[str, Any]) -> dict[str, Any]:
        user = next((user for user in self.users if user.get("id") == args.get("user")), None)
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        profile = dict(user.get("profile") or {})
        profile.setdefault("fields", {})  # Slack sends an empty object, or null, for a profile without custom fields
        return {"profile": profile}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members, cursor = self._page(self.members.get(str(args.get("channel")), []), args)
        return {"members": members, "response_metadata": {"next_cursor": cursor}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user"))
        zone = self.timezones.get(user, "America/Los_Angeles")
        return {
            "user": {
                "id": user,
                "team_id": self.team_id,
                "name": user.lower(),
                "deleted": False,
                "is_bot": False,
                "tz": zone,
                "tz_label": zone,
                "tz_offset": 0,
            }
        }

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email")).lower()  # Slack matches addresses case-insensitively
        return {"user": {"id": self.emails[email], "team_id": self.team_id, "profile": {"email": email}}}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), str(args.get("message_ts", ""))
        return {"channel": channel, "permalink": f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"}
