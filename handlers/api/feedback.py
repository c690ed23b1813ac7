"""POST /api/feedback: parse the HTTP request, call bot/desks/feedback_api.py, answer JSON. No rules here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.desks.feedback_api import ApiFeedback, ApiRefusal, FeedbackApiDesk
from handlers.http_guard import API_BODY_LIMIT, JsonTooDeep, bearer_matches, parse_json, read_body

PATH = "/api/feedback"
FIELDS = {"text", "user", "category", "product", "team"}


def register(app: web.Application, api: FeedbackApiDesk) -> None:
    app.router.add_post(PATH, FeedbackEndpoint(api).post)


def _refusal(status: int, error: str, field: str | None = None, **headers: str) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error": error}
    if field is not None:
        body["field"] = field
    return web.json_response(body, status=status, headers=headers or None)


class FeedbackEndpoint:
    def __init__(self, api: FeedbackApiDesk) -> None:
        self._api = api

    async def post(self, request: web.Request) -> web.Response:
        if not self._api.enabled:
            # Off unless configured: a server nobody meant to expose answers as if the route were not there.
            return _refusal(404, "the feedback API is off: set FEEDBOT_API_TOKEN to turn it on")
        if self._api.token is None or not bearer_matches(request.headers.get("Authorization"), self._api.token):
            return _refusal(401, "missing or wrong API token", **{"WWW-Authenticate": 'Bearer realm="feedbot"'})
        try:
            submission = _parse(await read_body(request, API_BODY_LIMIT), request.headers.get("Idempotency-Key"))
            stored = await self._api.submit(submission)
        except ApiRefusal as refusal:
            return _refusal(refusal.status, refusal.error, refusal.field)
        # 201 for a new row; 200 with the same id for a repeat of an Idempotency-Key (nothing new was made).
        return web.json_response({"ok": True, "id": stored.id}, status=201 if stored.created else 200)


def _parse(raw: bytes, idempotency_key: str | None) -> ApiFeedback:
    try:
        body = parse_json(raw)
    except JsonTooDeep as too_deep:
        raise ApiRefusal(400, str(too_deep), "body") from None
    except ValueError:
        raise ApiRefusal(400, "the body must be a JSON object", "body") from None
    if not isinstance(body, dict):
        raise ApiRefusal(400, "the body must be a JSON object", "body")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        # Refused rather than ignored: a misspelt "categroy" would otherwise be dropped without a word.
        raise ApiRefusal(400, f"unknown field {unknown[0]!r}: use {', '.join(sorted(FIELDS))}", unknown[0])
    for name in ("text", "user"):
        if name not in body or body[name] is None:
            raise ApiRefusal(400, f"{name} is required", name)
    for name, value in body.items():
        if value is not None and not isinstance(value, str):
            raise ApiRefusal(400, f"{name} must be a string", name)
    return ApiFeedback(
        text=body["text"],
        user=body["user"].strip(),
        # "" counts as not given, as an empty field in the /feedback modal does.
        category=body.get("category") or None,
        product=body.get("product") or None,
        team=(body.get("team") or "").strip() or None,
        idempotency_key=idempotency_key,
    )
