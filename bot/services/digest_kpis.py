"""What the weekly digest says about product KPIs: a line per product with its main KPI's 13-week trend and target,
the asks for "Needs your attention" (a missed target, a sharp move), and which product a release is about."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.replies import verbatim
from bot.services import kpi
from bot.services.trend import sparkline
from storage import kpi as kpi_store

DIGEST_PRODUCTS = 5  # the busiest few: a digest is read in a minute
# What a product's line shows (kpi.summary_line); every metric with a target is worked out besides.
DIGEST_METRICS = frozenset({"wau", "completion", "duration_median", "error_rate"})


@dataclass(frozen=True)
class ProductKpis:
    report: kpi.Report

    @property
    def main(self) -> kpi.TargetReading:
        """The KPI a reader should look at first: a missed target, else one with a target, else completion (the
        product's work getting done), else weekly active people."""
        readings = self.report.readings
        with_data = [reading for reading in readings if reading.value is not None]
        for wanted in ("missed", "met"):
            found = next((reading for reading in with_data if reading.status == wanted), None)
            if found is not None:
                return found
        by_name = {reading.metric.name: reading for reading in readings}
        completion = by_name["completion"]
        return completion if completion.value is not None else by_name["wau"]

    def weekly(self) -> list[float | None]:
        trend = self.report.trend
        if trend is None:
            return []
        return list(trend.values.get(self.main.metric.name, []))

    def line(self) -> str:
        """ "*Expense Hub*: WAU 312 · completion 81.2 % ❌ …" then the main KPI over 13 weeks against its target."""
        text = kpi.summary_line(self.report)
        values = self.weekly()
        trend = self.report.trend
        if values and trend is not None and any(value is not None for value in values):
            metric = self.main.metric
            known = [value for value in values if value is not None]
            low, high = (0, 100) if metric.unit == "%" else (0, max(1, math.ceil(max(known))))
            spark = sparkline([None if value is None else round(value) for value in values], low, high)
            target = kpi.status_text(self.main)
            text += f"\n{metric.label} {trend.weeks[0]:%d %b} {spark} {trend.weeks[-1]:%d %b}" + (
                f" · {target}" if target else ""
            )
        return text

    def asks(self) -> list[str]:
        """Missed targets, then sharp moves, each as an executive can act on it."""
        product = verbatim(self.report.product)
        asks = [
            f"{product}: {reading.metric.label.lower()} is {kpi.shown(reading.value, reading.metric.unit)}, short "
            f"of its target ({'≥' if reading.direction == 'up' else '≤'} "
            f"{kpi.shown(reading.target, reading.metric.unit)}): `/kpi {product}` shows where."
            for reading in self.report.readings
            if reading.status == "missed"
        ]
        if self.report.trend is not None:
            for name, before, after in self.report.trend.sharp_moves():
                metric = kpi.METRICS[name]
                direction = "rose" if after > before else "fell"
                asks.append(
                    f"{product}: {metric.label.lower()} {direction} from {kpi.shown(before, metric.unit)} to "
                    f"{kpi.shown(after, metric.unit)} last week."
                )
        return asks


async def kpi_block(
    sessions: async_sessionmaker[AsyncSession], now: datetime, zone: ZoneInfo, threshold: int
) -> list[ProductKpis]:
    """The digest's busiest products, each reported in its own transaction and all at once: on PostgreSQL each
    product's pass over its events runs on a core of its own, instead of one product after another.

    The first-use rollup is brought up to date once, first, so the reports find nothing to add to it and never
    write the same rows at the same time."""
    async with sessions.begin() as session:
        await kpi_store.catch_up_first_seen(session)
        products = (await kpi_store.products(session))[:DIGEST_PRODUCTS]

    async def reported(product: str) -> ProductKpis:
        async with sessions.begin() as session:
            return ProductKpis(await kpi.report(session, product, now, zone, threshold, needs=DIGEST_METRICS))

    return list(await asyncio.gather(*(reported(product) for product in products)))


def product_of(title: str, linked_products: Sequence[str], products: Sequence[str]) -> str | None:
    """The product a release is about, among those that send usage events: the one its title names (the longest
    name, so "Expense Hub Mobile" wins over "Expense Hub"), else the one most of its linked items are about."""
    lowered = title.casefold()
    named = [product for product in products if product.casefold() in lowered]
    if named:
        return max(named, key=len)
    known = {product.casefold(): product for product in products}
    counts: dict[str, int] = {}
    for product in linked_products:
        match = known.get(product.casefold())
        if match is not None:
            counts[match] = counts.get(match, 0) + 1
    return max(counts, key=lambda product: (counts[product], product)) if counts else None
