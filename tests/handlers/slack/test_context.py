"""Who is asking, read from Slack payloads: the workspace, the person, and whether they are an admin."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.deps import Deps
from bot.domain.settings import load_settings
from handlers.slack.context import private_metadata, requester_from_command, requester_from_payload
from tests.conftest import ADMIN_USER


@pytest.fixture
def deps() -> Deps:
    # Reading who asks needs only the settings (FEEDBOT_ADMINS): no database, no Slack.
    return cast(Deps, SimpleNamespace(settings=load_settings(admins=ADMIN_USER)))


def test_a_command_names_its_workspace_and_person(deps: Deps) -> None:
    asking = requester_from_command(deps, {"team_id": "T0001", "user_id": ADMIN_USER})
    assert (asking.platform, asking.team_id, asking.user_id, asking.is_admin) == ("slack", "T0001", ADMIN_USER, True)
    assert not requester_from_command(deps, {"team_id": "T0001", "user_id": "UNOTADMIN1"}).is_admin


def test_an_org_wide_install_falls_back_to_the_users_own_workspace(deps: Deps) -> None:
    body = {"user": {"id": "UPERSON001", "team_id": "T0002"}, "team": None}
    assert requester_from_payload(deps, body).team_id == "T0002"
    body_with_team = {"user": {"id": "UPERSON001", "team_id": "T0002"}, "team": {"id": "T0001"}}
    assert requester_from_payload(deps, body_with_team).team_id == "T0001"


def test_a_payload_without_a_person_is_nobody_and_no_admin(deps: Deps) -> None:
    asking = requester_from_payload(deps, {})
    assert (asking.team_id, asking.user_id, asking.is_admin) == ("", "", False)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ('{"release_id": "3"}', {"release_id": "3"}),
        ('{"release_id": 3, "channel_id": "C1"}', {"channel_id": "C1"}),  # only strings are kept
        ('["release_id"]', {}),
        ("{truncated", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_private_metadata_keeps_only_string_values(metadata: Any, expected: dict[str, str]) -> None:
    assert private_metadata({"private_metadata": metadata}) == expected
