"""The digest's chart: a real PNG of the promised size, the axes a reader needs (dated weeks, eNPS on a fixed
−100…+100 scale with its zero line, targets when given), gaps left empty, and safe to draw from several threads."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from matplotlib.lines import Line2D
from PIL import Image

from comms.charts import KpiSeries, WeeklyChart, digest_chart, digest_figure

WEEKS = [date(2026, 8, 24) + timedelta(weeks=n) for n in range(13)]
ENPS: list[int | None] = [None, None, None, 40, None, None, None, -35, None, None, None, 67, None]
FEEDBACK = [2, 0, 5, 7, 4, 9, 3, 8, 1, 0, 6, 12, 1]


def chart(**targets: int) -> WeeklyChart:
    return WeeklyChart(weeks=WEEKS, enps=ENPS, feedback=FEEDBACK, zone="Europe/Berlin", **targets)


def test_the_png_is_1600_by_900_and_small() -> None:
    png = digest_chart(chart())
    image = Image.open(io.BytesIO(png))
    image.verify()  # a complete, uncorrupted PNG
    assert (image.format, image.size) == ("PNG", (1600, 900))
    assert len(png) < 200_000


def test_the_axes_are_dated_and_the_enps_scale_fixed() -> None:
    figure = digest_figure(chart())
    enps, volume = figure.axes
    assert figure.get_suptitle() == "eNPS and feedback per week · 24 Aug 2026 – 22 Nov 2026 · Europe/Berlin"
    assert [label.get_text() for label in volume.get_xticklabels()] == [f"{week:%d %b}" for week in WEEKS]
    assert volume.get_xlabel() == "Week starting (Monday, Europe/Berlin)"
    assert enps.get_ylim() == (-100, 100)
    horizontal = [line for line in enps.get_lines() if list(line.get_ydata()) == [0, 0]]
    assert len(horizontal) == 1  # the zero line
    # Only the weeks with a pulse are plotted; the others stay empty rather than drawn as zeros.
    (markers,) = [line for line in enps.get_lines() if line.get_marker() == "o"]
    assert (list(markers.get_xdata()), list(markers.get_ydata())) == ([3, 7, 11], [40, -35, 67])
    assert [text.get_text() for text in enps.texts] == ["+40", "\N{MINUS SIGN}35", "+67"]
    assert [bar.get_height() for bar in volume.patches] == FEEDBACK
    assert enps.get_legend() is None and volume.get_legend() is None  # no target unless one is given


def test_a_target_is_drawn_and_named_where_one_is_given() -> None:
    enps, volume = digest_figure(chart(enps_target=30, feedback_target=10)).axes

    def targets(axes: object) -> list[tuple[str, list[float]]]:
        lines: list[Line2D] = axes.get_lines()  # type: ignore[attr-defined]
        return [(str(line.get_label()), list(line.get_ydata())) for line in lines if line.get_linestyle() == "--"]

    assert targets(enps) == [("target +30", [30, 30])]
    assert targets(volume) == [("target 10", [10, 10])]
    assert [text.get_text() for text in volume.get_legend().get_texts()] == ["target 10"]


def test_with_no_pulse_the_panel_says_why() -> None:
    empty = WeeklyChart(weeks=WEEKS, enps=[None] * 13, feedback=[0] * 13, zone="UTC")
    enps, volume = digest_figure(empty).axes
    assert [text.get_text() for text in enps.texts] == ["No pulse passed the anonymity threshold in these weeks"]
    assert volume.get_ylim()[1] >= 4  # quiet weeks still get a readable scale
    assert Image.open(io.BytesIO(digest_chart(empty))).size == (1600, 900)


def test_charts_drawn_in_parallel_threads_match_one_drawn_alone() -> None:
    alone = digest_chart(chart())
    others = WeeklyChart(weeks=WEEKS, enps=[50] * 13, feedback=[1] * 13, zone="UTC")
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(digest_chart, [chart(), others, chart(), others]))
    assert drawn[0] == drawn[2] == alone and drawn[1] == drawn[3] != alone


def test_a_products_main_kpi_gets_a_third_panel_with_its_target_and_gaps() -> None:
    # The KPI's weeks start later than the chart's: a week it has no value for is a gap, not a zero.
    series = KpiSeries(
        product="Expense Hub",
        label="Task duration, median",
        unit="s",
        weeks=WEEKS[-4:],
        values=[20.0, None, 5.5, 7.5],
        target=5.0,
    )
    png = digest_chart(WeeklyChart(weeks=WEEKS, enps=ENPS, feedback=FEEDBACK, zone="Europe/Berlin", kpi=series))
    assert Image.open(io.BytesIO(png)).size == (1600, 1300)
    figure = digest_figure(WeeklyChart(weeks=WEEKS, enps=ENPS, feedback=FEEDBACK, zone="Europe/Berlin", kpi=series))
    _, _, kpi = figure.axes
    assert kpi.get_title(loc="left") == "Expense Hub: Task duration, median (s)"
    (line,) = [line for line in kpi.get_lines() if line.get_marker() == "o"]
    assert (list(line.get_xdata()), list(line.get_ydata())) == ([9, 11, 12], [20.0, 5.5, 7.5])
    (target,) = [line for line in kpi.get_lines() if line.get_linestyle() == "--"]
    assert (target.get_label(), list(target.get_ydata())) == ("target 5.0 s", [5.0, 5.0])
    assert [label.get_text() for label in kpi.get_xticklabels()] == [f"{week:%d %b}" for week in WEEKS]


def test_a_products_name_is_drawn_as_typed_never_as_math() -> None:
    hostile = KpiSeries(product="$\\frac{a}{$ Hub", label="Error rate", unit="%", weeks=WEEKS[-1:], values=[3.0])
    figure = digest_figure(WeeklyChart(weeks=WEEKS, enps=ENPS, feedback=FEEDBACK, zone="UTC", kpi=hostile))
    assert figure.axes[2].get_title(loc="left") == "$\\frac{a}{$ Hub: Error rate (%)"
    assert Image.open(io.BytesIO(digest_chart(WeeklyChart(weeks=WEEKS, enps=ENPS, feedback=FEEDBACK, zone="UTC",
                                                          kpi=hostile)))).size == (1600, 1300)  # fmt: skip
