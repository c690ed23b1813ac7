"""The release modal: first submit stores a draft and shows each tier's rendering; the preview's submit
schedules it."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain.ids import parse_number, release_label
from bot.domain.replies import Reply
from bot.domain.vocabulary import TIERS
from bot.services.releases import ReleaseDraft, describe_time, parse_linked
from comms.render.slack import LOCAL_TIME_VALUE, confirmation_modal, field_errors, release_preview
from comms.tiers import note_for_tier
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState


async def release_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_payload(deps, body)
    state = ViewState(view)
    try:
        linked = parse_linked(state.text("linked"))
    except ValueError as problem:
        await ack(response_action="errors", errors=field_errors({"linked": str(problem)}))
        return
    draft = ReleaseDraft(
        title=state.text("title"),
        summary=state.text("summary"),
        version=state.text("version"),
        deer_text=state.text("deer_text"),
        details=state.text("details"),
        exec_summary=state.text("exec_summary"),
        affected=state.text("affected"),
        linked=linked,
        send_at=state.text("send_at") or "now",
        per_recipient_time=LOCAL_TIME_VALUE in state.checked("local_time"),
    )
    drafted = await desks.releases.draft(requester, draft, source_key=f"view:{view.get('id')}")
    if drafted.errors:
        await ack(response_action="errors", errors=field_errors(drafted.errors))
        return
    if drafted.release is None:
        refusal = drafted.refusal or Reply.failed("The draft could not be saved.")
        await ack(response_action="update", view=confirmation_modal("Not allowed", refusal))
        return
    release = drafted.release
    audience = await desks.releases.audience(release)
    notes = {tier: note_for_tier(release, tier) for tier in TIERS}
    when = describe_time(release.send_at, deps.settings.zone, release.per_recipient_time)
    await ack(
        response_action="update", view=release_preview(release.id, release_label(release.id), notes, when, audience)
    )


async def release_preview_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    release_id = parse_number(private_metadata(view).get("release_id", ""))
    if release_id is None:
        await ack(response_action="errors", errors={})
        return
    reply = await desks.releases.schedule(requester_from_payload(deps, body), release_id)
    await ack(response_action="update", view=confirmation_modal("Release note", reply))
