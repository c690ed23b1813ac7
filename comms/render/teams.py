"""Adaptive Cards and markdown messages for everything feedbot shows in Microsoft Teams.

The Teams counterpart of comms/render/slack.py: the same notes, replies and forms, drawn with Adaptive Card 1.5
elements only (tests/cards/validate.mjs checks every card with Microsoft's own parser)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.domain.answers import (
    BUG_SUBMIT,
    FEEDBACK_SUBMIT,
    PULSE_COMMENT_SUBMIT,
    RELEASE_EDIT,
    RELEASE_PREVIEW,
    RELEASE_SCHEDULE,
    RELEASE_TEST,
    RELEASE_VIEW,
    SUBMIT_KEY,
    ReleasePreview,
)
from bot.domain.home import HomeSummary
from bot.domain.ids import release_label
from bot.domain.notes import Action, Note, Prompt
from bot.domain.replies import Reply, ReplyKind, Sigil, render, unmarked, verbatim
from bot.domain.validation import MAX_PRODUCT, MAX_TEXT, MAX_TITLE, MAX_VERSION
from bot.domain.vocabulary import CATEGORIES, SEVERITIES, TIER_DELIVERY
from comms.render.limits import truncate

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

# Teams refuses a message over about 28 KB. A card keeps 4 KB of that for the activity around it (ids,
# conversation, service url) and for a summary; a text reply is capped well below it too.
MESSAGE_BYTES = 28_000
CARD_BYTES = 24_000
REPLY_TEXT = 20_000
REPLY_BYTES = 24_000
SUMMARY_TEXT = 500
# Per-piece caps, so the title, facts, context and buttons always fit and the paragraphs get what is left.
TITLE_BYTES = 600
CONTEXT_BYTES = 1_500
FACT_TITLE_BYTES = 200
FACT_VALUE_BYTES = 600
MAX_FACTS = 10
ACTION_TITLE = 75
# The adaptivecards renderer shows 5 actions in a row by default; Teams at most 6 at the top of a card.
ACTIONS_PER_ROW = 5
SHORTENED = "_(shortened)_"

_ICONS: dict[ReplyKind, str] = {"ok": "✅", "info": "ℹ️", "invalid": "⚠️", "refused": "⛔", "failed": "❌"}
_STYLES = {"primary": "positive", "danger": "destructive"}


# -- Slack mrkdwn → Teams markdown ----------------------------------------------------------------------------------

# Code is left alone, and so are <…> references: their URLs may hold asterisks that are not emphasis.
_PROTECTED = re.compile(r"```.*?```|`[^`\n]+`|<[^<>\n]+>", re.DOTALL)
# Slack's *bold*: opened by an asterisk followed by a non-space, closed by one after a non-space, neither touching
# a letter, a digit, another asterisk or an underscore within a word. "5 * 3", "FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*"
# and a footnote's "*" do not match, nor does markdown's own "**bold**"; "_*both*_" (italic bold) does.
_BOLD = re.compile(r"(?:(?<![*\w])|(?<=(?<!\w)_))\*(?![*\s])([^*\n]*?[^*\s])\*(?:(?![*\w])|(?=_(?!\w)))")
_LINE_BREAKS = re.compile(r"(?:\r?\n)+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def _bold(text: str) -> str:
    return _BOLD.sub(r"**\1**", text)


def _link(target: str, label: str | None) -> str:
    if not label:
        return target
    # A bracket in the label or a parenthesis or space in the URL would end the markdown link early.
    label = _bold(label).replace("[", "\\[").replace("]", "\\]")
    target = target.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target})"


def _reference(token: str) -> str:
    """<https://x|label> as a markdown link; any other <…> stays as it is."""
    inner, _, label = token[1:-1].partition("|")
    if _SCHEME.match(inner):
        return _link(inner, label)
    return token


def _protected_part(token: str) -> str:
    return token if token.startswith("`") else _reference(token)


# Everything that could start a link, an image, emphasis, code, a heading, a quote, an HTML entity or an autolink.
_MARKDOWN_SIGNIFICANT = re.compile(r"([\\`*_~\[\]()#<>&!|])")
# What makes a line a list item (- x, + x, 1. x) or a rule (---). A version such as 2.4 is neither.
_LINE_START = re.compile(r"(?m)^([ \t]*)(?:([-+])(?=[\s-]|$)|(\d+)\.(?=\s|$))")
# Indentation after a line break: four spaces would make a code block.
_INDENT = re.compile(r"(?<=\n)[ \t]+")


def _escaped_marker(match: re.Match[str]) -> str:
    indent, bullet, number = match.groups()
    return f"{indent}\\{bullet}" if bullet else f"{indent}{number}\\."


def escape_markdown(text: str) -> str:
    """What a person typed, as Teams markdown that shows exactly those characters and formats nothing."""
    text = _MARKDOWN_SIGNIFICANT.sub(r"\\\1", text)
    text = _LINE_START.sub(_escaped_marker, text)
    return _INDENT.sub("", _LINE_BREAKS.sub("\n\n", text))


def _mention(sigil: Sigil, target_id: str) -> str:
    """Teams can only @mention someone by name, and feedbot keeps no names: the id shows as it is."""
    return escape_markdown(f"{sigil}{target_id}")


def _plain_markdown(text: str) -> str:
    """Our own plain wording (a title, a fact's name) as it is, with what a person typed escaped."""
    return render(text, lambda markup: markup, escape_markdown, _mention)


def to_teams_markdown(mrkdwn: str) -> str:
    """Our light markdown (Slack's *bold*, _italic_, <url|label>), as notes and replies are written, in the markdown
    Teams renders; what a person typed is escaped, so it shows as typed and never becomes a link or formatting, and
    a mention shows its id.

    Line breaks become blank lines: outside lists Teams joins lines that a single newline separates."""
    return render(mrkdwn, _markup_to_teams, escape_markdown, _mention)


def _markup_to_teams(mrkdwn: str) -> str:
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(_protected_part(match.group()))
        return f"\ue000{len(kept) - 1}\ue001"

    text = _bold(_PROTECTED.sub(hold, mrkdwn))
    text = _LINE_BREAKS.sub("\n\n", text)
    return _PLACEHOLDER.sub(lambda match: kept[int(match.group(1))], text)


# -- sizes ----------------------------------------------------------------------------------------------------------


def _json_bytes(value: object) -> int:
    """What a value adds to the message, the way the outbox stores it (UTF-8 JSON)."""
    return len(json.dumps(value, ensure_ascii=False).encode())


def _clip(text: str, max_bytes: int) -> str:
    """The text, shortened with an ellipsis if its JSON is over max_bytes ("" if not even that fits)."""
    size = _json_bytes(text)
    while size > max_bytes:
        limit = min(len(text) - 1, len(text) * max_bytes // size)
        if limit < 2:
            return ""
        text = truncate(text, limit)
        size = _json_bytes(text)
    return text


# -- card elements --------------------------------------------------------------------------------------------------


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "actions": actions or [],
    }


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(text: str) -> dict[str, Any]:
    # style "heading" (1.5) is what screen readers announce as the card's heading.
    return _text_block(_clip(_plain_markdown(text), TITLE_BYTES), size="Medium", weight="Bolder", style="heading")


def _submit(title: str, data: dict[str, str], style: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": truncate(unmarked(title), ACTION_TITLE), "data": data}
    if style:
        action["style"] = style
    return action


def execute(title: str, verb: str, data: dict[str, str], style: str | None = None) -> dict[str, Any]:
    """A Universal Action (Action.Execute): Teams sends it to the bot as an adaptiveCard/action invoke, with the
    card's inputs merged into data, and shows the card the bot answers with in place of the clicked one."""
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": truncate(unmarked(title), ACTION_TITLE),
        "verb": verb,
        "data": data,
    }
    if style:
        action["style"] = style
    return action


def with_refresh(card: dict[str, Any], verb: str, data: dict[str, str], user_ids: Sequence[str]) -> dict[str, Any]:
    """The card as each of user_ids first sees it is asked for again (an automatic adaptiveCard/action invoke with
    this verb), so each of them gets their own face of it; Teams honours at most 60 ids."""
    refreshed = dict(card)
    refreshed["refresh"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "userIds": list(user_ids)[:60],
    }
    return refreshed


def _note_action(action: Action, in_place: bool = False) -> dict[str, Any]:
    def send(title: str, style: str | None) -> dict[str, Any]:
        # In place, the verb names the action: an adaptiveCard/action invoke carries it apart from the data.
        if in_place:
            return execute(title, action.action_id, {"value": action.value}, style)
        return _submit(title, {SUBMIT_KEY: action.action_id, "value": action.value}, style)

    if action.prompt is not None:
        return _prompt_action(action, action.prompt, send(SEND, "positive"))
    return send(action.label, _STYLES.get(action.style or ""))


PROMPT_ANONYMOUS = "anonymous"
SEND = "Send"


def _prompt_action(action: Action, prompt: Prompt, send: dict[str, Any]) -> dict[str, Any]:
    """A button that asks first: the form opens under it in the card (Action.ShowCard), and its Send comes back
    as an Action.Submit like any other (an Action.Execute on a card updated in place), with the button's data and
    the form's inputs."""
    required = "Write a few words first."
    body: list[dict[str, Any]] = [
        _text_input(prompt.field, prompt.label, max_length=MAX_TEXT, multiline=True, required=required)
    ]
    if prompt.anonymous:
        body.append(
            {
                "type": "Input.Toggle",
                "id": PROMPT_ANONYMOUS,
                "title": prompt.anonymous,
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
                "wrap": True,
            }
        )
    form = {"type": "AdaptiveCard", "body": body, "actions": [send]}
    return {"type": "Action.ShowCard", "title": truncate(unmarked(action.label), ACTION_TITLE), "card": form}


def _family(action: Action) -> str:
    """pulse_answer_0 … pulse_answer_10 are one scale, triage_status:planned and the other moves one choice; the
    buttons of a family stay together."""
    return action.action_id.split(":", 1)[0].rstrip("0123456789")


def _rows(actions: Sequence[Action]) -> list[list[Action]]:
    """Each run of a family in as few rows as fit, evenly filled: 11 scores are 4 + 4 + 3, not 5 + 5 + 1. Buttons
    of a family of their own share rows, rather than each taking a row."""
    rows: list[list[Action]] = []
    for _, run in itertools.groupby(actions, key=_family):
        group = list(run)
        if len(group) == 1 and rows and _alone(rows[-1]) and len(rows[-1]) < ACTIONS_PER_ROW:
            rows[-1].append(group[0])
            continue
        count = -(-len(group) // ACTIONS_PER_ROW)
        size = -(-len(group) // count)
        rows += [group[start : start + size] for start in range(0, len(group), size)]
    return rows


def _alone(row: Sequence[Action]) -> bool:
    """A row made of buttons that are each a family of one."""
    return len({_family(action) for action in row}) == len(row)


def _action_sets(actions: Sequence[Action], in_place: bool) -> list[dict[str, Any]]:
    return [
        {"type": "ActionSet", "actions": [_note_action(action, in_place) for action in row]} for row in _rows(actions)
    ]


def _fact_set(facts: Iterable[tuple[str, str]]) -> dict[str, Any]:
    # An empty title or value is invalid in a card; a dash keeps the row readable.
    return {
        "type": "FactSet",
        "facts": [
            {
                "title": _clip(_plain_markdown(title), FACT_TITLE_BYTES) or "—",
                "value": _clip(to_teams_markdown(value), FACT_VALUE_BYTES) or "—",
            }
            for title, value in facts
        ],
    }


def _context_block(context: str) -> dict[str, Any]:
    return _text_block(_clip(to_teams_markdown(context), CONTEXT_BYTES), size="Small", isSubtle=True)


def _fit_paragraphs(paragraphs: Iterable[str], budget: int) -> list[dict[str, Any]]:
    """A TextBlock per paragraph while they fit in budget bytes; the one that does not is cut and marked."""
    marker = f"\n\n{SHORTENED}"
    budget -= _json_bytes(marker)  # so the marker always has room
    blocks: list[dict[str, Any]] = []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue  # a TextBlock needs text; an empty one would only add space
        block = _text_block(to_teams_markdown(paragraph))
        cost = _json_bytes(block) + 2  # the ", " between blocks
        if cost <= budget:
            blocks.append(block)
            budget -= cost
            continue
        room = budget - _json_bytes(_text_block("")) - 2
        text = _clip(block["text"], room) if room > 0 else ""
        if text:
            blocks.append(_text_block(text + marker))
        elif blocks:
            blocks[-1]["text"] += marker
        break
    return blocks


def note_card(note: Note) -> dict[str, Any]:
    """Title, paragraphs, facts, buttons, context, in Slack's order. More buttons than fit in one row go into the
    body as rows of ActionSets (pulse scores); a few stay in the card's own actions."""
    tail: list[dict[str, Any]] = []
    if note.facts:
        tail.append(_fact_set(note.facts[:MAX_FACTS]))
    many = len(note.actions) > ACTIONS_PER_ROW
    if many:
        tail += _action_sets(note.actions, note.in_place)
    if note.context:
        tail.append(_context_block(note.context))
    actions = [] if many else [_note_action(action, note.in_place) for action in note.actions]
    card = _card([_heading(note.title), *tail], actions)
    card["body"][1:1] = _fit_paragraphs(note.paragraphs, CARD_BYTES - _json_bytes(card))
    return card


def _attachment_activity(card: dict[str, Any], summary: str) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": truncate(unmarked(summary), SUMMARY_TEXT),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
    }


def note_activity(note: Note) -> dict[str, Any]:
    """The outbox payload for a note: a message activity carrying its card; the summary is what a notification
    shows."""
    return _attachment_activity(note_card(note), note.fallback)


def form_activity(card: dict[str, Any], summary: str) -> dict[str, Any]:
    return _attachment_activity(card, summary)


# -- invoke responses (Bot Framework's Universal Actions contract) ---------------------------------------------------

INVOKE_CARD = ADAPTIVE_CARD
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"


def invoke_card(card: dict[str, Any]) -> dict[str, Any]:
    """An adaptiveCard/action answered with a card: it replaces the clicked card, for the person who clicked."""
    return {"statusCode": 200, "type": INVOKE_CARD, "value": card}


def invoke_message(reply: Reply) -> dict[str, Any]:
    """An adaptiveCard/action answered with a line Teams shows the person who clicked; the card stays."""
    text = reply.text if not reply.lines else f"{reply.text} " + " ".join(reply.lines)
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": truncate(unmarked(text), SUMMARY_TEXT)}


def invoke_error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "type": INVOKE_ERROR, "value": {"code": code, "message": message}}


# -- message extension responses (composeExtension/fetchTask and submitAction) --------------------------------------

TASK_TITLE = 64  # what the manifest schema allows a dialog's title


def task_form(title: str, card: dict[str, Any]) -> dict[str, Any]:
    """A task module (dialog) showing `card`: the form a message action opens, or the same form again with its
    errors."""
    value = {
        "title": truncate(unmarked(title), TASK_TITLE),
        "height": "large",
        "width": "medium",
        "card": {"contentType": ADAPTIVE_CARD, "content": card},
    }
    return {"task": {"type": "continue", "value": value}}


def task_message(reply: Reply) -> dict[str, Any]:
    """The dialog closes and Teams shows this line to the person who sent it."""
    text = reply.text if not reply.lines else f"{reply.text} " + " ".join(reply.lines)
    return {"task": {"type": "message", "value": truncate(unmarked(text), SUMMARY_TEXT)}}


# -- replies --------------------------------------------------------------------------------------------------------


REFUSED_TITLE = "⛔ Not allowed"


def reply_activity(reply: Reply) -> dict[str, Any]:
    """A confirmation or answer, worded as Slack's ephemeral reply: the icon and text, then the lines. A refusal is
    a card of its own, so it cannot be mistaken for the answer that was asked for."""
    if reply.kind == "refused":
        note = Note(title=REFUSED_TITLE, fallback=unmarked(reply.text), paragraphs=(reply.text, *reply.lines))
        return note_activity(note)
    sections = [f"{_ICONS[reply.kind]} {reply.text}"]
    if reply.lines:
        sections.append("\n".join(reply.lines))
    text = to_teams_markdown("\n\n".join(sections))
    return {"type": "message", "textFormat": "markdown", "text": _clip(truncate(text, REPLY_TEXT), REPLY_BYTES)}


# -- forms ----------------------------------------------------------------------------------------------------------


def _error_block(message: str) -> dict[str, Any]:
    return _text_block(_plain_markdown(message), color="Attention", size="Small", spacing="Small")


def _text_input(
    input_id: str,
    label: str,
    *,
    max_length: int,
    value: str | None = None,
    multiline: bool = False,
    required: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """`required` is the message Teams shows when the field is left empty (and makes the field required)."""
    element: dict[str, Any] = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": multiline,
        "maxLength": max_length,
    }
    if required:
        element |= {"isRequired": True, "errorMessage": required}
    if value:
        element["value"] = truncate(value, max_length)
    if placeholder:
        element["placeholder"] = placeholder
    return element


def _choice_set(
    input_id: str, label: str, choices: Sequence[str], *, value: str | None = None, required: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "placeholder": "Choose one",
        "choices": [{"title": choice.capitalize(), "value": choice} for choice in choices],
    }
    if required:
        element |= {"isRequired": True, "errorMessage": required}
    if value in choices:
        element["value"] = value
    return element


def _form(
    title: str, fields: Sequence[dict[str, Any]], errors: dict[str, str] | None, submit: dict[str, Any]
) -> dict[str, Any]:
    """Each field followed by its error, if any; errors about fields the form lacks go at the top."""
    errors = errors or {}
    ids = {field["id"] for field in fields}
    body = [_heading(title)]
    body += [_error_block(message) for name, message in errors.items() if name not in ids]
    for field in fields:
        body.append(field)
        if field["id"] in errors:
            body.append(_error_block(errors[field["id"]]))
    return _card(body, [submit])


def feedback_form(
    *, text: str | None = None, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> dict[str, Any]:
    """`values` are the kind and the anonymity chosen last time (a form sent back with errors keeps them)."""
    kept = values or {}
    fields = [
        _text_input(
            "text",
            "What would you like to tell us?",
            max_length=MAX_TEXT,
            value=text,
            multiline=True,
            required="Please write your feedback.",
        ),
        _choice_set("category", "Kind of feedback", CATEGORIES, value=kept.get("category")),
        {
            "type": "Input.Toggle",
            "id": "anonymous",
            "label": "Anonymity",
            "title": "Share anonymously: your name is not stored",
            "value": "true" if kept.get("anonymous") == "true" else "false",
            "valueOn": "true",
            "valueOff": "false",
            "wrap": True,
        },
    ]
    return _form("Share feedback", fields, errors, _submit("Send", {SUBMIT_KEY: FEEDBACK_SUBMIT}, "positive"))


def bug_form(
    *, title: str | None = None, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """`values` are what the person typed last time (a form sent back with errors keeps them); they win over
    `title`."""
    value: Callable[[str], str | None] = (values or {}).get
    fields = [
        _text_input(
            "title", "Title", max_length=MAX_TITLE, value=value("title") or title, required="Please give a title."
        ),
        _text_input(
            "what_happened",
            "What happened?",
            max_length=MAX_TEXT,
            value=value("what_happened"),
            multiline=True,
            required="Please say what happened.",
        ),
        _text_input("expected", "What did you expect?", max_length=MAX_TEXT, value=value("expected"), multiline=True),
        _choice_set("severity", "Severity", SEVERITIES, value=value("severity"), required="Please pick a severity."),
        _text_input("product", "Product or area", max_length=MAX_PRODUCT, value=value("product")),
    ]
    return _form("Report a bug", fields, errors, _submit("Report bug", {SUBMIT_KEY: BUG_SUBMIT}, "positive"))


def pulse_comment_form(pulse_id: int, *, text: str | None = None) -> dict[str, Any]:
    """Teams' counterpart of Slack's comment modal: one text field, sent with the pulse it belongs to."""
    field = _text_input(
        "comment",
        "Your comment (stored without your name)",
        max_length=MAX_TEXT,
        value=text,
        multiline=True,
        required="Write a comment, or leave this card be.",
    )
    submit = _submit("Save comment", {SUBMIT_KEY: PULSE_COMMENT_SUBMIT, "value": str(pulse_id)}, "positive")
    return _form("Add a comment to your answer", [field], None, submit)


def home_note(summary: HomeSummary) -> Note:
    """What Slack's App Home shows, as one card: the person's own submissions, and team counts for admins."""
    paragraphs = [
        f"*{item.label}* · {item.kind} · _{item.status}_"
        + (f" (merged into {item.merged_into})" if item.merged_into else "")
        + (f" · <{item.tracker_url}|{verbatim(item.tracker_key)}>" if item.tracker_key and item.tracker_url else "")
        + f"\n{verbatim(truncate(' '.join(item.summary.split()), 200))}"
        + (f"\nNote: _{verbatim(truncate(' '.join(item.status_note.split()), 500))}_" if item.status_note else "")
        for item in summary.submissions
    ]
    if not paragraphs:
        paragraphs = ["Nothing yet. Type `feedback` followed by what you think, or `bug` and a title."]
    facts: tuple[tuple[str, str], ...] = ()
    if summary.admin is not None:
        feedback, bugs = summary.admin.feedback_by_status, summary.admin.open_bugs_by_severity
        facts = (
            ("New feedback", str(feedback.get("new", 0))),
            ("All feedback", str(sum(feedback.values()))),
            ("Open bugs", " · ".join(f"{severity} {bugs.get(severity, 0)}" for severity in SEVERITIES)),
        )
        # The latest eNPS, the next releases and each product's KPIs, as in Slack's Home.
        glance = [summary.admin.enps] if summary.admin.enps else []
        glance += [f"Next: {line}" for line in summary.admin.upcoming]
        glance += summary.admin.kpis
        paragraphs += glance
    return Note(
        title="Your feedback and bugs",
        fallback=f"Your feedback and bugs ({len(summary.submissions)})",
        paragraphs=tuple(paragraphs),
        facts=facts,
        context="Team overview: you are a feedbot admin." if summary.admin is not None else None,
    )


# -- the release note card (Action.Execute all the way: each answer replaces the card in place) ----------------------

RELEASE_TEXTS = (
    ("summary", "Summary (monkeys, and every tier without its own text)", "Please write a summary."),
    ("deer_text", "What changes for you (deer)", None),
    ("details", "Details (elephants)", None),
    ("exec_summary", "Executive summary (lions): impact, decisions", None),
    ("affected", "Who is affected", None),
)
# Kept free on a preview for the refresh a channel's copy carries (the author's id, the release and draft ids).
REFRESH_BYTES = 600


def _toggle(input_id: str, title: str, value: str | None) -> dict[str, Any]:
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": title,
        "value": "true" if value == "true" else "false",
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
    }


def release_form(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The release note form: `values` as typed (a new form's date and time are the author's next full hour),
    `zone` the author's, in which the date and time are read; `draft` the draft it edits; `author` whose it is. The
    send time's error (send_at) shows under the time."""
    value: Callable[[str], str | None] = (values or {}).get
    zone = value("zone") or "UTC"
    texts = [
        _text_input(
            name, label, max_length=MAX_TEXT, value=value(name), multiline=name != "affected", required=required
        )
        for name, label, required in RELEASE_TEXTS
    ]
    fields = [
        _text_input(
            "title", "Title", max_length=MAX_TITLE, value=value("title"), required="Please give the release a title."
        ),
        _text_input("version", "Version", max_length=MAX_VERSION, value=value("version"), placeholder="e.g. 2.4"),
        *texts,
        _text_input(
            "linked",
            "Feedback and bugs it addresses",
            max_length=MAX_TEXT,
            value=value("linked"),
            placeholder="FB-12 BUG-3",
        ),
        {"type": "Input.Date", "id": "send_date", "label": f"Send on (your time: {zone})", "value": value("send_date")},
        {"type": "Input.Time", "id": "send_time", "label": "At", "value": value("send_time")},
        _toggle("send_now", "Send now: ignore the date and time", value("send_now")),
        _toggle("local_time", "Reach people at this time in their own time zone", value("local_time")),
    ]
    for field in fields:
        if field.get("value") is None:
            field.pop("value", None)
    shown_errors = {("send_time" if name == "send_at" else name): message for name, message in (errors or {}).items()}
    draft, author = value("draft"), value("author")
    data = ({"draft": draft} if draft else {}) | ({"author": author} if author else {})
    preview = execute("Preview", RELEASE_PREVIEW, data, "positive")
    return _form("Edit the release note" if draft else "New release note", fields, shown_errors, preview)


def _audience(count: int) -> str:
    return f"{count} stakeholder{'s' if count != 1 else ''}" if count else "nobody yet"


def _tier_section(tier: str, note: Note, count: int | None, budget: int) -> dict[str, Any]:
    """One tier's message as it will read, under who gets it; its buttons named, not pressable here."""
    who = f" · {_audience(count)}" if count is not None else ""
    items = [
        _text_block(f"**{tier}** · {TIER_DELIVERY[tier]}{who}", size="Small", isSubtle=True),
        _text_block(_clip(_plain_markdown(note.title), TITLE_BYTES), weight="Bolder"),
    ]
    tail: list[dict[str, Any]] = []
    if note.facts:
        tail.append(_fact_set(note.facts[:MAX_FACTS]))
    if note.context:
        tail.append(_context_block(note.context))
    if note.actions:
        labels = " ".join(f"[{unmarked(action.label)}]" for action in note.actions)
        tail.append(_text_block(f"Buttons: {escape_markdown(labels)}", size="Small", isSubtle=True))
    section = {"type": "Container", "separator": True, "spacing": "Large", "items": items}
    room = budget - _json_bytes(section) - _json_bytes(tail)
    items += _fit_paragraphs(note.paragraphs, room) if room > 200 else []
    items += tail
    return section


def release_preview_card(preview: ReleasePreview) -> dict[str, Any]:
    """What each tier will get, and how many stakeholders each tier has, before anything is scheduled. With
    controls (its author's face): Schedule, Edit, and Send a test to me; without: the same card, read-only."""
    label = release_label(preview.release_id)
    body = [_heading(f"Preview of {label} “{verbatim(preview.title)}”")]
    if preview.notice is not None:
        notice = preview.notice
        body.append(_text_block(_clip(to_teams_markdown(f"{_ICONS[notice.kind]} {notice.text}"), CONTEXT_BYTES)))
    if preview.controls:
        intro = (
            f"It goes out {preview.when}. This is what each tier will get. Nothing is sent until you press "
            "*Schedule*; *Send a test to me* sends you every tier's message, marked TEST, and nobody else."
        )
    else:
        intro = f"It goes out {preview.when} once scheduled. Only its author can edit, test or schedule it."
    body.append(_text_block(_clip(to_teams_markdown(intro), CONTEXT_BYTES)))
    actions: list[dict[str, Any]] = []
    if preview.controls:
        data = {"release": str(preview.release_id), "draft": str(preview.draft_id), "card": preview.card_token}
        actions = [
            execute("Schedule", RELEASE_SCHEDULE, data, "positive"),
            execute("Edit", RELEASE_EDIT, data),
            execute("Send a test to me", RELEASE_TEST, data),
        ]
    card = _card(body, actions)
    # Each tier gets an equal share of what is left, so a long elephant note cannot push the lions' off the card.
    budget = (CARD_BYTES - REFRESH_BYTES - _json_bytes(card)) // max(len(preview.notes), 1)
    for tier, note in preview.notes.items():
        count = preview.audience.get(tier, 0) if preview.controls else None
        body.append(_tier_section(tier, note, count, budget))
    return card


def release_preview_refresh(card: dict[str, Any], preview: ReleasePreview) -> dict[str, Any]:
    """The card where others see it: each time Teams shows it to its author, it asks for their face (with the
    buttons); everyone else keeps the card as posted."""
    data = {"release": str(preview.release_id), "draft": str(preview.draft_id)}
    return with_refresh(card, RELEASE_VIEW, data, [preview.author_id])
