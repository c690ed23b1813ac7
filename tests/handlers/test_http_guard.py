"""The HTTP guard's parsing rules: JSON nests at most 64 levels, and a bearer token is read from one shape only."""

from __future__ import annotations

import pytest

from handlers.http_guard import MAX_JSON_DEPTH, JsonTooDeep, bearer_matches, bearer_token, parse_json


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_as_deep_as_allowed_parses() -> None:
    assert parse_json(nested(MAX_JSON_DEPTH)) is not None
    assert parse_json(b'{"a": {"b": [1, 2]}}') == {"a": {"b": [1, 2]}}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 2, 100_000])
def test_deeper_json_is_refused_as_bad_json(depth: int) -> None:
    with pytest.raises(JsonTooDeep):
        parse_json(nested(depth))
    assert issubclass(JsonTooDeep, ValueError)  # every route answers it as it answers other bad JSON: 400


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
