"""What every HTTP route checks before it trusts or spends anything on a request: how big its body is and how
long it takes to arrive, how deep its JSON nests, and whether it carries the bearer token a route wants.

The server's limits live in one `ServerLimits` on the app, so tests (and nothing else) can shorten them."""

from __future__ import annotations

import asyncio
import hmac
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

KIB = 1024
MIB = 1024 * KIB
# Per route: Slack's largest payloads are modal submissions; Teams activities and card submits are a few KiB (its
# messages are capped near 28 KiB); tracker webhooks carry a whole issue; an API feedback is one text.
SLACK_BODY_LIMIT = 1 * MIB
TEAMS_BODY_LIMIT = 256 * KIB
TRACKER_BODY_LIMIT = 1 * MIB
API_BODY_LIMIT = 64 * KIB
EVENTS_BODY_LIMIT = 1 * MIB  # a batch of usage events: at most 500, as Segment's batch allows
LARGEST_BODY = max(SLACK_BODY_LIMIT, TEAMS_BODY_LIMIT, TRACKER_BODY_LIMIT, API_BODY_LIMIT, EVENTS_BODY_LIMIT)
# Nothing we receive nests anywhere near this; SDKs that walk a payload recursively stay far from Python's limit.
MAX_JSON_DEPTH = 64
READ_CHUNK = 64 * KIB


@dataclass(frozen=True)
class ServerLimits:
    """`head_seconds`: aiohttp's keep-alive timer, which runs from the moment a connection opens (and from the end
    of each answer) until the next request's line and headers are complete, so it bounds a slow head as well as
    an idle connection. `body_seconds`: from the handler's first read to the body's last byte. `linger_seconds`:
    how long aiohttp keeps reading a body nobody read (a 401, 404, 408 or 413 was answered first) so the client
    can finish sending and see the answer, before it closes the connection."""

    head_seconds: float = 15.0
    body_seconds: float = 15.0
    linger_seconds: float = 2.0


LIMITS = web.AppKey("limits", ServerLimits)


class JsonTooDeep(ValueError):
    """A ValueError, so every route that answers 400 to bad JSON answers 400 to this too."""


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or 413 past `limit` bytes (before reading any when Content-Length says so), or 408 when it
    trickles in slower than the server's body timeout."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    if request.content.is_eof():
        # The whole body arrived with the head (as nearly every request's does): there is nothing to wait for, so
        # no timer to arm, which costs more than the read itself. Its size is still checked.
        whole = await request.content.read()
        if len(whole) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(whole))
        return whole
    body = bytearray()
    try:
        async with asyncio.timeout(request.app[LIMITS].body_seconds):
            async for chunk in request.content.iter_chunked(READ_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    except TimeoutError:
        raise web.HTTPRequestTimeout(reason="the request body arrived too slowly") from None
    return bytes(body)


def parse_json(raw: bytes | str) -> Any:
    """json.loads, except that nesting deeper than MAX_JSON_DEPTH is a JsonTooDeep (a ValueError) rather than a
    RecursionError here or in whichever SDK walks the value next."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep("the JSON nests too deeply") from None
    if _brackets(raw) > MAX_JSON_DEPTH and _depth_exceeds(value, MAX_JSON_DEPTH):
        raise JsonTooDeep(f"the JSON nests more than {MAX_JSON_DEPTH} levels deep")
    return value


def _brackets(raw: bytes | str) -> int:
    """How many "{" and "[" the text holds, strings included: every level of nesting opens with one, so a text with
    no more of them than the limit cannot nest past it, and the walk (dearer than json.loads itself) is skipped."""
    if isinstance(raw, str):
        return raw.count("{") + raw.count("[")
    return raw.count(b"{") + raw.count(b"[")


def _depth_exceeds(value: Any, limit: int) -> bool:
    # Iterative: a recursive walk would hit the very limit this guards against.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None for any other shape."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_exactly(authorization: str | None, expected: str) -> bool:
    """`Bearer <token>` with one space and nothing around the token: a machine sends exactly that, so any other
    spelling is a wrong header, not one to tidy up."""
    scheme, _, presented = (authorization or "").partition(" ")
    # aiohttp hands over bytes that are not UTF-8 as lone surrogates: encoded as they are, never an error (a 500).
    raw, wanted = presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    return scheme.lower() == "bearer" and hmac.compare_digest(raw, wanted)


def bearer_matches(authorization: str | None, expected: str) -> bool:
    presented = bearer_token(authorization)
    # Constant time: how long a wrong token takes to refuse must not tell how much of it was right. Bytes that are
    # not UTF-8 arrive as lone surrogates (see bearer_exactly): encoded as they are, a refusal, never a 500.
    raw = presented.encode("utf-8", "surrogatepass") if presented is not None else None
    return raw is not None and hmac.compare_digest(raw, expected.encode("utf-8", "surrogatepass"))
