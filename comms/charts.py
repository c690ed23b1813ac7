"""The digest's picture: eNPS and feedback volume per week, and a product's main KPI against its target, drawn
with matplotlib into a PNG.

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
SIZE_WITH_KPI_INCHES = (8.0, 6.5)  # a third panel, as tall as the others
DPI = 200
ENPS_BOUNDS = (-100, 100)
INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
ENPS_COLOUR = "#1d3557"
BAR_COLOUR = "#74a9cf"
KPI_COLOUR = "#2a9d8f"
TARGET_COLOUR = "#e76f51"
QUIET_WEEKS_TOP = 4  # the volume axis reaches at least this far, so a few quiet weeks do not fill the panel


@dataclass(frozen=True)
class KpiSeries:
    """A product's main KPI per week, for the third panel."""

    product: str
    label: str  # "Task duration, median"
    unit: str  # "%", "s", "people", "days"
    weeks: Sequence[date]
    values: Sequence[float | None]  # None: nothing measured that week
    target: float | None = None


@dataclass(frozen=True)
class WeeklyChart:
    weeks: Sequence[date]  # the first day of each week, oldest first
    enps: Sequence[int | None]  # None: no pulse that week (a gap, never a zero)
    feedback: Sequence[int]
    zone: str  # the time zone the weeks are counted in, named in the title
    enps_target: int | None = None
    feedback_target: int | None = None
    kpi: KpiSeries | None = None


def digest_chart(chart: WeeklyChart) -> bytes:
    """The chart as PNG bytes."""
    figure = digest_figure(chart)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def digest_figure(chart: WeeklyChart) -> Figure:
    panels = 3 if chart.kpi is not None else 2
    figure = Figure(figsize=SIZE_WITH_KPI_INCHES if panels == 3 else SIZE_INCHES, dpi=DPI, layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, height_ratios=(1,) * panels)
    positions = range(len(chart.weeks))
    _enps_panel(axes[0], positions, chart.enps, chart.enps_target)
    _volume_panel(axes[1], positions, chart.feedback, chart.feedback_target)
    if chart.kpi is not None:
        _kpi_panel(axes[2], chart.weeks, chart.kpi)
    bottom = axes[-1]
    bottom.set_xticks(list(positions), [f"{week:%d %b}" for week in chart.weeks], fontsize=8.5)
    bottom.set_xlabel(f"Week starting (Monday, {chart.zone})", fontsize=8.5, color=MUTED)
    bottom.set_xlim(-0.6, len(chart.weeks) - 0.4)
    what = "eNPS, feedback and the main KPI" if chart.kpi is not None else "eNPS and feedback"
    figure.suptitle(f"{what} per week · {_period(chart.weeks)} · {chart.zone}", fontsize=11, color=INK, weight="bold")
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
    # A product's name is whatever its events said: never read as mathtext ("$…$" would be parsed, or fail to).
    axes.set_title(title, loc="left", fontsize=9.5, color=INK, parse_math=False)
    axes.tick_params(labelsize=8, colors=INK)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _target(axes: Axes, value: float, shown: str) -> None:
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


def _kpi_value(value: float, unit: str) -> str:
    return f"{value:,.0f}" if unit == "people" else f"{value:,.1f}"


def _kpi_panel(axes: Axes, weeks: Sequence[date], series: KpiSeries) -> None:
    """The KPI on the chart's weeks (a week the KPI has no value for is a gap), with its target as a dashed line."""
    unit = "" if series.unit == "people" else f" ({series.unit})"
    _style(axes, f"{series.product}: {series.label}{unit}")
    by_week = dict(zip(series.weeks, series.values, strict=True))
    measured = [(x, by_week[week]) for x, week in enumerate(weeks) if by_week.get(week) is not None]
    values = [value for _, value in measured if value is not None]
    top = max([*values, series.target or 0.0, 1.0])
    axes.set_ylim(0, 100 if series.unit == "%" else top * 1.25)
    if series.target is not None:
        suffix = "" if series.unit == "people" else f" {series.unit}"
        _target(axes, series.target, f"{_kpi_value(series.target, series.unit)}{suffix}")
    if not measured:
        axes.text(0.5, 0.5, "No usage events in these weeks", transform=axes.transAxes, ha="center", va="center",
                  fontsize=9, color=MUTED)  # fmt: skip
        return
    xs = [x for x, _ in measured]
    axes.plot(xs, values, color=KPI_COLOUR, linewidth=1.4, marker="o", markersize=4, zorder=3, clip_on=False)
    x, y = xs[-1], values[-1]
    axes.annotate(_kpi_value(y, series.unit), (x, y), textcoords="offset points", xytext=(0, 6), ha="center",
                  va="bottom", fontsize=8, color=KPI_COLOUR, weight="bold")  # fmt: skip
