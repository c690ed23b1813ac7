"""Field-level validation shared by every intake service."""

from __future__ import annotations

MAX_TEXT = 3000  # Slack's plain_text_input limit: what a modal can send, we can keep.
MAX_TITLE = 150
MAX_VERSION = 64
MAX_PRODUCT = 200


class InvalidSubmission(Exception):
    """One or more fields are wrong; `errors` maps field name to a message a person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def check_length(errors: dict[str, str], field: str, label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors[field] = f"{label} is limited to {limit:,} characters (this one has {len(value):,})."


def check_choice(errors: dict[str, str], field: str, label: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        errors[field] = f"{label} must be one of: {', '.join(choices)}."
