"""KPI use cases: `/kpi [product]` in chat and App Home for the people who steer products (admins, release authors,
lions), and the settings a product's KPIs are read against (`feedbot kpi task|population|target|baseline`)."""

from __future__ import annotations

import logging
import math
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from bot.domain.replies import Reply, channel_mention, verbatim
from bot.domain.requester import Requester
from bot.services import kpi
from storage import kpi as store
from storage import stakeholders as stakeholder_store
from storage.models import utcnow

NOT_FOR_YOU = Reply.refused(
    "KPIs are for product managers (feedbot admins and release authors) and the executives on the stakeholder map "
    "(lions). Ask an admin if you should see them."
)
MAX_PRODUCT = 100
MAX_BASELINE_DAYS = 366
MAX_PROFICIENCY = 1000
MAX_UNDER_SECONDS = 86_400
MAX_POPULATION = 10_000_000
logger = logging.getLogger(__name__)


class KpiDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def refusal(self, requester: Requester) -> Reply | None:
        """None when the requester may read KPIs: an admin, a release author, or a lion of their workspace."""
        settings = self._deps.settings
        if requester.is_admin or settings.is_release_author(requester.user_id, requester.platform, requester.aliases):
            return None
        async with self._deps.db.sessions() as session:
            tier = await stakeholder_store.tier_of(session, requester.platform, requester.team_id, requester.user_id)
        return None if tier == "lion" else NOT_FOR_YOU

    async def command(self, requester: Requester, text: str) -> Reply:
        """`/kpi` (every product in a line each, or the one there is), `/kpi PRODUCT` (its report) and
        `/kpi [PRODUCT] by department|location` (its report by slice, under complementary suppression)."""
        refused = await self.refusal(requester)
        if refused is not None:
            return refused
        settings = self._deps.settings
        # A transaction that commits: the report brings the first-use rollup up to date on the way.
        async with self._deps.db.sessions.begin() as session:
            known = await store.products(session)
            typed, by = _by(" ".join(text.split()))
            if not typed and len(known) > 1 and by is None:
                return Reply.info(
                    "KPIs of every product (type /kpi PRODUCT for one in full):",
                    *[await self._line(session, product) for product in known],
                )
            if not known:
                return Reply.info(
                    "No product has sent usage events yet: see POST /api/events or `feedbot events import`."
                )
            if not typed and len(known) > 1:
                return Reply.invalid("Name the product to slice, like /kpi Expense Hub by department.")
            product = known[0] if not typed else await store.product_named(session, typed)
            if product is None:
                return Reply.invalid(
                    f"No product is called {verbatim(typed[:MAX_PRODUCT])}. Known products: "
                    + ", ".join(verbatim(name) for name in known)
                )
            try:
                report = await kpi.report(
                    session, product, utcnow(), settings.zone, settings.anonymity_threshold, by=by, trend=by is None
                )
            except kpi.SlicedOtherwise as refused:
                return Reply.refused(verbatim(str(refused)))
        lines = kpi.report_lines(report)
        return Reply.info(lines[0], *lines[1:])

    async def _line(self, session: AsyncSession, product: str) -> str:
        settings = self._deps.settings
        report = await kpi.report(session, product, utcnow(), settings.zone, settings.anonymity_threshold, trend=False)
        return kpi.summary_line(report)

    # -- settings (the command line) --------------------------------------------------------------------------------

    async def set_task(self, product_text: str, task: str, count: str, under_seconds: str) -> Reply:
        try:
            task = _name(task, "--task needs the key task's name, as the events spell it")
            proficiency = _whole(count, "--proficiency", 1, MAX_PROFICIENCY)
            under = _number(under_seconds, "--under", 0.001, MAX_UNDER_SECONDS)
            async with self._deps.db.sessions.begin() as session:
                product = await _product(session, product_text, must_exist=False)
                await store.save_settings(
                    session,
                    product,
                    key_task=task,
                    proficiency_count=proficiency,
                    target_duration_ms=round(under * 1000),
                )
        except ValueError as problem:
            return Reply.invalid(str(problem))
        completions = "completion" if proficiency == 1 else "completions"
        return Reply.ok(
            f"{verbatim(product)}'s key task is {verbatim(task)}: a person is proficient after {proficiency} "
            f"{completions} in less than {under:g} s."
        )

    async def set_population(
        self,
        product_text: str,
        *,
        department: str | None = None,
        channel: str | None = None,
        count: str | None = None,
        asker: Requester | None = None,
    ) -> Reply:
        """A channel is counted in the workspace of `asker` (the operator of the command line)."""
        size = 0
        try:
            async with self._deps.db.sessions() as session:
                product = await _product(session, product_text, must_exist=False)
                if department is not None:
                    department = await _department(session, department)
                    size = await store.department_size(session, department)
            if channel is not None:
                if asker is None:
                    raise ValueError("a channel is counted in a workspace: name the one to ask")
                try:
                    members = await self._deps.directory.humans(asker.team_id, channel)
                except Exception as failure:  # Slack's or Teams' own errors: their libraries stay out of the desks
                    logger.warning("kpi population: counting a channel's members failed: %s", type(failure).__name__)
                    raise ValueError(
                        f"I could not count the members of {channel_mention(channel)}: the platform did not answer "
                        f"({type(failure).__name__}). Nothing was changed; try again, or give --count."
                    ) from None
                if not members:
                    raise ValueError(
                        f"{channel_mention(channel)} has no human members I can see: invite feedbot to the channel, "
                        "or give --department or --count."
                    )
                size = len(members)
            if count is not None:
                size = _whole(count, "--count", 1, MAX_POPULATION)
            kind = "department" if department is not None else "channel" if channel is not None else "count"
            async with self._deps.db.sessions.begin() as session:
                await store.save_settings(
                    session,
                    product,
                    population_kind=kind,
                    population_department=department,
                    population_channel=channel,
                    population_size=None if kind == "department" else size,
                )
        except ValueError as problem:
            return Reply.invalid(str(problem))
        whom = {
            "department": f"the {verbatim(department)} department ({size:,} people in the directory, counted anew "
            "each time)",
            "channel": f"the {size:,} people of {channel_mention(channel or '')} (as of now: set it again to recount)",
            "count": f"{size:,} people",
        }[kind]
        return Reply.ok(f"{verbatim(product)}'s adoption is measured against {whom}.")

    async def set_target(self, product_text: str, metric: str, target_text: str, direction: str | None) -> Reply:
        try:
            found = kpi.METRICS.get(metric.strip().lower())
            if found is None:
                raise ValueError(f"{verbatim(metric)} is not a KPI: use one of {', '.join(kpi.METRICS)}")
            high = 100.0 if found.unit == "%" else 1e12
            target = _number(target_text, "--target", 0, high)
            if direction is not None and direction not in ("up", "down"):
                raise ValueError(f"--direction is up or down, not {verbatim(direction)}")
            way = direction or found.direction
            async with self._deps.db.sessions.begin() as session:
                product = await _product(session, product_text, must_exist=True)
                await store.set_target(session, product, found.name, target, way)
        except ValueError as problem:
            return Reply.invalid(str(problem))
        sign = "at least" if way == "up" else "at most"
        return Reply.ok(f"Target for {verbatim(product)}: {found.label} {sign} {kpi.shown(target, found.unit)}.")

    async def set_baseline(self, product_text: str, first_text: str, last_text: str) -> Reply:
        zone = self._deps.settings.zone
        today = utcnow().astimezone(zone).date()
        try:
            first = _day(first_text, "--from")
            last = _day(last_text, "--to")
            if last < first:
                raise ValueError(f"--to ({last:%d %b %Y}) is before --from ({first:%d %b %Y})")
            if last >= today:
                raise ValueError(f"--to must be a day that is over: {today - timedelta(days=1):%d %b %Y} at the latest")
            if (last - first).days + 1 > MAX_BASELINE_DAYS:
                raise ValueError(f"a baseline covers at most {MAX_BASELINE_DAYS} days")
            async with self._deps.db.sessions.begin() as session:
                product = await _product(session, product_text, must_exist=True)
                window = kpi.window_of_days(first, last, zone)
                figures = await kpi.baseline_figures(session, product, window)
                await store.save_baseline(session, product, first, last, figures)
        except ValueError as problem:
            return Reply.invalid(str(problem))
        shown = [
            f"{metric.label}: {kpi.shown(figures[name], metric.unit)}"
            for name, metric in kpi.METRICS.items()
            if figures[name] is not None
        ]
        return Reply(
            "ok",
            f"Baseline for {verbatim(product)}: {first:%d %b %Y} – {last:%d %b %Y} ({zone.key}), kept as measured now:",
            lines=tuple(shown),
        )


async def _product(session: AsyncSession, text: str, *, must_exist: bool) -> str:
    """The product as its events spell it; a new name only where settings may come before the first event."""
    typed = " ".join(text.split())
    if not typed:
        raise ValueError("--product needs a product name")
    if len(typed) > MAX_PRODUCT:
        raise ValueError(f"a product name has at most {MAX_PRODUCT} characters")
    found = await store.product_named(session, typed)
    if found is not None:
        return found
    if must_exist:
        known = await store.products(session)
        listed = ", ".join(verbatim(name) for name in known) if known else "none yet"
        raise ValueError(f"No product is called {verbatim(typed)}. Known products: {listed}")
    return typed


def _by(text: str) -> tuple[str, store.Segment | None]:
    """ "Expense Hub by department" → ("Expense Hub", "department"): the slicing asked for, and the rest."""
    words = text.rsplit(" ", 2)
    if len(words) >= 2 and words[-2].casefold() == "by" and words[-1].casefold() in ("department", "location"):
        segment: store.Segment = "department" if words[-1].casefold() == "department" else "location"
        return " ".join(words[:-2]), segment
    return text, None


async def _department(session: AsyncSession, text: str) -> str:
    typed = " ".join(text.split())
    known = await store.departments(session)
    for name in known:
        if name.casefold() == typed.casefold():
            return name
    listed = ", ".join(verbatim(name) for name in known) if known else "none: import them with `feedbot people import`"
    raise ValueError(f"No department {verbatim(typed)} in the people directory. Departments: {listed}")


def _name(text: str, problem: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_PRODUCT:
        raise ValueError(problem)
    return name


def _whole(text: str, flag: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValueError(f"{flag} takes a whole number from {low:,} to {high:,}, not {verbatim(text)}")
    return value


def _number(text: str, flag: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{flag} takes a number from {low:g} to {high:g}, not {verbatim(text)}")
    return value


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{flag} takes a date like 2026-11-02, not {verbatim(text)}") from None
