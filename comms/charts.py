"""The digest's picture: eNPS and feedback volume per week, drawn with matplotlib into a PNG.

Only matplotlib's object-oriented API on the Agg canvas: no pyplot, so no global figure registry and no GUI
backend, and two charts can be drawn at once in different threads."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# 8 × 4.5 inches at 200 dpi: 1600 × 900 pixels, twice what a chat client shows it at, so it stays sharp on retina
# screens and the 9-point labels stay readable when scaled down.
SIZE_INCHES = (8.0, 4.5)
DPI = 200
ENPS_BOUNDS = (-100, 100)
INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
ENPS_COLOUR = "#1d3557"
BAR_COLOUR = "#74a9cf"
TARGET_COLOUR = "#e76f51"
QUIET_WEEKS_TOP = 4  # the volume axis reaches at least this far, so a few quiet weeks do not fill the panel


@dataclass(frozen=True)
class WeeklyChart:
    weeks: Sequence[date]  # the first day of each week, oldest first
    enps: Sequence[int | None]  # None: no pulse that week (a gap, never a zero)
    feedback: Sequence[int]
    zone: str  # the time zone the weeks are counted in, named in the title
    enps_target: int | None = None
    feedback_target: int | None = None


def digest_chart(chart: WeeklyChart) -> bytes:
    """The chart as PNG bytes."""
    figure = digest_figure(chart)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def digest_figure(chart: WeeklyChart) -> Figure:
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    enps_axes, volume_axes = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1))
    positions = range(len(chart.weeks))
    _enps_panel(enps_axes, positions, chart.enps, chart.enps_target)
    _volume_panel(volume_axes, positions, chart.feedback, chart.feedback_target)
    volume_axes.set_xticks(list(positions), [f"{week:%d %b}" for week in chart.weeks], fontsize=8.5)
    volume_axes.set_xlabel(f"Week starting (Monday, {chart.zone})", fontsize=8.5, color=MUTED)
    volume_axes.set_xlim(-0.6, len(chart.weeks) - 0.4)
    figure.suptitle(
        f"eNPS and feedback per week · {_period(chart.weeks)} · {chart.zone}", fontsize=11, color=INK, weight="bold"
    )
    return figure


def _period(weeks: Sequence[date]) -> str:
    if not weeks:
        return "no weeks"
    last = weeks[-1] + timedelta(days=6)
    return f"{weeks[0]:%d %b %Y} – {last:%d %b %Y}"


def _signed(value: int) -> str:
    """+24, 0, −3: with a true minus sign, as the axis labels have."""
    return f"{value:+d}".replace("-", "\N{MINUS SIGN}") if value else "0"


def _style(axes: Axes, title: str) -> None:
    axes.set_title(title, loc="left", fontsize=9.5, color=INK)
    axes.tick_params(labelsize=8, colors=INK)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _target(axes: Axes, value: int, shown: str) -> None:
    axes.axhline(value, color=TARGET_COLOUR, linestyle="--", linewidth=1.1, label=f"target {shown}", zorder=2)
    axes.legend(loc="upper left", fontsize=7.5, frameon=False)


def _enps_panel(axes: Axes, positions: range, values: Sequence[int | None], target: int | None) -> None:
    _style(axes, "eNPS of the pulses closed that week (−100 to +100)")
    axes.set_ylim(*ENPS_BOUNDS)
    ticks = [-100, -50, 0, 50, 100]
    axes.set_yticks(ticks, [_signed(tick) for tick in ticks])
    axes.axhline(0, color=MUTED, linewidth=0.9, zorder=1)
    measured = [(x, value) for x, value in zip(positions, values, strict=True) if value is not None]
    if target is not None:
        _target(axes, target, _signed(target))
    if not measured:
        axes.text(
            0.5,
            0.5,
            "No pulse passed the anonymity threshold in these weeks",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color=MUTED,
            bbox={"facecolor": "white", "edgecolor": "none"},
        )
        return
    xs, ys = zip(*measured, strict=True)
    # Dotted between pulses: the weeks between were not measured, the line only guides the eye.
    axes.plot(xs, ys, color=ENPS_COLOUR, linestyle=":", linewidth=1.2, zorder=3)
    # Not clipped: a +100 or −100 sits on the panel's edge and must show whole.
    axes.plot(xs, ys, color=ENPS_COLOUR, linestyle="none", marker="o", markersize=5, zorder=4, clip_on=False)
    for x, y in measured:
        near_top = y > 75
        axes.annotate(
            _signed(y),
            (x, y),
            textcoords="offset points",
            xytext=(0, -6 if near_top else 6),
            ha="center",
            va="top" if near_top else "bottom",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85},
            fontsize=8,
            color=ENPS_COLOUR,
            weight="bold",
        )


def _volume_panel(axes: Axes, positions: range, counts: Sequence[int], target: int | None) -> None:
    _style(axes, "Feedback received")
    bars = axes.bar(list(positions), list(counts), width=0.7, color=BAR_COLOUR, zorder=2)
    axes.bar_label(bars, fontsize=8, color=INK, padding=2)
    top = max([*counts, target or 0, QUIET_WEEKS_TOP])
    axes.set_ylim(0, top * 1.25)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if target is not None:
        _target(axes, target, str(target))
