"""The demo company's fixed names: the workspace `feedbot demo` fills, and who in it acts as a product manager.

The shell, the console sender and `/pulse simulate` ask here whether a workspace is the demo and who its admins
are; bot/demo/ writes the company itself."""

from __future__ import annotations

from typing import Protocol

from bot.domain.platforms import SLACK

DEMO_TEAM = "demo"
# Slack-shaped ids (U…, C…), so the demo goes through the same Block Kit path as a real Slack workspace.
DEMO_PLATFORM = SLACK
PRODUCT_DEPARTMENT = "Product"
# What keys the demo people's pseudonyms in usage events and the people directory when FEEDBOT_SECRET_KEY is unset:
# they are made up, so a key anyone can read hides nobody (a real person's events are never keyed with it).
DEMO_PSEUDONYM_KEY = "feedbot-demo-company"
# The people of the Product department (bot/demo/company.py): the demo's admins.
PRODUCT_MANAGERS = frozenset({"UDEMO030", "UDEMO031", "UDEMO032"})


class DirectoryPerson(Protocol):
    """What is_product_manager reads of a directory entry (storage.models.DirectoryEntry has it)."""

    @property
    def team_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def department(self) -> str | None: ...


def is_demo(team_id: str) -> bool:
    return team_id == DEMO_TEAM


def is_product_manager(entry: DirectoryPerson) -> bool:
    """A person of the demo company's Product department: the shell treats them as an admin."""
    return entry.team_id == DEMO_TEAM and entry.kind == "user" and entry.department == PRODUCT_DEPARTMENT
