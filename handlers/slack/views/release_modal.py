"""The release note form and its preview. The form's Preview keeps it as a draft and pushes the preview on top of
it, so the preview's Back returns to the form as filled; the preview's Schedule schedules it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.ids import parse_number
from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply
from bot.services.releases import describe_time
from comms.render.slack import (
    LOCAL_TIME_VALUE,
    SEND_NOW_VALUE,
    confirmation_modal,
    field_errors,
    release_preview,
)
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState


def form_of(view: Mapping[str, Any]) -> ReleaseForm:
    state = ViewState(view)
    return ReleaseForm(
        title=state.text("title"),
        version=state.text("version"),
        summary=state.text("summary"),
        deer_text=state.text("deer_text"),
        details=state.text("details"),
        exec_summary=state.text("exec_summary"),
        affected=state.text("affected"),
        linked=state.text("linked"),
        send_at=state.date_time("send_at"),
        send_now=SEND_NOW_VALUE in state.checked("send_now"),
        per_recipient_time=LOCAL_TIME_VALUE in state.checked("local_time"),
    )


async def release_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_payload(deps, body)
    draft_id = parse_number(private_metadata(view).get("draft_id", ""))
    forms = desks.release_forms
    # Looked up and kept when the form opened: no Slack call here, inside Slack's 3 seconds.
    zone = await forms.author_zone(requester, None)
    previewed = await forms.preview(requester, form_of(view), draft_id, f"view:{view.get('id')}", zone)
    if previewed.errors:
        await ack(response_action="errors", errors=field_errors(previewed.errors))
        return
    release, notes = previewed.release, previewed.notes
    if release is None or notes is None or previewed.draft_id is None:
        refusal = previewed.refusal or Reply.failed("The draft could not be saved.")
        await ack(response_action="update", view=confirmation_modal("Not saved", refusal))
        return
    # "At this time in each person's own zone" is a wall-clock time, kept as read in FEEDBOT_TIMEZONE.
    local = release.per_recipient_time
    when = describe_time(release.send_at, deps.settings.zone if local else zone, local)
    preview = release_preview(release.id, previewed.draft_id, notes, when, previewed.audience or {})
    await ack(response_action="push", view=preview)


async def release_preview_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    metadata = private_metadata(view)
    release_id = parse_number(metadata.get("release_id", ""))
    if release_id is None:
        await ack(response_action="errors", errors={})
        return
    draft_id = parse_number(metadata.get("draft_id", ""))
    reply = await desks.release_forms.schedule(requester_from_payload(deps, body), draft_id, release_id)
    done = confirmation_modal("Release note", reply)
    await ack(response_action="update", view=done)
    form_view = view.get("previous_view_id")
    if reply.kind == "ok" and isinstance(form_view, str) and form_view:
        # The form under the preview is done with too: it shows the outcome, and cannot be sent a second time.
        deps.background.spawn(client.views_update(view_id=form_view, view=done), name="release:form-done")
