"""Buttons on release messages: a lion acknowledges, anyone opens the full note or asks a question, an approver
approves; and on the author's own views: send a test from the preview, resume a draft."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from bot.domain.ids import parse_number
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from comms.render.limits import CONTEXT_TEXT
from comms.render.slack import RELEASE_QUESTION_MODAL, note_modal, prompt_modal, reply_message, reply_mrkdwn
from comms.tiers import ACK_ACTION, QUESTION_PROMPT
from handlers.slack.commands.release import open_release_form
from handlers.slack.context import desks_of, requester_from_payload


def _release_id(action: dict[str, Any]) -> int | None:
    return parse_number(str(action.get("value") or ""))


def _settled_message(body: dict[str, Any], reply: Reply, done: str | None = None) -> dict[str, Any]:
    """The original message plus a line saying what the click did. Without `done` its buttons all go; with it,
    only the button `done` (its action id) goes, and the others stay (Acknowledge goes, Read the full note stays)."""
    message = body.get("message") or {}
    original = message.get("blocks")
    original = original if isinstance(original, list) else []
    blocks = []
    for block in original:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            elements = block.get("elements")
            kept = [
                element
                for element in (elements if isinstance(elements, list) and done is not None else [])
                if isinstance(element, dict) and element.get("action_id") != done
            ]
            if not kept:
                continue
            block = {**block, "elements": kept}
        blocks.append(block)
    text = reply_mrkdwn(reply, CONTEXT_TEXT)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    return {"replace_original": True, "text": message.get("text") or text, "blocks": blocks}


async def release_ack_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    release_id = _release_id(action)
    if release_id is None:
        return
    desks = desks_of(context)
    deps = desks.deps

    async def acknowledge() -> None:
        reply = await desks.releases.acknowledge(requester_from_payload(deps, body), release_id)
        if reply.kind != "ok":
            await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(reply))
            return
        await respond(**_settled_message(body, reply, done=ACK_ACTION))

    # Bolt answers Slack when this listener returns (process_before_response), so the work runs after it.
    deps.background.spawn(acknowledge(), name="release:acknowledge")


async def release_approve_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    release_id = _release_id(action)
    if release_id is None:
        return
    desks = desks_of(context)
    deps = desks.deps

    async def approve() -> None:
        reply = await desks.releases.approve(requester_from_payload(deps, body), release_id)
        if reply.kind == "refused":
            await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(reply))
            return
        await respond(**_settled_message(body, reply))

    deps.background.spawn(approve(), name="release:approve")


async def release_full_note_callback(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    async def view_of(desks: Desks, requester: Requester, release_id: int) -> View | Reply:
        note = await desks.releases.full_note(requester, release_id)
        return note if isinstance(note, Reply) else note_modal(note)

    await _open_view(ack, body, action, client, respond, context, view_of, "release:full-note")


async def release_question_callback(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    async def view_of(desks: Desks, requester: Requester, release_id: int) -> View | Reply:
        about = await desks.releases.question_about(requester, release_id)
        if isinstance(about, Reply):
            return about
        metadata = json.dumps({"release_id": str(release_id)})
        return prompt_modal(RELEASE_QUESTION_MODAL, "Ask a question", QUESTION_PROMPT, about, metadata)

    await _open_view(ack, body, action, client, respond, context, view_of, "release:question-form")


async def _open_view(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
    view_of: Callable[[Desks, Requester, int], Awaitable[View | Reply]],
    name: str,
) -> None:
    """A button on a release message that opens a modal about the release: the desk decides whether the clicker
    may see it; a refusal is told to the clicker alone."""
    await ack()
    release_id = _release_id(action)
    if release_id is None:
        return
    desks = desks_of(context)

    async def open_it() -> None:
        view = await view_of(desks, requester_from_payload(desks.deps, body), release_id)
        if isinstance(view, Reply):
            await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(view))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    desks.deps.background.spawn(open_it(), name=name)


async def release_test_send_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """Send a test to me, on the preview: every tier's message to the clicker alone."""
    await ack()
    draft_id = parse_number(str(action.get("value") or ""))
    if draft_id is None:
        return
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_payload(deps, body)

    async def send_test() -> None:
        reply = await desks.release_forms.send_test(requester, draft_id)
        if reply.kind != "ok":
            # A modal has no place for a line: the author hears why in their DM with the app, as with the test.
            await client.chat_postMessage(channel=requester.user_id, **reply_message(reply))

    deps.background.spawn(send_test(), name="release:test-send")


async def release_resume_callback(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    """Resume, on /release drafts: the form again, as the draft left it."""
    await ack()
    draft_id = parse_number(str(action.get("value") or ""))
    if draft_id is None:
        return
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)
    trigger_id = str(body.get("trigger_id") or "")

    async def resume() -> None:
        form = await desks.release_forms.resume(requester, draft_id)
        if isinstance(form, Reply):
            await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(form))
            return
        await open_release_form(desks, client, requester, trigger_id, form, {"draft_id": str(draft_id)})

    desks.deps.background.spawn(resume(), name="release:resume")
