"""The digest by department or location (`/digest by department`): the latest closed pulse's eNPS and each
product's KPIs per slice, under the same rules as their own commands. Each is sliced one way only, the first asked
for anywhere (a pulse's results, a product's /kpi, or here): two slicings of the same people could be set against
each other. What is withheld is said, never worked around."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.replies import verbatim
from bot.services import kpi
from bot.services.pulses import breakdown, breakdown_rows, pulse_name
from storage import kpi as kpi_store
from storage import pulses as pulse_store
from storage.kpi import SEGMENTS, Segment
from storage.models import Pulse

USAGE = "Type digest to read it, digest by department (or by location) to see it by slice, or digest send (admins)."


def parse_by(text: str) -> Segment | None:
    """None for a bare `digest`; "department" for `by department`; ValueError with USAGE for anything else."""
    words = text.strip().lower().split()
    if not words:
        return None
    if len(words) == 2 and words[0] == "by" and words[1] in SEGMENTS:
        return "department" if words[1] == "department" else "location"
    raise ValueError(USAGE)


async def segment_lines(
    session: AsyncSession,
    by: Segment,
    latest: Pulse | None,
    products: list[str],
    threshold: int,
    now: datetime,
    zone: ZoneInfo,
) -> list[str]:
    """The section's lines: the pulse (`latest`, None when it has too few answers to show at all), then a product
    after another."""
    lines = [f"*By {by}*"]
    if latest is not None:
        name = pulse_name(latest, zone)
        pinned = await pulse_store.pin_breakdown(session, latest.id, by)
        if pinned != by:
            lines.append(f"{name}: shown by {pinned} only, the way its results were first broken down.")
        else:
            rows = breakdown_rows(await breakdown(session, latest.id, by, threshold))
            lines.append(f"*{name}, eNPS by {by}*")
            lines.extend(f"• {row}" for row in rows or [f"too few people in each {by} to show any"])
    window = kpi.window_before(now, zone)
    for product in products:
        settings = await kpi_store.settings_of(session, product)
        try:
            slices = await kpi.pinned_slices(session, product, window, settings, by, threshold)
        except kpi.SlicedOtherwise as other:
            lines.append(f"{verbatim(product)}: shown by {other.pinned} only, the way its KPIs were first sliced.")
            continue
        lines.extend(kpi.slice_lines(slices, heading=f"{verbatim(product)} by {by}"))
    return lines
