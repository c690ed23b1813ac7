"""/kpi in the shell, through the same command table as Slack and Teams: the person at the keyboard is the local
workspace's admin, so they read every product in a line and one product in full."""

from __future__ import annotations

import pytest

from tests.bot.test_shell import run_shell
from tests.storage.kpi_seed import NOW, seed


def test_kpi_lists_the_products_then_shows_one(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.desks.kpi.utcnow", lambda: NOW)
    seed(database_url)

    output = run_shell(database_url, ["/kpi", "/kpi support console", "/kpi Payroll"])

    text = "\n".join(output)
    # Expense Hub, 28 Oct – 24 Nov: WAU 3 (Ana, Cleo, the anonymous sender), every task together 9 completed of 11
    # ended (no key task is set), median of 1, 2, 4, 5, 6, 7, 8, 9, 20 s = 6 s, 2 of 12 task events erred.
    assert "Expense Hub: WAU 3 · completion 81.8 % · median 6.0 s · errors 16.7 %" in text
    assert "Support Console: WAU 1 · completion 100.0 % · median 1.0 s · errors 0.0 %" in text
    assert "KPIs of Support Console, 28 Oct 2026 – 24 Nov 2026 (28 days, UTC)" in text
    assert "No product is called Payroll. Known products: Expense Hub, Support Console" in text
