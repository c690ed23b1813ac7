"""Reading a message extension's action invokes (composeExtension/fetchTask and composeExtension/submitAction) run
on a message: which command, the message's words as plain text, where the message lives, and the task module's
inputs. Everything here comes from the client, so every part is checked for its shape and bounded."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from botbuilder.schema import Activity

from comms.teams_link import channel_of

# Enough for any form field we prefill (bot/domain/validation.MAX_TEXT is smaller); more would only be parsed to be
# thrown away.
MAX_HTML = 100_000
MAX_PLAIN = 10_000
MAX_ID = 512
MAX_LINK = 1_000
# A link to a message is shown to the triagers as "the message it came from": only Teams' own hosts may be behind it.
TEAMS_HOSTS = ("teams.microsoft.com", "teams.microsoft.us", "teams.live.com", "teams.cloud.microsoft")
DEEP_LINK = "https://teams.microsoft.com/l/message/{conversation}/{message}"
_BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIPPED = {"script", "style", "template", "head", "title"}


@dataclass(frozen=True)
class MessageAction:
    """An action command run on a message, as its invoke says."""

    command: str
    text: str  # the message's words, plain
    link: str | None  # its link in Teams, or a deep link built from the chat and message ids
    origin: str  # the chat and the message, for "one submission per person, message and command"
    fields: dict[str, str] = field(default_factory=dict)  # the task module's inputs (submitAction only), trimmed

    def source_key(self, user_id: str) -> str:
        # Conversation ids run long (19:…@thread.v2;messageid=…): the key column holds 255 characters.
        digest = hashlib.sha256(f"{user_id}\n{self.origin}\n{self.command}".encode()).hexdigest()[:40]
        return f"teams-message:{digest}"


class _PlainText(HTMLParser):
    """Text nodes only, with a line break where a block ends; entities decoded; scripts and styles dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(content: object, content_type: object = "html") -> str:
    """A message body as plain text: HTML reduced to its words and line breaks, at most MAX_PLAIN characters."""
    if not isinstance(content, str):
        return ""
    content = content[:MAX_HTML]
    if content_type == "text":
        text = content
    else:
        parser = _PlainText()
        parser.feed(content)
        parser.close()
        text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    squeezed: list[str] = []
    for line in lines:
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    return "\n".join(squeezed).strip()[:MAX_PLAIN]


def _short(value: object, limit: int = MAX_ID) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _teams_link(value: object) -> str | None:
    link = _short(value, MAX_LINK + 1)
    if not link or len(link) > MAX_LINK or any(character.isspace() or character in "<>|\"'" for character in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not any(host == known or host.endswith(f".{known}") for known in TEAMS_HOSTS):
        return None
    return link


def message_action(activity: Activity, *, with_inputs: bool) -> MessageAction | str:
    """The action run on a message, or why the invoke cannot be read."""
    value = activity.value
    if not isinstance(value, dict):
        return "the invoke has no value object"
    command = value.get("commandId")
    if not isinstance(command, str) or not command.strip():
        return "the invoke names no commandId"
    payload = value.get("messagePayload")
    payload = payload if isinstance(payload, dict) else {}
    body = payload.get("body")
    body = body if isinstance(body, dict) else {}
    text = plain_text(body.get("content"), body.get("contentType") or "html")
    conversation = channel_of(_short(activity.conversation.id if activity.conversation else None))
    message_id = _short(payload.get("id"))
    deep_link = (
        DEEP_LINK.format(conversation=quote(conversation, safe=""), message=quote(message_id, safe=""))
        if conversation and message_id
        else None
    )
    link = _teams_link(payload.get("linkToMessage")) or deep_link
    origin = f"{conversation}\n{message_id}" if message_id else f"activity\n{_short(activity.id)}"
    fields: dict[str, str] = {}
    if with_inputs:
        data = value.get("data")
        if not isinstance(data, dict):
            return "the invoke's data is not an object"
        fields = {
            name: entry.strip() for name, entry in data.items() if isinstance(name, str) and isinstance(entry, str)
        }
    return MessageAction(command.strip()[:64], text, link, origin, fields)
