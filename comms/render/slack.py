"""Block Kit for everything feedbot shows in Slack, built with slack_sdk.models so limits are enforced."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.home import HomeSummary, Submission, TrackerCard, TrackerOverview
from bot.domain.ids import release_label
from bot.domain.notes import Note, Prompt
from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply, Sigil, render, unmarked
from bot.domain.triage_choices import MergeChoice
from bot.domain.validation import MAX_PRODUCT, MAX_TEXT, MAX_TITLE
from bot.domain.vocabulary import CATEGORIES, SEVERITIES, TIER_DELIVERY
from comms.render.limits import (
    CONTEXT_TEXT,
    HEADER_TEXT,
    MODAL_TITLE,
    SECTION_TEXT,
    escape_mrkdwn,
    shorten_words,
    truncate,
)

FEEDBACK_MODAL = "feedback_modal"
BUG_MODAL = "bug_modal"
# Every input's block_id is the service's field name, so a service error lands on the right field.
INPUT_ACTION = "value"
ANONYMOUS_VALUE = "anonymous"

_ICONS = {"ok": ":white_check_mark:", "info": ":information_source:", "invalid": ":warning:"}
_ICONS |= {"refused": ":no_entry:", "failed": ":x:"}


def mrkdwn(text: str) -> str:
    """Our light markdown as Slack mrkdwn, with everything a person typed escaped: it shows as typed and can
    never become a mention, a channel broadcast or a disguised link."""
    return render(text, lambda markup: markup, escape_mrkdwn, _mention)


def _mention(sigil: Sigil, target_id: str) -> str:
    return f"<{sigil}{target_id}>"


def _fit(text: str, limit: int) -> str:
    """Rendered mrkdwn within `limit` characters, never ending in half an escape (&am…)."""
    cut = truncate(text, limit)
    return _PARTIAL_ENTITY.sub("…", cut) if cut != text else cut


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}…$")


def reply_mrkdwn(reply: Reply, limit: int = SECTION_TEXT) -> str:
    """A reply's text as mrkdwn, for the few places that show it on its own (a context line, a respond)."""
    return _fit(mrkdwn(reply.text), limit)


def reply_plain(reply: Reply) -> str:
    """A reply's text for plain-text places, such as a modal's field error."""
    return unmarked(reply.text)


def _reply_sections(reply: Reply) -> list[str]:
    """The mrkdwn of each section a reply shows: the icon and text, then its lines, each within Slack's limit."""
    sections = [_fit(f"{_ICONS[reply.kind]} {mrkdwn(reply.text)}", SECTION_TEXT)]
    if reply.lines:
        sections.append(_fit(mrkdwn("\n".join(reply.lines)), SECTION_TEXT))
    return sections


def reply_blocks(reply: Reply) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=text)) for text in _reply_sections(reply)]


def _mrkdwn_section(text: str) -> dict[str, Any]:
    # Exactly SectionBlock(text=MarkdownTextObject(text=text)).to_dict() (tests/comms/test_render_slack.py checks
    # they agree), written out because that to_dict() validates and serialises by reflection: ~0.1 ms, about a
    # tenth of the CPU of an ack under load. The one limit it would check, the text's length, _reply_sections keeps.
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def reply_message(reply: Reply) -> dict[str, Any]:
    """A reply as message text (what notifications show) and Block Kit."""
    return {
        "text": _fit(mrkdwn("\n".join([reply.text, *reply.lines])), SECTION_TEXT),
        "blocks": [_mrkdwn_section(text) for text in _reply_sections(reply)],
    }


def ephemeral_response(reply: Reply) -> dict[str, Any]:
    """The body of an ack or response_url post: visible only to the person who asked."""
    return {"response_type": "ephemeral", **reply_message(reply)}


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """A modal's field errors, which Slack shows as plain text."""
    return {field: unmarked(message) for field, message in errors.items()}


def _text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    max_length: int = MAX_TEXT,
    initial: str | None = None,
    optional: bool = False,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=multiline,
            max_length=max_length,
            initial_value=truncate(initial, max_length) if initial else None,
            placeholder=placeholder,
        ),
    )


def _select(block_id: str, label: str, choices: Sequence[str], *, optional: bool) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(
            action_id=INPUT_ACTION,
            placeholder="Choose one",
            options=[Option(value=choice, text=choice.capitalize()) for choice in choices],
        ),
    )


def feedback_modal(*, text: str | None = None, metadata: dict[str, str] | None = None) -> View:
    return View(
        type="modal",
        callback_id=FEEDBACK_MODAL,
        title="Share feedback",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps(metadata or {}),
        blocks=[
            _text_input("text", "What would you like to tell us?", multiline=True, initial=text),
            _text_input("product", "Product or area", max_length=MAX_PRODUCT, optional=True),
            _select("category", "Kind of feedback", CATEGORIES, optional=True),
            _anonymity("Share anonymously", "Your name is not stored with this feedback."),
        ],
    )


def _anonymity(text: str, description: str | None = None) -> InputBlock:
    """The one checkbox that leaves the person's name out of what they send."""
    option = Option(value=ANONYMOUS_VALUE, text=truncate(text, OPTION_TEXT), description=description)
    return InputBlock(
        block_id="anonymous",
        label="Anonymity",
        optional=True,
        element=CheckboxesElement(action_id=INPUT_ACTION, options=[option]),
    )


def bug_modal(
    *, title: str | None = None, what_happened: str | None = None, metadata: dict[str, str] | None = None
) -> View:
    return View(
        type="modal",
        callback_id=BUG_MODAL,
        title="Report a bug",
        submit="Report",
        close="Cancel",
        private_metadata=json.dumps(metadata or {}),
        blocks=[
            _text_input("title", "Title", max_length=MAX_TITLE, initial=title),
            _text_input("what_happened", "What happened?", multiline=True, initial=what_happened),
            _text_input("expected", "What did you expect?", multiline=True, optional=True),
            _select("severity", "Severity", SEVERITIES, optional=False),
            _text_input("product", "Product or area", max_length=MAX_PRODUCT, optional=True),
        ],
    )


def confirmation_modal(title: str, reply: Reply) -> View:
    return View(type="modal", title=title, close="Done", blocks=reply_blocks(reply))


HOME_GIVE_FEEDBACK = "home_give_feedback"
HOME_REPORT_BUG = "home_report_bug"
HOME_VOTE = "home_vote"


def home_view(summary: HomeSummary) -> View:
    blocks: list[Block] = [
        HeaderBlock(text="Your feedback and bugs"),
        # The same modals as /feedback and /bug, for people who start from the Home tab.
        ActionsBlock(
            block_id="home_submit",
            elements=[
                ButtonElement(text="Give feedback", action_id=HOME_GIVE_FEEDBACK, style="primary"),
                ButtonElement(text="Report a bug", action_id=HOME_REPORT_BUG),
            ],
        ),
    ]
    if not summary.submissions:
        blocks.append(
            SectionBlock(
                text="Nothing yet. Use the buttons above, `/feedback` to tell us what you think or `/bug` to report "
                "a problem."
            )
        )
    for item in summary.submissions:
        summary_text = escape_mrkdwn(truncate(" ".join(item.summary.split()), 200))
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{item.label}* · {item.kind} · _{item.status}_{_merged_note(item)}{_tracker_note(item)}"
                    f"\n{summary_text}{_status_note(item)}"
                )
            )
        )
        sent = item.created_at.astimezone(ZoneInfo(summary.zone))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Sent {sent:%d %b %Y %H:%M} ({summary.zone})")]))
    if summary.most_wanted:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text="Most wanted"))
        for wanted in summary.most_wanted:
            votes = f"{wanted.votes} vote{'s' if wanted.votes != 1 else ''}"
            text = escape_mrkdwn(truncate(" ".join(wanted.summary.split()), 200))
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=f"*{wanted.label}* · _{wanted.status}_ · {votes}\n{text}"),
                    accessory=ButtonElement(text="+1", action_id=HOME_VOTE, value=wanted.label),
                )
            )
    if summary.admin is not None:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=truncate("Team overview (admins)", HEADER_TEXT)))
        feedback = summary.admin.feedback_by_status
        bugs = summary.admin.open_bugs_by_severity
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=f"*New feedback*\n{feedback.get('new', 0)}"),
                    MarkdownTextObject(text=f"*All feedback*\n{sum(feedback.values())}"),
                ]
                + [
                    MarkdownTextObject(text=f"*Open {severity} bugs*\n{bugs.get(severity, 0)}")
                    for severity in SEVERITIES
                ]
            )
        )
        glance = [summary.admin.enps] if summary.admin.enps else []
        if summary.admin.upcoming:
            glance.append("*Next releases*\n" + "\n".join(f"• {line}" for line in summary.admin.upcoming))
        if glance:
            text = mrkdwn("\n".join(glance))
            blocks.append(SectionBlock(text=MarkdownTextObject(text=_fit(text, SECTION_TEXT))))
        if summary.admin.themes:
            lines = "\n".join(f"• {escape_mrkdwn(line)}" for line in summary.admin.themes)
            blocks.append(
                SectionBlock(text=MarkdownTextObject(text=truncate(f"*Themes this week*\n{lines}", SECTION_TEXT)))
            )
        if summary.admin.kpis:
            lines = "\n".join(f"• {mrkdwn(line)}" for line in summary.admin.kpis)
            heading = "*KPIs, last 28 days* (`/kpi PRODUCT` for one in full)"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=_fit(f"{heading}\n{lines}", SECTION_TEXT))))
        if summary.admin.trackers is not None:
            blocks += _tracker_blocks(summary.admin.trackers)
    return View(type="home", blocks=blocks[:100], callback_id="home")


TRACKER_SEND_FEEDBACK = "tracker_send_feedback"
TRACKER_RESEND_BUG = "tracker_resend_bug"


def _merged_note(item: Submission) -> str:
    return f" (merged into {item.merged_into})" if item.merged_into else ""


def _status_note(item: Submission) -> str:
    """The team's note on the status, as typed by a triager: escaped like any typed text."""
    return f"\n> {escape_mrkdwn(truncate(' '.join(item.status_note.split()), 500))}" if item.status_note else ""


def _tracker_note(item: Submission) -> str:
    """· <link|EXP-12> (In Progress) once filed; a hint while it is on its way."""
    if item.tracker_key and item.tracker_url:
        status = f" ({escape_mrkdwn(item.tracker_status)})" if item.tracker_status else ""
        return f" · <{item.tracker_url}|{escape_mrkdwn(item.tracker_key)}>{status}"
    return " · _filing in the issue tracker_" if item.tracker_status == "queued" else ""


def _tracker_card(card: TrackerCard, button: str) -> SectionBlock:
    text = f"*{card.label}* · {card.kind}"
    if card.error:
        text += f" · :x: `{escape_mrkdwn(truncate(card.error, 200))}`"
    text += f"\n{escape_mrkdwn(truncate(' '.join(card.summary.split()), 200))}"
    action = TRACKER_RESEND_BUG if card.kind == "bug" else TRACKER_SEND_FEEDBACK
    return SectionBlock(
        text=MarkdownTextObject(text=text), accessory=ButtonElement(text=button, action_id=action, value=card.label)
    )


def _tracker_blocks(trackers: TrackerOverview) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Issue tracker")]
    if trackers.failed:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="Could not be filed: fix the cause, then re-send")])
        )
        blocks += [_tracker_card(card, "Re-send") for card in trackers.failed]
    if trackers.unfiled_feedback:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Feedback not in the tracker")]))
        blocks += [_tracker_card(card, "Send to tracker") for card in trackers.unfiled_feedback]
    if len(blocks) == 1:
        blocks.append(SectionBlock(text="Nothing waiting: every bug is filed, and no feedback is left to send."))
    return blocks


# -- outbound messages (the outbox stores these as JSON) -----------------------------------------------------------

MAX_MESSAGE_BLOCKS = 50
MAX_FIELDS = 10
FIELD_TEXT = 2000


def _chunks(text: str, size: int) -> list[str]:
    """Split at paragraph or line breaks where possible, so long notes read naturally across sections."""
    chunks: list[str] = []
    rest = text
    while len(rest) > size:
        cut = max(rest.rfind("\n\n", 0, size), rest.rfind("\n", 0, size), rest.rfind(" ", 0, size))
        cut = cut if cut > size // 2 else _entity_safe(rest, size)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, moved back to the start of an escape (&amp;) it would split."""
    start = text.rfind("&", max(0, cut - 4), cut)
    return start if start > 0 and ";" not in text[start:cut] else cut


def note_blocks(note: Note) -> list[Block]:
    # The header is plain_text: Slack shows it as written, so typed text needs no escaping there.
    blocks: list[Block] = [HeaderBlock(text=truncate(unmarked(note.title), HEADER_TEXT))]
    tail: list[Block] = []
    if note.facts:
        tail.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=_fit(mrkdwn(f"*{label}*\n{value}"), FIELD_TEXT))
                    for label, value in note.facts[:MAX_FIELDS]
                ]
            )
        )
    if note.actions:
        tail.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=truncate(unmarked(action.label), 75),
                        action_id=action.action_id,
                        value=action.value,
                        style=action.style,
                    )
                    for action in note.actions
                ]
            )
        )
    if note.context:
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=_fit(mrkdwn(note.context), CONTEXT_TEXT))]))
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(tail)
    sections = [chunk for paragraph in note.paragraphs for chunk in _chunks(mrkdwn(paragraph), SECTION_TEXT)]
    if len(sections) > room:
        sections = [*sections[: room - 1], _fit(sections[room - 1], SECTION_TEXT - 40) + "\n_(shortened)_"]
    blocks += [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in sections]
    return blocks + tail


def note_message(note: Note) -> dict[str, Any]:
    """chat.postMessage arguments (besides channel) for a note: fallback text plus Block Kit."""
    # The fallback is what notifications show, and Slack reads mentions in it too.
    text = _fit(mrkdwn(note.fallback), SECTION_TEXT)
    return {"text": text, "blocks": [block.to_dict() for block in note_blocks(note)]}


def note_modal(note: Note) -> View:
    """A note in a modal: its title shortened between words to fit the modal's bar, and in full in the header."""
    blocks = [block for block in note_blocks(note) if not isinstance(block, ActionsBlock)]
    title = shorten_words(unmarked(note.title), MODAL_TITLE)
    return View(type="modal", title=title, close="Close", blocks=blocks[:100])


RELEASE_QUESTION_MODAL = "release_question_modal"


def prompt_modal(callback_id: str, title: str, prompt: Prompt, about: str, metadata: str) -> View:
    """The modal behind a button that asks for a few words first (Ask a question): the field, the choice of
    leaving one's name out if the prompt offers it, and what it is about."""
    blocks: list[Block] = [_text_input("text", prompt.label, multiline=True)]
    if prompt.anonymous:
        blocks.append(_anonymity(prompt.anonymous))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_fit(mrkdwn(about), CONTEXT_TEXT))]))
    return View(
        type="modal",
        callback_id=callback_id,
        title=shorten_words(title, MODAL_TITLE),
        submit="Send",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


# -- releases -------------------------------------------------------------------------------------------------------

RELEASE_MODAL = "release_modal"
RELEASE_PREVIEW = "release_preview"
LOCAL_TIME_VALUE = "per_recipient"
PREVIEW_BLOCKS_PER_TIER = 20


SEND_NOW_VALUE = "now"
RELEASE_TEST_ACTION = "release_test_send"
RELEASE_RESUME_ACTION = "release_draft_resume"
_SEND_NOW = Option(value=SEND_NOW_VALUE, text="Send now", description="Ignore the time above: it goes out at once.")


def _checkbox(block_id: str, label: str, option: Option, checked: bool) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=CheckboxesElement(
            action_id=INPUT_ACTION, options=[option], initial_options=[option] if checked else None
        ),
    )


def release_modal(
    form: ReleaseForm, zone_name: str, send_at: int, channels_zone: str, metadata: dict[str, str] | None = None
) -> View:
    """The release note form, filled with `form` (a draft, a template, or nothing yet). The date-time picker shows
    and reads time on the author's own clock (`zone_name`); `send_at` is where it starts (Unix seconds). With
    local time, channels get it at the picked hour in `channels_zone` (FEEDBOT_TIMEZONE)."""
    local_time = Option(
        value=LOCAL_TIME_VALUE,
        text="Reach people at this time in their own time zone",
        description=truncate(f"Channels get it at this hour in {channels_zone}.", 75),
    )
    return View(
        type="modal",
        callback_id=RELEASE_MODAL,
        title="New release note",
        submit="Preview",
        close="Cancel",
        private_metadata=json.dumps(metadata or {}),
        blocks=[
            _text_input("title", "Title", max_length=150, initial=form.title),
            _text_input(
                "version", "Version", max_length=64, optional=True, placeholder="e.g. 2.4", initial=form.version
            ),
            _text_input(
                "summary", "Summary (everyone without their own text gets this)", multiline=True, initial=form.summary
            ),
            _text_input(
                "deer_text", "What changes for you (deer)", multiline=True, optional=True, initial=form.deer_text
            ),
            _text_input("details", "Details (elephants)", multiline=True, optional=True, initial=form.details),
            _text_input(
                "exec_summary",
                "Executive summary (lions): impact, decisions",
                multiline=True,
                optional=True,
                initial=form.exec_summary,
            ),
            _text_input("affected", "Who is affected", optional=True, initial=form.affected),
            _text_input(
                "linked",
                "Feedback and bugs it addresses",
                optional=True,
                placeholder="FB-12 BUG-3",
                initial=form.linked,
            ),
            InputBlock(
                block_id="send_at",
                label=truncate(f"Send at (your time: {zone_name})", 2000),
                optional=True,
                element=DateTimePickerElement(action_id=INPUT_ACTION, initial_date_time=form.send_at or send_at),
            ),
            _checkbox("send_now", "Or", _SEND_NOW, form.send_now),
            _checkbox("local_time", "Time zones", local_time, form.per_recipient_time),
        ],
    )


def release_preview(
    release_id: int, draft_id: int, notes: dict[str, Note], when: str, audience: dict[str, int]
) -> View:
    """What each tier will receive, before anything is scheduled: pushed on top of the form, so its Back (the
    close button) returns to the form as it was filled."""
    label = release_label(release_id)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{label}* goes out {when}. This is what each tier will get. Nothing is sent until you press "
                "*Schedule*; *Back* returns to the form."
            )
        ),
        ActionsBlock(
            block_id="release_test",
            elements=[ButtonElement(text="Send a test to me", action_id=RELEASE_TEST_ACTION, value=str(draft_id))],
        ),
        ContextBlock(
            elements=[MarkdownTextObject(text="The test DMs you every tier's message, marked TEST, and nobody else.")]
        ),
    ]
    for tier, note in notes.items():
        count = audience.get(tier, 0)
        blocks.append(DividerBlock())
        who = f"{count} stakeholder{'s' if count != 1 else ''}" if count else "nobody yet"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*{tier}* · {TIER_DELIVERY[tier]} · {who}")]))
        rendered = note_blocks(note)
        buttons = [block for block in rendered if isinstance(block, ActionsBlock)]
        rendered = [block for block in rendered if not isinstance(block, ActionsBlock)][:PREVIEW_BLOCKS_PER_TIER]
        if buttons:
            labels = " ".join(f"[{action.label}]" for action in note.actions)
            rendered.append(ContextBlock(elements=[MarkdownTextObject(text=f"Buttons: {labels}")]))
        blocks.extend(rendered)
    return View(
        type="modal",
        callback_id=RELEASE_PREVIEW,
        title=truncate(f"Preview {label}", MODAL_TITLE),
        submit="Schedule",
        close="Back",
        private_metadata=json.dumps({"release_id": str(release_id), "draft_id": str(draft_id)}),
        blocks=blocks[:100],
    )


def release_drafts_message(drafts: Sequence[tuple[int, str, datetime]], zone: ZoneInfo, days: int) -> dict[str, Any]:
    """`/release drafts`: each of the author's drafts (id, title, last saved) with a Resume button."""
    if not drafts:
        return ephemeral_response(
            Reply.info("You have no release drafts. /release new writes one; previewing it keeps it as a draft.")
        )
    intro = f"Your release drafts (kept {days} days after their last save; times in {zone.key}):"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape_mrkdwn(intro)))]
    for draft_id, title, saved_at in drafts[: MAX_MESSAGE_BLOCKS - 1]:
        text = f"*{escape_mrkdwn(truncate(title, 200))}*\nsaved {saved_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=text),
                accessory=ButtonElement(text="Resume", action_id=RELEASE_RESUME_ACTION, value=str(draft_id)),
            )
        )
    return {"response_type": "ephemeral", "text": intro, "blocks": [block.to_dict() for block in blocks]}


PULSE_COMMENT_MODAL = "pulse_comment_modal"


def pulse_comment_modal(pulse_id: int, metadata: str) -> View:
    return View(
        type="modal",
        callback_id=PULSE_COMMENT_MODAL,
        title="Add a comment",
        submit="Send",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            _text_input("comment", "Anything you want the team to know?", multiline=True),
            ContextBlock(
                elements=[MarkdownTextObject(text=f"PULSE-{pulse_id} · Stored without your name, shown without it.")]
            ),
        ],
    )


# -- triage posts' forms --------------------------------------------------------------------------------------------

TRIAGE_DECLINE_MODAL = "triage_decline_modal"
TRIAGE_MERGE_MODAL = "triage_merge_modal"
TRIAGE_REPLY_MODAL = "triage_reply_modal"
# callback id → (title, field label, submit button, multiline)
TRIAGE_FORMS = {
    TRIAGE_DECLINE_MODAL: ("Decline", "Why? The submitter and the voters read this", "Decline", True),
    TRIAGE_MERGE_MODAL: ("Merge into…", "The item it duplicates (FB-12)", "Merge", False),
    TRIAGE_REPLY_MODAL: ("Reply to submitter", "Your answer, sent to them as a DM and kept on the item", "Send", True),
}


TRIAGE_ASSIGN_MODAL = "triage_assign_modal"


def triage_assign_modal(item_label: str, metadata: str, clicker: str) -> View:
    """Assign…: who looks after the item (the clicker, to begin with)."""
    return View(
        type="modal",
        callback_id=TRIAGE_ASSIGN_MODAL,
        title="Assign",
        submit="Assign",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id="person",
                label="Who looks after it?",
                element=UserSelectElement(action_id=INPUT_ACTION, initial_user=clicker),
            ),
            ContextBlock(elements=[MarkdownTextObject(text=item_label)]),
        ],
    )


OPTION_TEXT = 75  # Slack's limit for an option's text


def triage_merge_modal(item_label: str, metadata: str, choices: Sequence[MergeChoice] = ()) -> View:
    """Merge into…: the item it duplicates, picked from the open items that say the same or typed as FB-n. The
    form opens with the typed field alone, and is redrawn with the choices once they are found."""
    if not choices:
        return triage_modal(TRIAGE_MERGE_MODAL, item_label, metadata)
    options = []
    for choice in choices:
        votes = f"{choice.votes} vote{'s' if choice.votes != 1 else ''}"
        words = " ".join(choice.text.split())
        label = f"{choice.label} · anonymous" if choice.anonymous else choice.label
        room = OPTION_TEXT - len(label) - len(votes) - 6
        options.append(Option(value=choice.label, text=f"{label} · {truncate(words, room)} ({votes})"))
    return View(
        type="modal",
        callback_id=TRIAGE_MERGE_MODAL,
        title="Merge into…",
        submit="Merge",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id="pick",
                label="The item it duplicates",
                optional=True,
                element=StaticSelectElement(
                    action_id=INPUT_ACTION, placeholder="Open items that say the same", options=options
                ),
            ),
            _text_input("text", "Or type its id (FB-12)", max_length=40, optional=True),
            ContextBlock(elements=[MarkdownTextObject(text=item_label)]),
        ],
    )


def triage_modal(callback_id: str, item_label: str, metadata: str) -> View:
    """The one-field form behind a triage post's Decline…, Merge into… and Reply… buttons."""
    title, label, submit, multiline = TRIAGE_FORMS[callback_id]
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            _text_input("text", label, multiline=multiline, max_length=MAX_TEXT if multiline else 40),
            ContextBlock(elements=[MarkdownTextObject(text=item_label)]),
        ],
    )
