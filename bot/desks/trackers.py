"""Issue-tracker use cases shared by App Home, the CLI and the inbound webhooks: file an item (admins), and take
a tracker's word on an issue's status. Each is one transaction; refusals and outcomes come back as replies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.deps import Deps
from bot.domain.console import is_console_team
from bot.domain.ids import parse_label
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.services import audit
from bot.services.admin import NotAllowed, require_admin
from comms.trackers.filing import TRACKER_NAMES, StatusChange, label_of, queue
from storage import inbound
from storage import trackers as tracker_store
from storage.models import utcnow

# How long a delivery id (and body) is remembered: trackers redeliver within hours (GitHub lets a person press
# "Redeliver" for three days); a replay after this is still refused by Linear's timestamp check, not by others.
REMEMBER_DELIVERIES = timedelta(days=30)


@dataclass(frozen=True)
class WebhookDelivery:
    """One inbound webhook request: whose, its delivery id header (if the tracker sends one) and its raw body."""

    tracker: str
    delivery_id: str | None
    body: bytes


@dataclass(frozen=True)
class StatusApplied:
    label: str | None  # the item's label, or None when the issue is not one we filed
    repeat: bool = False  # this delivery (or the same body) was applied before: nothing changed


class TrackerDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def send(self, requester: Requester, label: str, *, any_team: bool = False) -> Reply:
        """File FB-12 or BUG-7 in its tracker, or send a failed one again. Within the requester's workspace,
        unless `any_team` (the CLI without --team: the operator owns every workspace in the database)."""
        try:
            require_admin(requester, "send items to the issue tracker")
        except NotAllowed as refusal:
            return refusal.reply
        parsed = parse_label(label)
        if parsed is None or parsed[0] not in ("feedback", "bug"):
            return Reply.invalid(f"“{verbatim(label)}” is not a feedback or bug id: use FB-12 or BUG-7.")
        if not self._deps.trackers.enabled:
            return Reply.invalid(
                "No issue tracker is configured (see FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*, FEEDBOT_GITHUB_*)."
            )
        kind, item_id = parsed
        name = label_of(kind, item_id)
        async with self._deps.db.sessions.begin() as session:
            item = await tracker_store.get(session, kind, item_id)
            if item is None or (not any_team and item.team_id != requester.team_id):
                return Reply.invalid(f"There is no {name} here.")
            if item.tracker_key:
                tracker = TRACKER_NAMES.get(item.tracker or "", item.tracker)
                return Reply.info(
                    f"*{name}* is already in {tracker} as {verbatim(item.tracker_key)}: {verbatim(item.tracker_url)}"
                )
            if is_console_team(item.team_id):
                return Reply.invalid(
                    f"*{name}* belongs to the {item.team_id} workspace, which never leaves this machine."
                )
            tracker = self._deps.trackers.tracker_for(item)
            if tracker is None:
                return Reply.invalid(
                    f"No tracker takes *{name}*: set FEEDBOT_TRACKER_DEFAULT or a route for its product."
                )
            outcome = await queue(session, kind, item, tracker)
            if outcome not in ("pending", "sent"):
                # Under the item's workspace: the CLI may act without naming one.
                actor = replace(requester, team_id=item.team_id)
                await audit.record(session, actor, "tracker.sent", name, f"{tracker} ({outcome})")
        if outcome == "pending":
            return Reply.info(f"*{name}* is already on its way to {TRACKER_NAMES[tracker]}.")
        if outcome == "sent":
            return Reply.info(f"*{name}* was filed in {TRACKER_NAMES[tracker]} already: it is not filed twice.")
        self._deps.nudge_scheduler()  # wakes the delivery worker in `feedbot serve`
        again = " again" if outcome == "requeued" else ""
        return Reply.ok(f"*{name}* is queued for {TRACKER_NAMES[tracker]}{again}.", item_id=name)

    async def status_changed(self, change: StatusChange, delivery: WebhookDelivery) -> StatusApplied:
        """Apply an inbound webhook's status once per delivery: a tracker's retry, a person pressing Redeliver or
        someone replaying a captured request would otherwise apply an old status again."""
        async with self._deps.db.sessions.begin() as session:
            await inbound.forget_before(session, utcnow() - REMEMBER_DELIVERIES)
            if not await inbound.first_time(session, delivery.tracker, delivery.delivery_id, delivery.body):
                return StatusApplied(None, repeat=True)
            label = await self._deps.trackers.status_changed(session, change)
        if label is not None:
            self._deps.nudge_scheduler()  # a closing-the-loop DM may be waiting in the outbox
        return StatusApplied(label)
