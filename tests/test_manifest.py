"""manifest.yml is valid per Slack's published schema, and matches exactly what the code registers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

from bot.commands import SLACK, commands_on
from bot.deps import Deps
from bot.desks import Desks
from bot.desks.inbound import InboundDesk
from handlers.slack import register

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).parent / "fixtures" / "manifest-schema"
PUBLISHED_AT = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def manifest_validator() -> jsonschema.Draft7Validator:
    router = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    registry: Registry = Registry()
    for version in ("1.0.0", "2.0.0"):
        schema = json.loads((SCHEMAS / f"manifest.schema.{version}.json").read_text())
        registry = registry.with_resource(
            f"{PUBLISHED_AT}manifest.schema.{version}.json", Resource.from_contents(schema)
        )
    return jsonschema.Draft7Validator(router, registry=registry)


def test_manifest_validates_against_slacks_schema_offline() -> None:
    errors = sorted(manifest_validator().iter_errors(load_manifest()), key=str)

    assert errors == []


def test_the_schema_check_catches_a_broken_manifest() -> None:
    broken = load_manifest()
    del broken["display_information"]["name"]
    broken["features"]["slash_commands"][0]["should_escape"] = "sometimes"
    assert list(manifest_validator().iter_errors(broken)) != []


class RecordingApp:
    """Stands in for AsyncApp to see what `register` wires, without dispatching anything."""

    def __init__(self) -> None:
        self.registered: dict[str, set[str]] = {
            "command": set(),
            "shortcut": set(),
            "event": set(),
            "view": set(),
            "action": set(),
        }

    def _recorder(self, kind: str) -> Callable[[str], Callable[[Any], Any]]:
        def register_one(name: str) -> Callable[[Any], Any]:
            self.registered[kind].add(name)
            return lambda listener: listener

        return register_one

    def __getattr__(self, name: str) -> Any:
        if name in self.registered:
            return self._recorder(name)
        if name in {"use", "middleware"}:
            return lambda *_args, **_kwargs: None
        raise AttributeError(name)


def registered() -> dict[str, set[str]]:
    app = RecordingApp()
    desks = Desks.__new__(Desks)
    desks.deps = Deps.__new__(Deps)
    desks.inbound = InboundDesk.__new__(InboundDesk)
    register(app, desks)  # type: ignore[arg-type]
    return app.registered


def test_manifest_commands_match_the_command_table_and_the_registered_listeners() -> None:
    manifest = load_manifest()
    in_table = {f"/{command.name}" for command in commands_on(SLACK)}

    assert {command["command"] for command in manifest["features"]["slash_commands"]} == in_table
    assert registered()["command"] == in_table


def test_each_slack_command_is_described_as_the_table_says() -> None:
    described = {command["command"]: command for command in load_manifest()["features"]["slash_commands"]}

    for command in commands_on(SLACK):
        entry = described[f"/{command.name}"]
        assert entry["description"] == command.description
        assert entry.get("usage_hint", "") == command.arguments
        assert entry["should_escape"] is command.slack_escapes


def test_manifest_shortcuts_match_the_registered_shortcuts() -> None:
    manifest = load_manifest()
    assert {shortcut["callback_id"] for shortcut in manifest["features"]["shortcuts"]} == registered()["shortcut"]


def test_manifest_events_match_the_registered_events() -> None:
    manifest = load_manifest()
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == registered()["event"]


def test_every_request_url_is_the_one_slack_endpoint() -> None:
    manifest = load_manifest()
    urls = [command["url"] for command in manifest["features"]["slash_commands"]]
    urls += [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert {url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1] for url in urls} == {"slack/events"}
