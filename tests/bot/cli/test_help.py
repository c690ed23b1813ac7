"""Every `--help` lists every subcommand of its level, each with a one-line help, so help and parser cannot drift."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.cli import parser
from tests.support import process_env


def subcommand_levels(
    command: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, argparse._SubParsersAction]]:  # type: ignore[type-arg]
    """(the words that reach a parser, the parser, its subcommands) for every parser that has subcommands."""
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield path, command, action
            for name, child in action.choices.items():
                yield from subcommand_levels(child, (*path, name))


def help_lines(action: argparse._SubParsersAction) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {choice.dest: choice.help for choice in action._choices_actions}


@pytest.fixture(autouse=True)
def terminal_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_every_subcommand_is_listed_on_one_line_with_its_help() -> None:
    levels = list(subcommand_levels(parser()))
    assert {path for path, _, _ in levels} >= {(), ("release",), ("pulse",), ("stakeholders",), ("db",)}
    for path, command, action in levels:
        shown = command.format_help()
        lines = help_lines(action)
        assert sorted(lines) == sorted(action.choices), f"feedbot {' '.join(path)}: a subcommand has no help"
        for name, text in lines.items():
            assert text and text.strip(), f"feedbot {' '.join((*path, name))} has no help line"
            listed = re.compile(rf"^ +{re.escape(name)} +{re.escape(text)}$", re.MULTILINE)
            assert listed.search(shown), f"`feedbot {' '.join(path)} --help` does not list {name}: {text}\n{shown}"


def test_a_help_line_that_names_its_subcommands_names_them_all() -> None:
    """`release notes: create, list, cancel, reschedule` once left out `report`."""
    for path, _, action in subcommand_levels(parser()):
        if not path:
            continue
        parent_help = parent_help_line(path)
        named = {name for name in action.choices if re.search(rf"\b{re.escape(name)}\b", parent_help)}
        if len(named) > 1:
            assert named == set(action.choices), f"feedbot {' '.join(path)}: {parent_help!r} names only {named}"


def parent_help_line(path: tuple[str, ...]) -> str:
    levels = {level_path: action for level_path, _, action in subcommand_levels(parser())}
    return help_lines(levels[path[:-1]])[path[-1]] or ""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ((), "releases: create|list|preview|report|cancel|reschedule"),
        (("release",), "report"),
        (("pulse",), "close a pulse (default: the latest)"),
    ],
)
def test_the_real_command_prints_it(words: tuple[str, ...], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *words, "--help"],
        env=process_env(COLUMNS="80"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert expected in done.stdout
    assert "close of a pulse" not in done.stdout
