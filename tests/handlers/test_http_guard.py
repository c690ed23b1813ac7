"""The HTTP guard's rules: a body is read under its route's cap and time limit, JSON nests at most 64 levels, and a
bearer token is read from one shape only."""

from __future__ import annotations

import asyncio
import json
from unittest import mock

import pytest
from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request

from handlers.http_guard import (
    LIMITS,
    MAX_JSON_DEPTH,
    JsonTooDeep,
    ServerLimits,
    bearer_matches,
    bearer_token,
    parse_json,
    read_body,
)


def request_with(chunks: list[bytes], *, eof: bool, headers: dict[str, str] | None = None) -> web.Request:
    app = web.Application()
    app[LIMITS] = ServerLimits(body_seconds=0.2)
    stream = streams.StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop())
    for chunk in chunks:
        stream.feed_data(chunk)
    if eof:
        stream.feed_eof()
    return make_mocked_request("POST", "/slack/events", headers=headers or {}, payload=stream, app=app)


async def test_a_body_that_came_whole_is_read() -> None:
    assert await read_body(request_with([b"abc", b"def"], eof=True), 10) == b"abcdef"


async def test_a_whole_body_over_the_cap_is_413_even_without_a_length() -> None:
    with pytest.raises(web.HTTPRequestEntityTooLarge):
        await read_body(request_with([b"x" * 11], eof=True), 10)


async def test_a_declared_length_over_the_cap_is_413_before_reading() -> None:
    with pytest.raises(web.HTTPRequestEntityTooLarge):
        await read_body(request_with([], eof=False, headers={"Content-Length": "11"}), 10)


async def test_a_body_still_arriving_is_waited_for() -> None:
    request = request_with([b"abc"], eof=False)
    reading = asyncio.create_task(read_body(request, 10))
    await asyncio.sleep(0.01)
    request.content.feed_data(b"def")
    request.content.feed_eof()
    assert await reading == b"abcdef"


async def test_a_body_that_stops_arriving_is_408() -> None:
    with pytest.raises(web.HTTPRequestTimeout):
        await read_body(request_with([b"abc"], eof=False), 10)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_as_deep_as_allowed_parses() -> None:
    assert parse_json(nested(MAX_JSON_DEPTH)) is not None
    assert parse_json(b'{"a": {"b": [1, 2]}}') == {"a": {"b": [1, 2]}}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH + 2, 100_000])
def test_deeper_json_is_refused_as_bad_json(depth: int) -> None:
    with pytest.raises(JsonTooDeep):
        parse_json(nested(depth))
    assert issubclass(JsonTooDeep, ValueError)  # every route answers it as it answers other bad JSON: 400


def test_many_brackets_are_fine_when_they_do_not_nest() -> None:
    wide = json.dumps({"blocks": [{"elements": [{"text": "{[" * 100}]} for _ in range(100)]})
    assert len(parse_json(wide)["blocks"]) == 100
    assert len(parse_json(wide.encode())["blocks"]) == 100


def test_deep_nesting_among_many_brackets_is_refused() -> None:
    deep = json.dumps({"wide": [[] for _ in range(100)], "deep": json.loads(nested(MAX_JSON_DEPTH))})
    with pytest.raises(JsonTooDeep):
        parse_json(deep)
    with pytest.raises(JsonTooDeep):
        parse_json(deep.encode())


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer s3cret", "s3cret"),
        ("bearer s3cret ", "s3cret"),
        ("Basic s3cret", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token_shapes(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_bearer_matches_only_the_exact_token() -> None:
    assert bearer_matches("Bearer s3cret", "s3cret")
    assert not bearer_matches("Bearer s3cre", "s3cret")
    assert not bearer_matches("Bearer s3cret-and-more", "s3cret")
    assert not bearer_matches(None, "s3cret")
