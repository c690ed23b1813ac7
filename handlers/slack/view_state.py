"""Reading a submitted modal's state without trusting its shape (a crafted payload must not crash us)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from comms.render.slack import INPUT_ACTION


class ViewState:
    def __init__(self, view: Mapping[str, Any]) -> None:
        state = view.get("state") if isinstance(view, Mapping) else None
        values = state.get("values") if isinstance(state, Mapping) else None
        self._values: Mapping[str, Any] = values if isinstance(values, Mapping) else {}

    def _element(self, block_id: str) -> Mapping[str, Any]:
        block = self._values.get(block_id)
        element = block.get(INPUT_ACTION) if isinstance(block, Mapping) else None
        return element if isinstance(element, Mapping) else {}

    def text(self, block_id: str) -> str:
        value = self._element(block_id).get("value")
        return value if isinstance(value, str) else ""

    def selected(self, block_id: str) -> str | None:
        option = self._element(block_id).get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
        return value if isinstance(value, str) else None

    def user(self, block_id: str) -> str | None:
        """A users_select's choice: a Slack user id, or None."""
        value = self._element(block_id).get("selected_user")
        return value if isinstance(value, str) else None

    def date_time(self, block_id: str) -> int | None:
        """A datetimepicker's choice: Unix seconds, or None."""
        value = self._element(block_id).get("selected_date_time")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def checked(self, block_id: str) -> set[str]:
        options = self._element(block_id).get("selected_options")
        if not isinstance(options, list):
            return set()
        values = (option.get("value") for option in options if isinstance(option, Mapping))
        return {value for value in values if isinstance(value, str)}
