"""Command lines typed as text (the local shell, messages typed to the bot in Teams) are parsed here only."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.replies import Reply, verbatim

COMMAND_HELP: dict[str, str] = {
    "feedback": "/feedback [text]  share feedback (without text you are asked for it)",
    "bug": "/bug [title]  report a bug; you are asked for what happened, expected, severity, product",
    "home": "/home  your recent submissions and their status",
    "pulse": "/pulse start [question] · /pulse answer 0-10 [comment] · /pulse results · /pulse close",
    "help": "/help  this list",
}


@dataclass(frozen=True)
class CommandLine:
    name: str
    argument: str


def parse_command_line(line: str) -> CommandLine | None:
    """`/bug Login fails` → CommandLine("bug", "Login fails"); the slash is optional; None for a blank line."""
    stripped = line.strip()
    if not stripped:
        return None
    word, _, rest = stripped.partition(" ")
    return CommandLine(name=word.removeprefix("/").lower(), argument=rest.strip())


def help_reply() -> Reply:
    return Reply.info("Commands:", *(f"  {text}" for text in COMMAND_HELP.values()))


def unknown_command_reply(name: str) -> Reply:
    return Reply.invalid(f"There is no command /{verbatim(name)}. Type /help for the list.")
