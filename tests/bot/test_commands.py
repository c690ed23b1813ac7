"""The one command table: what each surface offers, its help, and typed lines mapped to their desk calls."""

from __future__ import annotations

import asyncio

import pytest

from bot.commands import (
    COMMANDS,
    SHELL,
    TEAMS,
    TYPED_COMMANDS,
    CommandLine,
    commands_on,
    find_command,
    help_reply,
    parse_command_line,
    run_command,
)
from bot.desks import Desks
from bot.domain.requester import Requester
from comms.render.teams import reply_activity
from comms.render.text import reply_text

PERSON = Requester(platform="teams", team_id="tenant", user_id="29:1ada", is_admin=False)


def test_every_typed_command_has_its_desk_call() -> None:
    typed = {command.name for command in COMMANDS if command.surfaces & {TEAMS, SHELL} and not command.shell_session}

    assert set(TYPED_COMMANDS) == typed


def test_names_and_aliases_are_unique() -> None:
    words = [word for command in COMMANDS for word in (command.name, *command.aliases)]

    assert len(words) == len(set(words))
    assert find_command("home") is find_command("status") is not None
    assert find_command("frobnicate") is None


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/bug Login fails", CommandLine("bug", "Login fails")),
        ("  FEEDBACK   more  room ", CommandLine("feedback", "more  room")),
        ("help", CommandLine("help", "")),
        ("   ", None),
    ],
)
def test_a_typed_line_is_a_name_and_an_argument(line: str, parsed: CommandLine | None) -> None:
    assert parse_command_line(line) == parsed


def test_teams_help_lists_each_command_on_its_own_line_with_the_ids() -> None:
    text = reply_activity(help_reply(TEAMS, "Your Teams id: `29:1ada`"))["text"]

    for command in commands_on(TEAMS):
        usage = " ".join(filter(None, (command.name, command.arguments_on(TEAMS))))
        assert f"• `{usage}`: {command.description}" in text
    assert "\n\n• `bug [title]`: " in text and "`vote FB-id`" in text and "`whoami" not in text
    # Teams names people by @mention and channels by where the command is typed.
    assert "• `stakeholders add <deer|monkey|elephant|lion> @person here 19:channel-id …" in text
    assert text.endswith("Your Teams id: `29:1ada`")


def test_shell_help_uses_the_slash_and_the_shells_own_arguments() -> None:
    text = reply_text(help_reply(SHELL))

    assert "  /status  Your feedback and bugs" in text
    assert "/pulse start [question] | answer 0-10 [comment]" in text and "/pulse start [#channel]" not in text
    assert "/stakeholders add <deer|monkey|elephant|lion> @name #channel … | remove @name | list" in text
    assert "/whoami" in text and "/as NAME" in text and "/wait SECONDS" in text


@pytest.mark.parametrize(
    ("typed", "surface", "said"),
    [
        ("frobnicate", TEAMS, "There is no command frobnicate. Type help for the list."),
        ("acknowledge", TEAMS, "There is no command acknowledge here: it is a shell command. Type help for the list."),
        ("whoami", TEAMS, "There is no command whoami here: it is a shell command. Type help for the list."),
        ("approve", TEAMS, "There is no command approve here: it is a shell command. Type help for the list."),
    ],
)
def test_a_command_this_surface_lacks_is_explained_and_runs_nothing(typed: str, surface: str, said: str) -> None:
    desks = Desks.__new__(Desks)  # nothing may be called on it
    answer = asyncio.run(run_command(desks, PERSON, CommandLine(typed, "x"), surface, "key"))  # type: ignore[arg-type]

    assert answer.reply is not None and reply_text(answer.reply) == f"⚠ {said}"
    assert (answer.form, answer.home, answer.note) == (None, None, None)


@pytest.mark.parametrize(("typed", "form"), [("feedback", "feedback"), ("bug", "bug")])
def test_without_text_feedback_and_bug_ask_for_the_rest(typed: str, form: str) -> None:
    desks = Desks.__new__(Desks)
    answer = asyncio.run(run_command(desks, PERSON, CommandLine(typed, ""), TEAMS, "key"))

    assert answer.form is not None and (answer.form.kind, answer.form.values) == (form, {})


def test_a_bug_title_prefills_the_form() -> None:
    answer = asyncio.run(run_command(Desks.__new__(Desks), PERSON, CommandLine("bug", "Login fails"), SHELL, "key"))

    assert answer.form is not None and answer.form.values == {"title": "Login fails"}
