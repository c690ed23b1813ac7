"""A Slack message (chat.postMessage's text and Block Kit) as its recipient would read it in a terminal.

The message may come from anywhere (the outbox, a file, a test): whatever its shape, rendering never raises. A block
or element of a type without a rule shows whatever text it carries, so nothing said is lost."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.notes import Note
from comms.render.slack import note_message
from comms.render.text import NO_NAMES, mrkdwn_text, shown_as_typed

RULE = "─" * 40
CONTEXT_MARK = "│ "

Names = Mapping[str, str]


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _text(value: object, names: Names) -> str:
    """A text object: mrkdwn read as Slack would format it, plain_text as written. Slack also takes a bare string."""
    if isinstance(value, str):
        return mrkdwn_text(value, names)
    text = _dict(value)
    if text.get("type") == "plain_text":
        return shown_as_typed(_str(text.get("text")))
    return mrkdwn_text(_str(text.get("text")), names)


def _option_label(option: object, names: Names) -> str:
    return _text(_dict(option).get("text"), names)


def _options(element: Mapping[str, Any], names: Names) -> list[str]:
    return [_option_label(option, names) for option in _list(element.get("options"))]


def _control(label: str) -> str:
    return f"[{label}]" if label else "[…]"


# -- elements: each as the short piece of a line it shows as --------------------------------------------------------


def _button(element: Mapping[str, Any], names: Names) -> str:
    return _control(_text(element.get("text"), names))


def _select(element: Mapping[str, Any], names: Names) -> str:
    chosen = element.get("initial_option")
    label = _option_label(chosen, names) if chosen else _text(element.get("placeholder"), names)
    return _control(f"{label or 'Choose'} ▾")


def _multi_select(element: Mapping[str, Any], names: Names) -> str:
    chosen = [_option_label(option, names) for option in _list(element.get("initial_options"))]
    return _control(f"{', '.join(chosen) or _text(element.get('placeholder'), names) or 'Choose'} ▾")


def _overflow(element: Mapping[str, Any], names: Names) -> str:
    return _control("⋯ " + " | ".join(_options(element, names)))


def _choices(element: Mapping[str, Any], names: Names) -> str:
    chosen = {_option_label(option, names) for option in _list(element.get("initial_options"))}
    chosen.add(_option_label(element.get("initial_option"), names))
    return "  ".join(f"{'☑' if label in chosen else '☐'} {label}" for label in _options(element, names))


def _picker(element: Mapping[str, Any], names: Names) -> str:
    for key in ("initial_date", "initial_time", "initial_date_time", "initial_value"):
        if element.get(key) not in (None, ""):
            return _control(shown_as_typed(str(element[key])))
    return _control(_text(element.get("placeholder"), names))


def _image_element(element: Mapping[str, Any], names: Names) -> str:
    return f"[image: {shown_as_typed(_str(element.get('alt_text')))}]"


def _text_element(element: Mapping[str, Any], names: Names) -> str:
    return _text(element, names)


ELEMENT_RULES: Mapping[str, Callable[[Mapping[str, Any], Names], str]] = {
    "button": _button,
    "workflow_button": _button,
    "static_select": _select,
    "external_select": _select,
    "users_select": _select,
    "conversations_select": _select,
    "channels_select": _select,
    "multi_static_select": _multi_select,
    "multi_external_select": _multi_select,
    "multi_users_select": _multi_select,
    "multi_conversations_select": _multi_select,
    "multi_channels_select": _multi_select,
    "overflow": _overflow,
    "checkboxes": _choices,
    "radio_buttons": _choices,
    "datepicker": _picker,
    "timepicker": _picker,
    "datetimepicker": _picker,
    "plain_text_input": _picker,
    "email_text_input": _picker,
    "url_text_input": _picker,
    "number_input": _picker,
    "rich_text_input": _picker,
    "file_input": _picker,
    "image": _image_element,
    "mrkdwn": _text_element,
    "plain_text": _text_element,
}


def _element(value: object, names: Names) -> str:
    element = _dict(value)
    rule = ELEMENT_RULES.get(_str(element.get("type")))
    if rule is not None:
        return rule(element, names)
    return _text(element.get("text"), names) if element.get("text") else ""


# -- rich text ------------------------------------------------------------------------------------------------------


def _rich_piece(value: object, names: Names) -> str:
    piece = _dict(value)
    kind = piece.get("type")
    if kind == "text":
        text = shown_as_typed(_str(piece.get("text")))
        return f"`{text}`" if _dict(piece.get("style")).get("code") else text
    if kind == "link":
        url = shown_as_typed(_str(piece.get("url")))
        label = shown_as_typed(_str(piece.get("text")))
        return f"{label} ({url})" if label and label != url else url
    if kind == "user":
        return mrkdwn_text(f"<@{_str(piece.get('user_id'))}>", names)
    if kind == "channel":
        return mrkdwn_text(f"<#{_str(piece.get('channel_id'))}>", names)
    if kind == "usergroup":
        return f"@{shown_as_typed(_str(piece.get('usergroup_id')))}"
    if kind == "broadcast":
        return f"@{shown_as_typed(_str(piece.get('range')))}"
    if kind == "emoji":
        return _emoji(piece)
    if kind == "date":
        return shown_as_typed(_str(piece.get("fallback")))
    return ""


def _emoji(piece: Mapping[str, Any]) -> str:
    """The character when the block gives its code points (1f44d or 1f1e9-1f1ea), else :name:."""
    try:
        return shown_as_typed("".join(chr(int(point, 16)) for point in _str(piece.get("unicode")).split("-")))
    except (ValueError, OverflowError):
        return f":{shown_as_typed(_str(piece.get('name')))}:"


def _rich_section(section: Mapping[str, Any], names: Names) -> str:
    return "".join(_rich_piece(piece, names) for piece in _list(section.get("elements")))


def _rich_list(block: Mapping[str, Any], names: Names) -> list[str]:
    depth = block.get("indent")
    indent = "  " * min(depth, 8) if isinstance(depth, int) else ""
    ordered = block.get("style") == "ordered"
    return [
        f"{indent}{f'{number}.' if ordered else '•'} {_rich_section(_dict(item), names)}"
        for number, item in enumerate(_list(block.get("elements")), start=1)
    ]


def _rich_part(part: Mapping[str, Any], names: Names) -> list[str]:
    kind = part.get("type")
    if kind == "rich_text_list":
        return _rich_list(part, names)
    text = _rich_section(part, names)
    if kind == "rich_text_preformatted":
        return text.splitlines() or [""]
    if kind == "rich_text_quote":
        return [f"> {line}" for line in text.splitlines()]
    return text.splitlines()


# -- blocks: each as the lines it shows as -------------------------------------------------------------------------


def _header(block: Mapping[str, Any], names: Names) -> list[str]:
    title = " ".join(_text(block.get("text"), names).split())
    return [title, "═" * max(len(title), 3)]


def _field(value: object, names: Names) -> str:
    """A field reads "label: value" when it is a bold label over its value, as feedbot writes facts."""
    label, _, rest = _text(value, names).partition("\n")
    return f"{label}: {rest.strip()}".replace("\n", "\n  ") if rest.strip() else label


def _section(block: Mapping[str, Any], names: Names) -> list[str]:
    lines = _text(block.get("text"), names).splitlines() if block.get("text") else []
    lines += [_field(field, names) for field in _list(block.get("fields"))]
    if block.get("accessory"):
        lines.append(_element(block.get("accessory"), names))
    return lines


def _divider(block: Mapping[str, Any], names: Names) -> list[str]:
    return [RULE]


def _context(block: Mapping[str, Any], names: Names) -> list[str]:
    pieces = [" ".join(_element(element, names).split()) for element in _list(block.get("elements"))]
    return [CONTEXT_MARK + "  ".join(piece for piece in pieces if piece)]


def _image(block: Mapping[str, Any], names: Names) -> list[str]:
    title = _text(block.get("title"), names) if block.get("title") else ""
    return [f"[image: {shown_as_typed(_str(block.get('alt_text')))}]" + (f" {title}" if title else "")]


def _actions(block: Mapping[str, Any], names: Names) -> list[str]:
    return [
        "  ".join(piece for piece in (_element(element, names) for element in _list(block.get("elements"))) if piece)
    ]


def _input(block: Mapping[str, Any], names: Names) -> list[str]:
    return [f"{_text(block.get('label'), names)}: {_element(block.get('element'), names)}"]


def _rich_text(block: Mapping[str, Any], names: Names) -> list[str]:
    return [line for part in _list(block.get("elements")) for line in _rich_part(_dict(part), names)]


def _file(block: Mapping[str, Any], names: Names) -> list[str]:
    return [f"[file: {shown_as_typed(_str(block.get('external_id')))}]"]


def _video(block: Mapping[str, Any], names: Names) -> list[str]:
    title = _text(block.get("title"), names)
    return [f"[video: {title} ({shown_as_typed(_str(block.get('video_url')))})]"]


def _markdown(block: Mapping[str, Any], names: Names) -> list[str]:
    return mrkdwn_text(_str(block.get("text")), names).splitlines()


BLOCK_RULES: Mapping[str, Callable[[Mapping[str, Any], Names], list[str]]] = {
    "header": _header,
    "section": _section,
    "divider": _divider,
    "context": _context,
    "image": _image,
    "actions": _actions,
    "input": _input,
    "rich_text": _rich_text,
    "file": _file,
    "video": _video,
    "markdown": _markdown,
}
# Every `type` a message may hold, at any depth: what the renderer knows how to show.
KNOWN_TYPES = frozenset(BLOCK_RULES) | frozenset(ELEMENT_RULES)
KNOWN_TYPES |= {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
KNOWN_TYPES |= {"text", "link", "user", "channel", "usergroup", "broadcast", "emoji", "date"}


def _block(value: object, names: Names) -> list[str]:
    block = _dict(value)
    rule = BLOCK_RULES.get(_str(block.get("type")))
    if rule is not None:
        return rule(block, names)
    return _text(block.get("text"), names).splitlines() if block.get("text") else []


def message_text(message: Mapping[str, Any], names: Mapping[str, str] = NO_NAMES) -> str:
    """The message as text: each block as its lines, a blank line between blocks; without blocks, its `text`."""
    message = _dict(message)
    blocks = _list(message.get("blocks"))
    if not blocks:
        return _text(message.get("text"), names).strip("\n")
    shown = ["\n".join(lines) for lines in (_block(block, names) for block in blocks) if any(lines)]
    return "\n\n".join(shown)


def note_text(note: Note, names: Mapping[str, str] = NO_NAMES) -> str:
    """A note as a Slack recipient reads it, in a terminal: what the console sender prints for it."""
    return message_text(note_message(note), names)
