"""Adaptive Cards checked by Microsoft's own parser (the `adaptivecards` npm package), through tests/cards."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from comms.render.teams import ADAPTIVE_CARD

CARDS_DIR = Path(__file__).parent / "cards"
VALIDATOR = CARDS_DIR / "validate.mjs"
TIMEOUT = 60

_install_lock = threading.Lock()


def _node_modules() -> None:
    """Install the parser from the lock file the first time it is needed (scripts/test.sh does it up front)."""
    with _install_lock:
        if (CARDS_DIR / "node_modules" / "adaptivecards").is_dir():
            return
        npm = shutil.which("npm")
        assert npm, "npm is needed to validate Adaptive Cards: install node and npm"
        subprocess.run(
            [npm, "ci", "--prefix", str(CARDS_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
            check=True,
            timeout=300,
            capture_output=True,
        )


def card_errors(cards: list[dict[str, Any]]) -> list[list[str]]:
    """One list of errors per card, in order; an empty list is a valid card. One node process for the batch."""
    if not cards:
        return []
    _node_modules()
    node = shutil.which("node")
    assert node, "node is needed to validate Adaptive Cards"
    done = subprocess.run(
        [node, str(VALIDATOR)],
        input=json.dumps(cards, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{VALIDATOR.name} failed ({done.returncode}):\n{done.stderr}")
    errors: list[list[str]] = json.loads(done.stdout)
    assert len(errors) == len(cards), "the validator must answer once per card"
    return errors


def assert_valid_cards(cards: list[dict[str, Any]]) -> None:
    problems = [
        f"card {index}:\n  " + "\n  ".join(errors) + f"\n  {json.dumps(card, ensure_ascii=False)[:2000]}"
        for index, (card, errors) in enumerate(zip(cards, card_errors(cards), strict=True))
        if errors
    ]
    assert not problems, "invalid Adaptive Cards:\n" + "\n".join(problems)


def cards_in(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards an activity carries, in order."""
    return [
        attachment["content"]
        for attachment in activity.get("attachments") or []
        if attachment.get("contentType") == ADAPTIVE_CARD
    ]


def walk(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in a card, depth first."""
    if isinstance(value, list):
        return [found for item in value for found in walk(item)]
    if isinstance(value, dict):
        return [value] + [found for item in value.values() for found in walk(item)]
    return []


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {element["id"]: element for element in walk(card) if str(element.get("type", "")).startswith("Input.")}


def submit_data(card: dict[str, Any], action: str) -> dict[str, Any]:
    """The data of the card's Action.Submit whose `feedbot` is `action`, wherever the card puts it."""
    found = [
        element["data"]
        for element in walk(card)
        if element.get("type") == "Action.Submit" and (element.get("data") or {}).get("feedbot") == action
    ]
    assert found, f"no {action} button on the card"
    return dict(found[0])
