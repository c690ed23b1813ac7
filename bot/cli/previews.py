"""What the preview commands print: a note as its recipient reads it in a terminal, as Block Kit that pastes into
Slack's Block Kit Builder, or as the Teams Adaptive Card (which pastes into the Adaptive Cards Designer)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.cli.resources import CommandFailed
from bot.domain.notes import Note
from comms.render.console import note_text
from comms.render.slack import note_message
from comms.render.teams import note_card

FORMATS = ("text", "blockkit", "card")
FORMAT_HELP = "text (as read in a terminal, the default), blockkit (Block Kit Builder JSON) or card (Adaptive Card)"


def chosen(value: str, choices: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `choices`, else the command fails with one line naming them."""
    if value not in choices:
        raise CommandFailed(f"“{value}” is not a {what}: use {', '.join(choices[:-1])} or {choices[-1]}")
    return value


def rendered(note: Note, form: str, names: Mapping[str, str]) -> str:
    if form == "blockkit":
        return json.dumps({"blocks": note_message(note)["blocks"]}, ensure_ascii=False, indent=2)
    if form == "card":
        return json.dumps(note_card(note), ensure_ascii=False, indent=2)
    return note_text(note, names)
