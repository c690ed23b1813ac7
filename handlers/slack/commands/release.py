"""`/release [new|list|cancel|reschedule|report|drafts|templates …]` (admins and FEEDBOT_RELEASE_AUTHORS): the
form, and managing releases from Slack. Quick answers come with the ack; anything that needs the author's time zone
(users.info, once) or opens a form runs after it."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.services import release_commands
from bot.services.release_forms import DRAFT_DAYS
from comms.render.slack import ephemeral_response, release_drafts_message, release_modal
from comms.senders import SlackSender
from handlers.slack.context import desks_of, requester_from_command


async def open_release_form(
    desks: Desks,
    client: AsyncWebClient,
    requester: Requester,
    trigger_id: str,
    form: ReleaseForm,
    metadata: dict[str, str] | None = None,
) -> None:
    """The form, its date-time picker starting at the author's next full hour on their own clock."""
    zone = await desks.release_forms.author_zone(requester, SlackSender(desks.deps.clients).timezone)
    channels = desks.deps.settings.zone.key
    view = release_modal(form, zone.key, desks.release_forms.first_send_time(zone), channels, metadata)
    await client.views_open(trigger_id=trigger_id, view=view)


async def _quick_answer(desks: Desks, requester: Requester, command: release_commands.ReleaseCommand) -> Reply | None:
    """The subcommands answered with the ack: one short transaction each."""
    releases, forms = desks.releases, desks.release_forms
    match command.action:
        case "cancel":
            return await releases.cancel(requester, command.release_id)
        case "report":
            return await releases.report(requester, command.release_id)
        case "reschedule":
            # The zone the author's form showed them (cached then): no platform call fits before the ack.
            zone = await desks.release_forms.author_zone(requester, None)
            return await releases.reschedule(requester, command.release_id, command.argument, zone)
        case "templates":
            return await forms.templates(requester)
        case "template_save":
            return await forms.save_template(requester, command.argument)
    return None


async def release_command_callback(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_command(deps, command)
    # The refusal comes first: someone who may not manage releases learns nothing about the command's shape.
    refusal = desks.releases.may_draft(requester)
    if refusal is not None:
        await ack(**ephemeral_response(refusal))
        return
    parsed = release_commands.parse(str(command.get("text") or ""))
    if isinstance(parsed, Reply):
        await ack(**ephemeral_response(parsed))
        return
    quick = await _quick_answer(desks, requester, parsed)
    if quick is not None:
        await ack(**ephemeral_response(quick))
        return
    await ack()
    trigger_id = str(command.get("trigger_id") or "")
    lookup = SlackSender(deps.clients).timezone
    releases, forms = desks.releases, desks.release_forms

    async def answer() -> None:
        if parsed.action == "new":
            await open_release_form(desks, client, requester, trigger_id, ReleaseForm())
        elif parsed.action == "template_use":
            form = await forms.template_form(requester, parsed.argument)
            if isinstance(form, Reply):
                await respond(**ephemeral_response(form))
            else:
                await open_release_form(desks, client, requester, trigger_id, form)
        elif parsed.action == "list":
            zone = await forms.author_zone(requester, lookup)
            await respond(**ephemeral_response(await releases.listing(requester, zone)))
        else:
            drafts = await forms.drafts(requester)
            if isinstance(drafts, Reply):
                await respond(**ephemeral_response(drafts))
                return
            zone = await forms.author_zone(requester, lookup)
            listed = [(draft.draft_id, draft.title, draft.saved_at) for draft in drafts]
            await respond(**release_drafts_message(listed, zone, DRAFT_DAYS))

    deps.background.spawn(answer(), name=f"release:{parsed.action}")
