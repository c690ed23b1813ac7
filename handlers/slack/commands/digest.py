"""`/digest [by department|location]`: the caller's copy of the executive digest; `/digest send` (admins): to every
lion now."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.domain.replies import Reply
from bot.services import digest_segments
from comms.render.slack import ephemeral_response, note_message, reply_message
from handlers.slack.context import desks_of, requester_from_command


async def digest_command_callback(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_command(deps, command)
    desk = desks.digests
    text = (command.get("text") or "").strip().lower()
    if text == "send":
        await ack(**ephemeral_response(await desk.send_now(requester)))
        return
    try:
        by = digest_segments.parse_by(text)
    except ValueError as problem:
        await ack(**ephemeral_response(Reply.invalid(str(problem))))
        return
    refusal = await desk.refusal(requester)
    if refusal is not None:
        await ack(**ephemeral_response(refusal))
        return
    # A big workspace's digest can take longer than Slack waits for an ack: the copy follows by response_url.
    await ack(**ephemeral_response(Reply.info("Putting your digest together…")))

    async def deliver() -> None:
        preview = await desk.preview(requester, by)
        message = reply_message(preview) if isinstance(preview, Reply) else note_message(preview)
        await respond(response_type="ephemeral", **message)

    deps.background.spawn(deliver(), name="digest:preview")
