"""eNPS pulses: launch, answer (anonymously), results that stay hidden below the anonymity threshold."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.console import LOCAL_PLATFORM
from bot.domain.demo import is_demo
from bot.domain.enps import SCORES, Enps, signed
from bot.domain.ids import parse_number, parse_pulse_id, pulse_label
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.suppression import withheld_with_answers
from bot.domain.validation import MAX_TEXT, InvalidSubmission, check_length, clean_text
from bot.services import audit, people, release_effect
from bot.services.admin import require_admin
from storage import directory, outbox, subjects
from storage import pulses as pulse_store
from storage.models import Pulse, utcnow

UTC_ZONE = ZoneInfo("UTC")

MAX_COMMENTS_SHOWN = 20
BAR_WIDTH = 20
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")
_EVERY = re.compile(r"^(\d{1,3})d$")
NOT_ASKED = "This pulse was not sent to you, so your answer was not counted."
USAGE = (
    "Usage: /pulse start [#channel] [question] · /pulse answer 0-10 [comment] · "
    "/pulse results [PULSE-id] [by department|location] · /pulse close [PULSE-id]"
)
UNKNOWN_SEGMENT = "unknown"


def new_salt() -> str:
    return secrets.token_hex(32)


def respondent_key(pulse: Pulse, user_id: str) -> str | None:
    """The only link between a person and their answer: a hash keyed with the pulse's own salt, which exists only
    while the pulse runs (enough to keep one answer per person and to remind those who have not answered). Once
    the pulse closes the salt is erased and the key can be recomputed by nobody: None then."""
    if pulse.respondent_salt is None:
        return None
    message = f"{pulse.platform}:{pulse.team_id}:{pulse.id}:{user_id}".encode()
    return hmac.new(pulse.respondent_salt.encode(), message, hashlib.sha256).hexdigest()


async def was_asked(session: AsyncSession, pulse: Pulse, requester: Requester) -> bool:
    """Only the people the pulse was sent to answer it: anyone else's score would skew it (and could be cast by
    someone outside the audience to probe it). The shell's pulse asks the person at the keyboard, in person."""
    if pulse.platform == LOCAL_PLATFORM:
        return True
    if is_demo(pulse.team_id):
        # The demo company's pulses are asked in the shell, of everyone in it (/as NAME answers as one of them).
        return await directory.entry(session, pulse.team_id, requester.user_id) is not None
    asked = await outbox.workspace_that_asked(session, subjects.pulse(pulse.id), requester.user_id, requester.platform)
    return asked == pulse.team_id


@dataclass(frozen=True)
class PulseCommand:
    action: str  # start, results, close
    channel_id: str | None = None
    question: str | None = None
    pulse_id: int | None = None
    by: str | None = None  # results: department or location


@dataclass(frozen=True)
class PulseAnswer:
    """A typed answer (`answer 8 [comment]`), for the newest open pulse."""

    score: int
    comment: str | None = None


def parse_command(text: str) -> PulseCommand | PulseAnswer:
    words = text.split()
    if not words:
        raise ValueError(USAGE)
    action = words[0].lower()
    if action == "start":
        channel = None
        rest = words[1:]
        if rest and (match := _CHANNEL.match(rest[0])):
            channel = match.group(1) or match.group(2)
            rest = rest[1:]
        return PulseCommand("start", channel_id=channel, question=" ".join(rest) or None)
    if action == "answer":
        score = parse_number(words[1]) if len(words) > 1 else None
        if score is None or score not in SCORES:
            raise ValueError("Answer with a number from 0 to 10, e.g. /pulse answer 8 (a comment may follow).")
        return PulseAnswer(score, " ".join(words[2:]) or None)
    if action in {"results", "close"}:
        rest = words[1:]
        by = None
        if action == "results" and any(word.lower() == "by" for word in rest):
            at = [word.lower() for word in rest].index("by")
            by = parse_segment(" ".join(rest[at + 1 :]))
            rest = rest[:at]
        pulse_id = None
        if len(rest) > 1:
            raise ValueError(USAGE)
        if rest:
            pulse_id = parse_pulse_id(rest[0])
            if pulse_id is None:
                raise ValueError(f"“{verbatim(rest[0])}” is not a pulse id: use PULSE-3 or 3.")
        return PulseCommand(action, pulse_id=pulse_id, by=by)
    raise ValueError(USAGE)


def parse_segment(text: str) -> str:
    """department or location, as typed after `by` or `--by`."""
    segment = text.strip().lower()
    if segment not in pulse_store.SEGMENTS:
        shown = f"“{verbatim(text.strip())}”" if text.strip() else "nothing"
        raise ValueError(f"Results are shown by department or by location, not by {shown}.")
    return segment


def default_question(settings: Settings) -> str:
    return f"How likely are you to recommend {settings.product_name} to a colleague?"


async def create(
    session: AsyncSession,
    requester: Requester,
    settings: Settings,
    *,
    channel_id: str | None,
    question: str | None,
    schedule_id: int | None = None,
    run_at: datetime | None = None,
    launching_here: bool = True,
) -> Pulse:
    """A new pulse in `launching`: the audience is resolved and asked by bot/desks/pulse_campaigns.launch, in this
    process (`launching_here`) or by the next server tick (created from the CLI)."""
    require_admin(requester, "start pulses")
    text = clean_text(question) or default_question(settings)
    errors: dict[str, str] = {}
    check_length(errors, "question", "The question", text, MAX_TEXT // 10)
    if errors:
        raise InvalidSubmission(errors)
    now = utcnow()
    closes_at = now + timedelta(days=settings.pulse_days)
    # One reminder a day before closing (or halfway through a shorter pulse).
    reminder_at = closes_at - min(timedelta(days=1), (closes_at - now) / 2)
    pulse = await pulse_store.add(
        session,
        {
            "platform": requester.platform,
            "team_id": requester.team_id,
            "question": text,
            "channel_id": channel_id,
            "status": "launching",
            "created_by": requester.user_id,
            "created_at": now,
            "launch_started_at": now if launching_here else None,
            "closes_at": closes_at,
            "reminder_at": reminder_at,
            "schedule_id": schedule_id,
            "run_at": run_at,
            "respondent_salt": new_salt(),
        },
    )
    audience = f"channel {channel_id}" if channel_id else "whole workspace"
    if schedule_id is not None:
        # A recurring pulse starts by itself: its schedule's author set it up (recorded as pulse.scheduled).
        starter = Requester(requester.platform, requester.team_id, audit.SYSTEM)
        detail = f"{audience}; recurring #{schedule_id}"
        await audit.record(session, starter, "pulse.started", pulse_label(pulse.id), detail)
    else:
        await audit.record(session, requester, "pulse.started", pulse_label(pulse.id), audience)
    return pulse


async def answer(
    session: AsyncSession, pulse_id: int, requester: Requester, score: int, people_key: str | None = None
) -> Reply:
    """`people_key` is FEEDBOT_SECRET_KEY's first key: with it, the answer keeps the respondent's department and
    location from the people directory (the person themself stays behind the pulse's salted key)."""
    if score not in SCORES:
        return Reply.invalid("Answers go from 0 to 10.")
    pulse = await pulse_store.get(session, pulse_id, requester.team_id)
    if pulse is None:
        return Reply.invalid("This pulse no longer exists.")
    respondent = respondent_key(pulse, requester.user_id)
    if pulse.status != "open" or respondent is None:
        return Reply.info("Thank you, but this pulse has closed: answers are no longer counted.")
    if not await was_asked(session, pulse, requester):
        return Reply.refused(NOT_ASKED)
    segment = await people.segment_at_answer(session, people_key, [requester.user_id, *requester.aliases])
    first = await pulse_store.record_answer(session, pulse_id, respondent, score, utcnow().date(), segment)
    verb = "answered" if first else "changed your answer to"
    return Reply.ok(f"Thank you! You {verb} *{score}*. Only you see this; you can change it until the pulse closes.")


async def comment(session: AsyncSession, pulse_id: int, requester: Requester, text: str) -> Reply:
    pulse = await pulse_store.get(session, pulse_id, requester.team_id)
    respondent = respondent_key(pulse, requester.user_id) if pulse is not None else None
    if pulse is None or pulse.status != "open" or respondent is None:
        return Reply.info("Thank you, but this pulse has closed.")
    if not await was_asked(session, pulse, requester):
        return Reply.refused("This pulse was not sent to you, so your comment was not saved.")
    cleaned = clean_text(text)
    errors: dict[str, str] = {}
    if not cleaned:
        errors["comment"] = "The comment is empty."
    check_length(errors, "comment", "A comment", cleaned, MAX_TEXT)
    if errors:
        raise InvalidSubmission(errors)
    if not await pulse_store.set_comment(session, pulse_id, respondent, cleaned):
        return Reply.invalid("Pick a score first, then add your comment.")
    return Reply.ok("Thank you! Your comment is saved without your name.")


async def _find(session: AsyncSession, requester: Requester, pulse_id: int | None, statuses: tuple[str, ...]) -> Pulse:
    pulse = (
        await pulse_store.get(session, pulse_id, requester.team_id)
        if pulse_id is not None
        else await pulse_store.latest(session, requester.platform, requester.team_id, statuses)
    )
    if pulse is None:
        if pulse_id is not None:
            problem = f"There is no pulse {pulse_label(pulse_id)} here."
        elif statuses == ("open",):
            problem = "No pulse is open right now."
        else:
            problem = "There is no pulse yet here. An admin starts one with /pulse start."
        raise InvalidSubmission({"pulse": problem})
    return pulse


async def latest_open(session: AsyncSession, requester: Requester) -> Pulse:
    return await _find(session, requester, None, ("open",))


async def close(
    session: AsyncSession,
    requester: Requester,
    pulse_id: int | None,
    on_closed: Callable[[AsyncSession, Pulse], Awaitable[None]] | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> Reply:
    """`on_closed` runs in the same transaction once the pulse is closed (the webhook event)."""
    require_admin(requester, "close pulses")
    pulse = await _find(session, requester, pulse_id, ("open",))
    if await pulse_store.close(session, pulse.id, ("open", "launching"), utcnow()):
        await audit.record(session, requester, "pulse.closed", pulse_label(pulse.id), "closed early")
        if on_closed is not None:
            await session.refresh(pulse)  # closed_at as stored
            await on_closed(session, pulse)
        answered = await pulse_store.count_answers(session, pulse.id)
        of = f" of {pulse.audience_size}" if pulse.audience_size else ""
        return Reply.ok(
            f"*{pulse_name(pulse, zone)}* is closed: {answered}{of} answered. "
            f"`/pulse results {pulse_label(pulse.id)}` shows how it went."
        )
    return Reply.info(f"*{pulse_name(pulse, zone)}* was already closed.")


def may_see_results(requester: Requester, pulse: Pulse) -> bool:
    return requester.is_admin or (requester.platform == pulse.platform and requester.user_id == pulse.created_by)


@dataclass(frozen=True)
class Progress:
    """All anyone sees of a running pulse: how many answered. A score, a bar or a comment shown while answers
    still arrive could be compared with the next look, and the difference is the newest person's answer."""

    pulse: Pulse
    responses: int
    threshold: int
    zone: ZoneInfo = UTC_ZONE  # the reader's: the pulse is named by the day it was asked there

    def name(self, state: str) -> str:
        return pulse_name(self.pulse, self.zone, state)

    @property
    def response_rate(self) -> int | None:
        if not self.pulse.audience_size:
            return None
        return min(100, round(100 * self.responses / self.pulse.audience_size))

    @property
    def rate_text(self) -> str:
        rate = self.response_rate
        return f"{rate}% of {self.pulse.audience_size} asked" if rate is not None else "n/a"


@dataclass(frozen=True)
class Slice:
    """One department or location: its eNPS, or None when it is withheld."""

    name: str
    enps: Enps | None


@dataclass(frozen=True)
class Breakdown:
    """A closed pulse's answers by department or location. No slices at all when every one is withheld: with the
    total shown, even their names and number could give their sizes away."""

    by: str
    slices: list[Slice]
    threshold: int


@dataclass(frozen=True)
class Results:
    progress: Progress
    enps: Enps
    tally: dict[int, int]
    comments: list[str]
    previous: tuple[Pulse, Enps] | None
    breakdown: Breakdown | None = None


async def breakdown(session: AsyncSession, pulse_id: int, by: str, threshold: int) -> Breakdown:
    """Each slice's eNPS, counted in SQL, with every slice withheld that the threshold and complementary suppression
    hide (bot/domain/suppression.py). People outside the people directory form the slice "unknown", under the same
    rules. Shown slices come largest first; withheld ones by name, so their order tells nothing of their sizes."""
    answers: dict[str, tuple[int, int, int]] = {}
    for name, kinds in (await pulse_store.tally_by(session, pulse_id, by)).items():
        key = name or UNKNOWN_SEGMENT
        before = answers.get(key, (0, 0, 0))
        answers[key] = (before[0] + kinds[0], before[1] + kinds[1], before[2] + kinds[2])
    hidden = withheld_with_answers(answers, threshold)
    if hidden == frozenset(answers):
        return Breakdown(by, [], threshold)
    shown = [
        Slice(name, Enps(sum(kinds), kinds[0], kinds[1], kinds[2]))
        for name, kinds in answers.items()
        if name not in hidden
    ]
    shown.sort(key=lambda part: (-part.enps.responses if part.enps else 0, part.name.lower()))
    return Breakdown(by, shown + [Slice(name, None) for name in sorted(hidden, key=str.lower)], threshold)


async def look(
    session: AsyncSession,
    requester: Requester,
    pulse_id: int | None,
    threshold: int,
    by: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> Progress | Results | Reply:
    """What the requester may see of a pulse: its count while it runs or below the threshold (Progress), its results
    once closed (Results, by segment if asked), or a refusal (Reply)."""
    pulse = await _find(session, requester, pulse_id, ("open", "closed"))
    progress = Progress(pulse, await pulse_store.count_answers(session, pulse.id), threshold, zone)
    if pulse.status != "closed":
        return progress
    if not may_see_results(requester, pulse):
        return Reply.refused(
            f"Only feedbot admins and the person who launched {pulse_label(pulse.id)} see its results."
        )
    if progress.responses < threshold:
        return progress
    tally = await pulse_store.tally(session, pulse.id)
    shown_comments = await pulse_store.comments(session, pulse.id, MAX_COMMENTS_SHOWN)
    previous = None
    earlier = await pulse_store.previous(session, pulse)
    if earlier is not None:
        earlier_enps = Enps.from_tally(await pulse_store.tally(session, earlier.id))
        if earlier_enps.responses >= threshold:
            previous = (earlier, earlier_enps)
    sliced = None
    if by is not None:
        pinned = await pulse_store.pin_breakdown(session, pulse.id, by)
        if pinned != by:
            return Reply.refused(
                f"{pulse_name(pulse, zone)} is broken down by {pinned} only: a second breakdown of the same answers "
                f"could be set against the first to single people out. `/pulse results {pulse_label(pulse.id)} by "
                f"{pinned}` shows it."
            )
        sliced = await breakdown(session, pulse.id, by, threshold)
    return Results(progress, Enps.from_tally(tally), tally, shown_comments, previous, sliced)


async def results(
    session: AsyncSession,
    requester: Requester,
    pulse_id: int | None,
    threshold: int,
    by: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> Reply:
    """A running pulse: its count, to anyone. A closed one: its scores, to admins and its launcher, once it
    reached the threshold (a closed pulse never changes, so nothing can be differenced)."""
    return seen_reply(await look(session, requester, pulse_id, threshold, by, zone))


def seen_reply(seen: Progress | Results | Reply) -> Reply:
    if isinstance(seen, Reply):
        return seen
    if isinstance(seen, Results):
        return results_reply(seen)
    if seen.pulse.status != "closed":
        return progress_reply(seen)
    return withheld_reply(seen)


def seen_data(seen: Progress | Results) -> dict[str, object]:
    """The same as a JSON object (`feedbot pulse results --format json`): only what the reply would show."""
    progress = seen.progress if isinstance(seen, Results) else seen
    pulse = progress.pulse
    data: dict[str, object] = {
        "id": pulse_label(pulse.id),
        "question": pulse.question,
        "status": "closed" if pulse.status == "closed" else "running",
        "responses": progress.responses,
        "asked": pulse.audience_size or None,
        "response_rate": progress.response_rate,
        "threshold": progress.threshold,
    }
    if not isinstance(seen, Results):
        data["withheld"] = pulse.status == "closed"
        return data
    enps = seen.enps
    data |= {
        "withheld": False,
        "enps": enps.score,
        "promoters": enps.promoters,
        "passives": enps.passives,
        "detractors": enps.detractors,
        "scores": {str(score): seen.tally.get(score, 0) for score in SCORES},
    }
    if seen.breakdown is not None:
        data["by"] = seen.breakdown.by
        data["slices"] = [
            {"name": part.name, "withheld": True}
            if part.enps is None
            else {"name": part.name, "withheld": False, "enps": part.enps.score, "responses": part.enps.responses}
            for part in seen.breakdown.slices
        ]
    return data


def pulse_name(pulse: Pulse, zone: ZoneInfo, state: str | None = None) -> str:
    """ "The pulse of 18 Nov (PULSE-4, closed)": people remember when they were asked; admins type the id."""
    label = ", ".join(part for part in (pulse_label(pulse.id), state) if part)
    if pulse.created_at is None:  # not stored yet
        return f"The pulse {label}"
    return f"The pulse of {release_effect.day(pulse.created_at, zone)} ({label})"


def progress_reply(progress: Progress) -> Reply:
    return Reply.info(
        f"*{progress.name('running')}*: {progress.responses} answered so far · response rate "
        f"{progress.rate_text}. Scores and comments show once it closes, to admins and whoever launched it, "
        f"if at least {progress.threshold} people answered."
    )


def withheld_reply(progress: Progress) -> Reply:
    return Reply.info(
        f"*{progress.name('closed')}*: only {progress.responses} answered, fewer than {progress.threshold}, "
        f"so its results stay hidden for good: nobody's answer can be singled out. "
        f"Response rate {progress.rate_text}."
    )


def results_reply(result: Results) -> Reply:
    pulse, enps = result.progress.pulse, result.enps
    lines = [
        f"*eNPS {signed(enps.score)}*  ·  {enps.responses} responses  ·  response rate {result.progress.rate_text}",
        f"Promoters (9–10): {enps.promoters} ({enps.percent(enps.promoters)}%)  ·  "
        f"Passives (7–8): {enps.passives} ({enps.percent(enps.passives)}%)  ·  "
        f"Detractors (0–6): {enps.detractors} ({enps.percent(enps.detractors)}%)",
    ]
    if result.previous is not None:
        earlier, earlier_enps = result.previous
        change = enps.score - earlier_enps.score
        arrow = "▲" if change > 0 else "▼" if change < 0 else "▶"
        since = release_effect.pulse_name(earlier.created_at, result.progress.zone)
        lines.append(f"Trend: {arrow} {signed(change)} since {since} ({signed(earlier_enps.score)})")
    most = max(result.tally.values(), default=0)
    bars = [
        f"{score:>2} {'█' * (round(BAR_WIDTH * result.tally.get(score, 0) / most) if most else 0):<{BAR_WIDTH}} "
        f"{result.tally.get(score, 0)}"
        for score in SCORES
    ]
    lines.append("```" + "\n".join(bars) + "```")
    if result.breakdown is not None:
        lines.append(breakdown_text(result.breakdown))
    if result.comments:
        comments = (f"> {verbatim(' '.join(c.split())[:300])}" for c in result.comments)
        lines.append("*Comments* (no names)\n" + "\n".join(comments))
    return Reply.info(f"*{result.progress.name('closed')}*: {verbatim(pulse.question)}", *lines)


def breakdown_text(sliced: Breakdown) -> str:
    rows = breakdown_rows(sliced)
    if not rows:
        return f"*By {sliced.by}*: too few people in each {sliced.by} to show any."
    return f"*By {sliced.by}*\n" + "\n".join(f"• {row}" for row in rows)


def breakdown_rows(sliced: Breakdown) -> list[str]:
    """A slice a row: its eNPS, or that it is withheld; none when every slice is."""
    withheld = f"withheld (fewer than {sliced.threshold}, or would reveal a smaller one)"
    return [
        f"{verbatim(part.name)}: {withheld if part.enps is None else _slice_text(part.enps)}" for part in sliced.slices
    ]


def _slice_text(enps: Enps) -> str:
    return f"eNPS {signed(enps.score)} · {enps.responses} response{'' if enps.responses == 1 else 's'}"


def parse_every(text: str) -> int:
    match = _EVERY.match(text.strip())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"“{verbatim(text)}” is not an interval: use a number of days like 30d.")
    return int(match.group(1))


async def add_schedule(
    session: AsyncSession,
    requester: Requester,
    settings: Settings,
    *,
    channel_id: str | None,
    question: str | None,
    every_days: int | None,
    cron: str | None,
    first_run: datetime,
) -> Reply:
    require_admin(requester, "schedule pulses")
    schedule = await pulse_store.add_schedule(
        session,
        {
            "platform": requester.platform,
            "team_id": requester.team_id,
            "channel_id": channel_id,
            "question": clean_text(question) or default_question(settings),
            "cron": cron,
            "every_days": every_days,
            "next_run_at": first_run,
            "active": True,
            "created_by": requester.user_id,
        },
    )
    rhythm = f"on “{verbatim(cron)}” (UTC)" if cron else f"every {every_days} days"
    when = first_run.astimezone(settings.zone)
    day = f"{when:%a} {when.day} {when:%b %Y %H:%M}"
    audience = f"channel {channel_id}" if channel_id else "whole workspace"
    detail = f"{audience}; {rhythm}, first {first_run.isoformat()}"
    await audit.record(session, requester, "pulse.scheduled", f"recurring #{schedule.id}", detail)
    return Reply.ok(f"Recurring pulse #{schedule.id} set: {rhythm}, first on {day} ({settings.timezone}).")


# -- made-up answers, for the demo company only ----------------------------------------------------------------------

MAX_SIMULATED = 500
# How the demo company tends to answer: mostly passives and promoters, some detractors, so the eNPS lands in the
# positive teens to twenties, as a healthy team's does.
SIMULATED_WEIGHTS = (1, 1, 1, 2, 2, 3, 5, 12, 16, 13, 9)
NOT_DEMO = Reply.refused(
    "/pulse simulate makes up answers, so it works only in the demo company (feedbot demo): a real pulse counts "
    "real people."
)


async def simulate(
    session: AsyncSession, requester: Requester, count_text: str, people: int, rng: random.Random
) -> Reply:
    """Add `count_text` made-up answers to the latest open pulse of the demo workspace; `people` is how many the
    demo company has, the audience the response rate is counted against."""
    if not is_demo(requester.team_id):
        return NOT_DEMO
    require_admin(requester, "simulate pulse answers")
    count = parse_number(count_text)
    if count is None or not 1 <= count <= MAX_SIMULATED:
        return Reply.invalid(f"Type /pulse simulate and a number of answers, 1 to {MAX_SIMULATED}.")
    pulse = await latest_open(session, requester)
    today = utcnow().date()
    scores = rng.choices(SCORES, weights=SIMULATED_WEIGHTS, k=count)
    added = await pulse_store.add_synthetic_answers(
        session, pulse.id, [pulse_store.SyntheticAnswer(score, today) for score in scores]
    )
    answered = sum((await pulse_store.tally(session, pulse.id)).values())
    audience = max(pulse.audience_size, people, answered)
    await pulse_store.transition(session, pulse.id, ("open",), audience_size=audience)
    await audit.record(session, requester, "pulse.simulated", pulse_label(pulse.id), f"{added} made-up answers")
    return Reply.ok(
        f"Added {added} made-up answers to {pulse_label(pulse.id)}: {answered} of {audience} have answered. "
        "/pulse close, then /pulse results, shows the eNPS."
    )
