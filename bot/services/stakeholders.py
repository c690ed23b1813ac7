"""The stakeholder map: who is in which tier. Targets come as Slack writes mentions, or as plain ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.platforms import TEAMS, id_kind, is_teams_id
from bot.domain.replies import Reply, channel_mention, mention, verbatim
from bot.domain.requester import Requester
from bot.domain.vocabulary import TIERS
from bot.services import audit
from bot.services.admin import require_admin
from storage import stakeholders as stakeholder_store
from storage import teams as teams_store

TIER_HINTS = {
    "deer": "channel post, gentle: what changes for you",
    "monkey": "channel post: the summary",
    "elephant": "DM or partner channel: full details",
    "lion": "personal DM: executive summary",
}
_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
USAGE = "Usage: /stakeholders add <deer|monkey|elephant|lion> <@person|#channel> …, remove <@person|#channel> …, list"


@dataclass(frozen=True)
class Target:
    id: str
    kind: str  # "user" or "channel"
    name: str | None = None  # as the platform named them (a Teams @mention, the conversation typed in)

    @property
    def mention(self) -> str:
        if is_teams_id(self.id):
            # Teams draws no mention from an id: the name it gave us, else the id as it is.
            if self.name:
                return f"#{verbatim(self.name)}" if self.kind == "channel" else verbatim(self.name)
            return verbatim(self.id)
        return mention(self.id) if self.kind == "user" else channel_mention(self.id)


class BadTargets(Exception):
    def __init__(self, message: str, unknown: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.unknown = unknown  # the words that name nobody, for a surface that words its own hint


def parse_target(word: str) -> Target | None:
    for pattern, kind in ((_USER_MENTION, "user"), (_CHANNEL_MENTION, "channel")):
        match = pattern.match(word)
        if match:
            return Target(match.group(1), kind)
    plain = id_kind(word)
    return Target(word, plain) if plain is not None else None


def parse_targets(words: list[str], names: Mapping[str, str] | None = None) -> list[Target]:
    """`names`: what the platform itself called the people and channels of the line (never the typed text)."""
    targets: list[Target] = []
    unknown = []
    for word in words:
        target = parse_target(word)
        if target is None:
            unknown.append(word)
        elif all(target.id != known.id for known in targets):
            targets.append(Target(target.id, target.kind, (names or {}).get(target.id)))
    if unknown:
        raise BadTargets(
            f"I can't tell who {', '.join(unknown)} is: mention a person (@name) or a channel (#name), "
            "or give a Slack id (U…, C…) or a Teams id (29:…, 19:…).",
            tuple(unknown),
        )
    if not targets:
        raise BadTargets("Name at least one person or channel. " + USAGE)
    return targets


@dataclass(frozen=True)
class StakeholderCommand:
    action: str  # remove, list
    targets: list[Target]


@dataclass(frozen=True)
class AddStakeholders:
    """`add TIER TARGET…`: place the targets in that tier."""

    tier: str
    targets: list[Target]


def parse_command(text: str, names: Mapping[str, str] | None = None) -> StakeholderCommand | AddStakeholders:
    """`add lion <@U1|ada>`, `remove <#C1|general>`, `list`: the one parser for Slack, Teams and the shell. Teams
    hands its mentions over as ids, with their names in `names`."""
    words = text.split()
    if not words or words[0].lower() == "list":
        return StakeholderCommand("list", [])
    action = words[0].lower()
    if action == "add":
        if len(words) < 2 or words[1].lower() not in TIERS:
            raise BadTargets(f"Pick a tier: {', '.join(TIERS)}. " + USAGE)
        return AddStakeholders(words[1].lower(), parse_targets(words[2:], names))
    if action == "remove":
        return StakeholderCommand("remove", parse_targets(words[1:], names))
    raise BadTargets(USAGE)


async def _elsewhere(session: AsyncSession, requester: Requester, targets: list[Target]) -> Reply | None:
    """A Teams admin's map holds their own tenant's people and channels: a Teams id the bot met in another tenant
    is refused, so nothing said in one tenant ever reaches another."""
    if requester.platform != TEAMS:
        return None
    foreign = []
    for target in targets:
        if not is_teams_id(target.id):
            continue
        known = await teams_store.find(session, target.id)
        if known is not None and known.tenant_id != requester.team_id:
            foreign.append(target)
    if not foreign:
        return None
    named = ", ".join(target.mention for target in foreign)
    return Reply.refused(f"{named} belong{'s' if len(foreign) == 1 else ''} to another Teams tenant. Nothing changed.")


async def add(session: AsyncSession, requester: Requester, tier: str, targets: list[Target]) -> Reply:
    require_admin(requester, "change the stakeholder map")
    refused = await _elsewhere(session, requester, targets)
    if refused is not None:
        return refused
    lines = []
    for target in targets:
        previous = await stakeholder_store.place(
            session, requester.platform, requester.team_id, target.id, target.kind, tier, requester.user_id, target.name
        )
        if previous is None:
            lines.append(f"• {target.mention} added to *{tier}*")
            await audit.record(session, requester, "stakeholder.added", target.id, f"{target.kind} to {tier}")
        elif previous == tier:
            lines.append(f"• {target.mention} was already in *{tier}*")
        else:
            lines.append(f"• {target.mention} moved from *{previous}* to *{tier}*")
            move = f"{target.kind} {previous} to {tier}"
            await audit.record(session, requester, "stakeholder.moved", target.id, move)
    return Reply.info("Stakeholder map updated:", *lines)


async def remove(session: AsyncSession, requester: Requester, targets: list[Target]) -> Reply:
    require_admin(requester, "change the stakeholder map")
    lines = []
    for target in targets:
        removed = await stakeholder_store.remove(session, requester.platform, requester.team_id, target.id)
        previous = removed[0] if removed else None
        if removed and target.name is None:
            target = Target(target.id, target.kind, removed[1])
        if previous:
            await audit.record(session, requester, "stakeholder.removed", target.id, f"{target.kind} from {previous}")
        lines.append(
            f"• {target.mention} removed from *{previous}*" if previous else f"• {target.mention} was not on the map"
        )
    return Reply.info("Stakeholder map updated:", *lines)


async def listing(session: AsyncSession, requester: Requester) -> Reply:
    require_admin(requester, "see the stakeholder map")
    tiers = await stakeholder_store.by_tier(session, requester.platform, requester.team_id)
    if not tiers:
        return Reply.info("The stakeholder map is empty. " + USAGE)
    lines = []
    for tier in TIERS:
        members = tiers.get(tier, [])
        names = (
            ", ".join(Target(member.target_id, member.target_kind, member.name).mention for member in members)
            or "nobody"
        )
        lines.append(f"*{tier}* ({TIER_HINTS[tier]}): {names}")
    return Reply.info("Stakeholder map:", *lines)


async def run(session: AsyncSession, requester: Requester, command: StakeholderCommand | AddStakeholders) -> Reply:
    if isinstance(command, AddStakeholders):
        return await add(session, requester, command.tier, command.targets)
    if command.action == "remove":
        return await remove(session, requester, command.targets)
    return await listing(session, requester)
