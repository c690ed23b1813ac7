"""The release form as a Teams card's inputs: the date and time are read on the author's clock, and come back as
typed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.release_form import ReleaseForm, card_values, from_card

BERLIN = ZoneInfo("Europe/Berlin")
START = int(datetime(2026, 12, 1, 17, tzinfo=UTC).timestamp())


def test_the_date_and_time_are_read_on_the_authors_clock() -> None:
    form, problem = from_card({"title": "T", "send_date": "2026-12-03", "send_time": "09:00"}, BERLIN)
    assert problem is None
    assert form.send_at == int(datetime(2026, 12, 3, 8, tzinfo=UTC).timestamp())
    assert card_values(form, BERLIN, START)["send_time"] == "09:00"


def test_a_new_form_starts_at_the_given_moment_on_the_authors_clock() -> None:
    values = card_values(ReleaseForm(), BERLIN, START)
    assert (values["send_date"], values["send_time"], values["send_now"]) == ("2026-12-01", "18:00", "false")


@pytest.mark.parametrize(
    ("day", "clock", "wrong"),
    [
        ("", "09:00", "Pick a date and a time"),
        ("2026-12-03", "", "Pick a date and a time"),
        ("2026-02-30", "09:00", "not a date and time"),
        ("03/12/2026", "09:00", "not a date and time"),
        ("2026-12-03", "25:00", "not a date and time"),
        ("2026-03-29", "02:30", "does not exist in Europe/Berlin"),
        ("9999-12-31", "23:59", None),
    ],
)
def test_what_is_not_a_moment_on_the_authors_clock_is_said(day: str, clock: str, wrong: str | None) -> None:
    form, problem = from_card(
        {"send_date": day, "send_time": clock}, ZoneInfo("Pacific/Kiritimati") if not wrong else BERLIN
    )
    if wrong is None:
        assert problem is None or "feedbot can schedule" in problem
    else:
        assert problem is not None and wrong in problem and form.send_at is None


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])


@given(
    zone=zones,
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    texts=st.lists(st.text(max_size=30), min_size=8, max_size=8),
    send_now=st.booleans(),
    local=st.booleans(),
)
def test_what_a_card_sends_comes_back_as_typed(
    zone: str, moment: datetime, texts: list[str], send_now: bool, local: bool
) -> None:
    names = ("title", "version", "summary", "deer_text", "details", "exec_summary", "affected", "linked")
    typed = dict(zip(names, texts, strict=True)) | {
        "send_date": f"{moment:%Y-%m-%d}",
        "send_time": f"{moment:%H:%M}",
        "send_now": str(send_now).lower(),
        "local_time": str(local).lower(),
    }
    form, problem = from_card(typed, ZoneInfo(zone))
    if problem is not None:  # an hour the clocks skip there
        assert "does not exist" in problem
        return
    assert card_values(ReleaseForm.from_json(form.to_json()), ZoneInfo(zone), START) == typed
