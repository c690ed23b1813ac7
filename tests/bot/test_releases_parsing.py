"""The parsers every surface shares: send times, linked ids, stakeholder targets and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.releases import parse_linked, parse_send_at
from bot.services.stakeholders import (
    AddStakeholders,
    BadTargets,
    StakeholderCommand,
    Target,
    parse_command,
    parse_target,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_send_times_are_read_in_the_configured_zone() -> None:
    assert parse_send_at("now", BERLIN, NOW) == NOW
    assert parse_send_at("", BERLIN, NOW) == NOW
    assert parse_send_at("2026-12-01 09:00", BERLIN, NOW) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert parse_send_at("2026-12-01T09:00:00+00:00", BERLIN, NOW) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_send_times_in_the_past_or_garbled_are_refused() -> None:
    with pytest.raises(ValueError, match="in the past"):
        parse_send_at("2026-11-22 12:00", BERLIN, NOW)  # 11:00 UTC, an hour ago
    with pytest.raises(ValueError, match="not a time I understand"):
        parse_send_at("tomorrow-ish", BERLIN, NOW)


def test_a_local_time_release_only_needs_to_lie_ahead_somewhere() -> None:
    # 12:30 wall-clock has passed in Berlin (11:30 UTC) but not yet where it is UTC-12.
    assert parse_send_at("2026-11-22 12:30", BERLIN, NOW, per_recipient=True)
    with pytest.raises(ValueError):
        parse_send_at("2026-11-20 12:30", BERLIN, NOW, per_recipient=True)


def test_linked_ids_are_normalised_and_checked() -> None:
    assert parse_linked("fb-1, BUG-2 FB-1") == ["FB-1", "BUG-2"]
    assert parse_linked(["FB-3"]) == ["FB-3"]
    with pytest.raises(ValueError, match="not a feedback or bug id"):
        parse_linked("REL-1")


def test_targets_as_slack_writes_them_or_as_ids() -> None:
    assert parse_target("<@U123ABC|ada>") == Target("U123ABC", "user")
    assert parse_target("<#C123ABC|general>") == Target("C123ABC", "channel")
    assert parse_target("<#C123ABC>") == Target("C123ABC", "channel")
    assert parse_target("W0ENTERPRISE") == Target("W0ENTERPRISE", "user")
    assert parse_target("29:1a-bc_DEF") == Target("29:1a-bc_DEF", "user")
    assert parse_target("19:abc@thread.skype") == Target("19:abc@thread.skype", "channel")
    assert parse_target("@ada") is None and parse_target("general") is None


def test_stakeholder_commands() -> None:
    command = parse_command("add Lion <@U1AA|a> <#C1BB|b> <@U1AA|a>")
    assert command == AddStakeholders("lion", [Target("U1AA", "user"), Target("C1BB", "channel")])
    assert parse_command("") == StakeholderCommand("list", [])
    assert parse_command("remove <#C1BB|b>") == StakeholderCommand("remove", [Target("C1BB", "channel")])
    with pytest.raises(BadTargets, match="Pick a tier"):
        parse_command("add tiger <@U1AA>")
    with pytest.raises(BadTargets, match="at least one"):
        parse_command("remove")
