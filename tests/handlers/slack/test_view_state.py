"""A submitted modal's state is read without trusting its shape: a crafted payload yields empty values, not a crash."""

from __future__ import annotations

from typing import Any

import pytest

from comms.render.slack import INPUT_ACTION
from handlers.slack.view_state import ViewState


def view(element: Any) -> dict[str, Any]:
    return {"state": {"values": {"field": {INPUT_ACTION: element}}}}


def test_reads_text_selection_and_checkboxes() -> None:
    state = ViewState(
        view({"value": "Scanner crashes", "selected_option": {"value": "major"}, "selected_options": [{"value": "a"}]})
    )
    assert state.text("field") == "Scanner crashes"
    assert state.selected("field") == "major"
    assert state.checked("field") == {"a"}


@pytest.mark.parametrize(
    "crafted",
    [
        None,
        "text",
        [],
        {"state": "values"},
        {"state": {"values": []}},
        view(None),
        view([]),
        view({"value": 7, "selected_option": "major", "selected_options": {"value": "a"}}),
        view({"selected_option": {"value": ["major"]}, "selected_options": [{"value": {"nested": 1}}, "a", {}]}),
    ],
)
def test_a_crafted_state_reads_as_empty(crafted: Any) -> None:
    state = ViewState(crafted)
    assert state.text("field") == ""
    assert state.selected("field") is None
    assert state.checked("field") == set()
    assert state.text("missing") == ""
