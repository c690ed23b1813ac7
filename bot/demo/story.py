"""Twelve weeks of the demo company, as plans: what people said and reported, when, what shipped, how they
answered the pulses. Pure: the same seed and `now` always tell the same story, and every time is relative to
`now`, so the demo is fresh on every run. bot/demo/fill.py writes it."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.demo.company import (
    EXPENSES,
    OPS,
    PEOPLE,
    PRODUCT_OWNERS,
    SCHEDULING,
    SUPPORT_CONSOLE,
    SUPPORT_FLOOR,
    Person,
    employees,
)
from bot.domain.anonymity import on_the_hour
from bot.domain.enps import Enps

WEEKS = 12
# Feedback per week, oldest first: word of the bot spreads, so recent weeks are busier.
WEEKLY_FEEDBACK = (5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 11, 13)
ANONYMOUS_SHARE = 0.15
PULSE_QUESTION = "How likely are you to recommend working here to a friend?"
PULSE_DAYS = 5
# The four monthly pulses: days before now they were launched, and the eNPS each comes out near (as near as
# its number of answers allows: 25 answers move it in steps of 4).
PULSE_DAYS_AGO = (97, 69, 41, 13)
ENPS_TREND = (-5, 10, 18, 25)
PULSE_ANSWERS = (25, 35)  # of the 40 people asked: always above any sensible anonymity threshold
PULSE_LAUNCHER = PRODUCT_OWNERS[EXPENSES]


@dataclass(frozen=True)
class Theme:
    """Something people keep saying about one product. Before `pivot_days_ago` (a release that addressed it)
    it comes up with `weight_before`, after with `weight_after`."""

    key: str
    product: str
    category: str
    texts: tuple[str, ...]
    departments: tuple[str, ...]
    weight_before: float
    weight_after: float
    pivot_days_ago: float = 0

    def weight(self, days_ago: float) -> float:
        return self.weight_before if days_ago > self.pivot_days_ago else self.weight_after


SUPPORT_AND_OPS = ("Support", "Operations")
EVERYONE = ("Engineering", "Operations", "Sales", "Support", "Finance", "Product")

THEMES = (
    Theme(
        "expense-approval",
        EXPENSES,
        "problem",
        (
            "Expense approval takes forever: my claim from the client trip has waited 12 days for my manager.",
            "The approval request never reaches my manager, so I chase them in chat instead.",
            "Why does an expense under 50 EUR need two approvals? It doubles the wait for nothing.",
            "Approvers have no way to approve several expenses at once; Friday afternoons are one click per receipt.",
            "I was reimbursed a month late because the approval sat in someone's inbox while they were on leave.",
            "Expense approval status just says 'pending'. Pending with whom?",
            "Please let managers approve expenses from their phone, the approval page is desktop-only.",
        ),
        EVERYONE,
        3.0,
        0.4,
        2,
    ),
    Theme(
        "expense-receipts",
        EXPENSES,
        "idea",
        (
            "Let me photograph receipts with my phone instead of scanning them at the office.",
            "Could Expense Hub read the amount and date off the receipt? Typing them is error-prone.",
            "Card transactions should show up as draft expenses automatically, receipts attached later.",
            "Mileage claims need a map, not a free-text field for kilometres.",
        ),
        EVERYONE,
        1.2,
        1.2,
    ),
    Theme(
        "expense-praise",
        EXPENSES,
        "praise",
        (
            "One-tap approval is brilliant: my team's expenses were approved before lunch.",
            "Expense Hub 3.0 finally tells me who has to approve my claim. Thank you!",
            "Approved twenty receipts on the train this morning. Huge improvement.",
        ),
        EVERYONE,
        0.0,
        3.0,
        2,
    ),
    Theme(
        "sso-logout",
        SUPPORT_CONSOLE,
        "problem",
        (
            "Support Console logs me out (SSO) every hour, in the middle of a customer call.",
            "After the SSO logout I lose the reply I was typing to the customer.",
            "Getting logged out of the console several times per shift; the SSO prompt loops twice.",
            "The SSO session expires while a ticket is open and my notes disappear.",
            "Night shift: logged out of Support Console at 3am and locked out until IT was awake.",
        ),
        ("Support",),
        4.0,
        0.5,
        49,
    ),
    Theme(
        "console-search",
        SUPPORT_CONSOLE,
        "idea",
        (
            "Search in the console should find tickets by the customer's phone number.",
            "Macros for the ten answers we type every day would save the team hours.",
            "Show the customer's previous tickets next to the current one.",
            "Let us merge duplicate tickets from the same customer.",
        ),
        ("Support",),
        1.5,
        1.5,
    ),
    Theme(
        "console-praise",
        SUPPORT_CONSOLE,
        "praise",
        (
            "No more logouts since the console update. The night shift is grateful.",
            "The console stays signed in the whole shift now. Thanks, team!",
        ),
        ("Support",),
        0.0,
        1.0,
        49,
    ),
    Theme(
        "mobile-scheduling",
        SCHEDULING,
        "problem",
        (
            "ShiftPlanner on mobile does not let me swap shifts; I have to find a laptop.",
            "The mobile schedule shows last week's shifts until I log out and back in.",
            "Swapping a shift on the phone app crashes on Android.",
            "Can't see who else is on shift from the mobile app.",
            "Shift swap requests from mobile never reach the coordinator.",
        ),
        SUPPORT_AND_OPS,
        3.0,
        0.6,
        20,
    ),
    Theme(
        "open-shifts",
        SCHEDULING,
        "idea",
        (
            "Post open shifts somewhere so people can pick them up instead of the coordinator calling around.",
            "Let me mark the shifts I'd like to pick up when someone is out sick.",
            "A weekly view of open shifts per site would make covering holidays much easier.",
        ),
        SUPPORT_AND_OPS,
        1.5,
        1.5,
    ),
    Theme(
        "scheduling-praise",
        SCHEDULING,
        "praise",
        (
            "Swapped a shift from my phone in ten seconds. Thank you!",
            "The new mobile schedule is so much better, it updates right away.",
        ),
        SUPPORT_AND_OPS,
        0.0,
        1.5,
        20,
    ),
)

# Sentences a person may add: the same complaint never reads word for word the same.
ASIDES = (
    *("",) * 8,
    " Happened again today.",
    " Several of us see this.",
    " Happy to show someone.",
    " Costs me time every week.",
)


@dataclass(frozen=True)
class FeedbackPlan:
    theme: str
    text: str
    product: str
    category: str
    user_id: str | None  # None: anonymous
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class BugPlan:
    theme: str
    title: str
    what_happened: str
    expected: str
    severity: str
    product: str
    status: str  # open, fixed or closed; shipped ones are marked when their release goes out
    reporter_id: str
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReleasePlan:
    product: str
    title: str
    version: str
    summary: str
    deer_text: str
    details: str
    exec_summary: str
    affected: str
    status: str  # sent, cancelled or scheduled (in the future)
    send_at: datetime
    created_at: datetime
    created_by: str
    linked_feedback: tuple[int, ...] = ()  # indexes into Story.feedback
    linked_bugs: tuple[int, ...] = ()  # indexes into Story.bugs
    acknowledgements: tuple[tuple[str, datetime], ...] = ()  # lions, and when


@dataclass(frozen=True)
class AnswerPlan:
    score: int
    answered_on: date
    respondent: str
    comment: str | None = None


@dataclass(frozen=True)
class PulsePlan:
    question: str
    created_at: datetime
    closes_at: datetime
    audience_size: int
    created_by: str
    answers: tuple[AnswerPlan, ...]
    enps: int


@dataclass(frozen=True)
class Story:
    now: datetime
    people: tuple[Person, ...]
    feedback: tuple[FeedbackPlan, ...]
    bugs: tuple[BugPlan, ...]
    releases: tuple[ReleasePlan, ...]
    pulses: tuple[PulsePlan, ...] = field(default=())


def department_channel(person: Person) -> str | None:
    return {"Support": SUPPORT_FLOOR.id, "Operations": OPS.id}.get(person.department)


def _pick_person(rng: random.Random, departments: tuple[str, ...]) -> Person:
    staff = employees()
    near = [p for p in staff if p.department in departments]
    return rng.choice(near if near and rng.random() < 0.85 else staff)


def tell_feedback(rng: random.Random, now: datetime) -> tuple[FeedbackPlan, ...]:
    plans = []
    for week, count in enumerate(WEEKLY_FEEDBACK):
        weeks_ago = WEEKS - 1 - week
        for _ in range(count):
            days_ago = 7 * weeks_ago + rng.uniform(0.05, 6.95)
            weights = [theme.weight(days_ago) for theme in THEMES]
            theme = rng.choices(THEMES, weights=weights)[0]
            author = _pick_person(rng, theme.departments)
            anonymous = rng.random() < ANONYMOUS_SHARE
            created = now - timedelta(days=days_ago)
            plans.append(
                FeedbackPlan(
                    theme=theme.key,
                    text=rng.choice(theme.texts) + rng.choice(ASIDES),
                    product=theme.product,
                    category=theme.category,
                    user_id=None if anonymous else author.id,
                    channel_id=None if anonymous else department_channel(author),
                    # As the intake keeps it: an anonymous item's time only to the hour.
                    created_at=on_the_hour(created) if anonymous else created,
                )
            )
    return tuple(sorted(plans, key=lambda plan: plan.created_at))


# (theme, title, what happened, expected, severity, product, status, days ago)
BUGS = (
    (
        "sso-logout",
        "Console session ends after 60 minutes",
        "The SSO session expires after an hour and the console redirects to the login page, losing the open reply.",
        "Stay signed in for the whole shift.",
        "blocker",
        SUPPORT_CONSOLE,
        "open",
        78,
    ),
    (
        "sso-logout",
        "SSO login loops twice after timeout",
        "After a timeout the SSO prompt appears, I sign in, and it asks again.",
        "One sign-in.",
        "major",
        SUPPORT_CONSOLE,
        "open",
        66,
    ),
    (
        "sso-logout",
        "Draft reply lost on re-login",
        "Typed a long reply, got logged out, and the draft was gone after signing back in.",
        "The draft is kept.",
        "major",
        SUPPORT_CONSOLE,
        "open",
        57,
    ),
    (
        "console-search",
        "Search ignores phone numbers with spaces",
        "Searching '+44 161 555' finds nothing; '+44161555' finds the ticket.",
        "Both find it.",
        "minor",
        SUPPORT_CONSOLE,
        "fixed",
        71,
    ),
    (
        "console-search",
        "Ticket list sorts 10 before 9",
        "Ticket numbers sort as text in the queue view.",
        "Numeric order.",
        "minor",
        SUPPORT_CONSOLE,
        "open",
        30,
    ),
    (
        "console-search",
        "Customer history panel empty for merged accounts",
        "Merged customer accounts show no previous tickets.",
        "The history of both accounts.",
        "major",
        SUPPORT_CONSOLE,
        "open",
        12,
    ),
    (
        "expense-approval",
        "Approval emails not sent to delegates",
        "When a manager sets a delegate, approval requests still go only to the manager.",
        "The delegate is asked.",
        "major",
        EXPENSES,
        "open",
        40,
    ),
    (
        "expense-approval",
        "Approved expense shows as pending",
        "My manager approved it yesterday; the claim still says pending.",
        "Status updates once approved.",
        "major",
        EXPENSES,
        "open",
        16,
    ),
    (
        "expense-approval",
        "Approval page times out with 100+ items",
        "Managers with many pending expenses get a timeout on the approval page.",
        "The page loads.",
        "major",
        EXPENSES,
        "open",
        9,
    ),
    (
        "expense-receipts",
        "Receipt upload fails for HEIC photos",
        "iPhone photos (HEIC) are rejected as 'unsupported file'.",
        "HEIC accepted or converted.",
        "minor",
        EXPENSES,
        "open",
        24,
    ),
    (
        "expense-receipts",
        "Currency rounding off by one cent",
        "A claim in USD converts to EUR one cent below the bank's amount.",
        "The bank's amount.",
        "minor",
        EXPENSES,
        "fixed",
        62,
    ),
    (
        "expense-receipts",
        "Mileage rate still last year's",
        "Mileage is reimbursed at last year's rate.",
        "This year's rate.",
        "major",
        EXPENSES,
        "fixed",
        80,
    ),
    (
        "expense-receipts",
        "Duplicate receipt warning on different days",
        "Two taxi rides with the same amount on different days are flagged as duplicates.",
        "Only the same day and vendor are duplicates.",
        "minor",
        EXPENSES,
        "closed",
        50,
    ),
    (
        "mobile-scheduling",
        "Android app crashes on shift swap",
        "Tapping 'Swap' on Android 14 closes the app.",
        "The swap screen opens.",
        "blocker",
        SCHEDULING,
        "open",
        34,
    ),
    (
        "mobile-scheduling",
        "Mobile schedule shows stale week",
        "The mobile schedule keeps showing last week until I sign out.",
        "The current week.",
        "major",
        SCHEDULING,
        "open",
        28,
    ),
    (
        "mobile-scheduling",
        "Swap requests not reaching coordinators",
        "A swap requested on mobile never appears in the coordinator's queue.",
        "It appears within a minute.",
        "major",
        SCHEDULING,
        "open",
        25,
    ),
    (
        "open-shifts",
        "Time zone wrong for Lisbon site",
        "Shifts at the Lisbon site show an hour off in winter.",
        "Local time at the site.",
        "major",
        SCHEDULING,
        "fixed",
        55,
    ),
    (
        "open-shifts",
        "Holiday calendar missing Irish bank holidays",
        "Irish bank holidays are not marked in the planner.",
        "They are marked.",
        "minor",
        SCHEDULING,
        "open",
        19,
    ),
    (
        "open-shifts",
        "Export to CSV drops the night shift",
        "Exporting the week to CSV leaves out shifts that end after midnight.",
        "Every shift exported.",
        "major",
        SCHEDULING,
        "open",
        6,
    ),
    (
        "mobile-scheduling",
        "Push notification opens the wrong day",
        "Tapping a 'shift changed' notification opens today instead of the changed day.",
        "The changed day.",
        "minor",
        SCHEDULING,
        "open",
        4,
    ),
    (
        "console-search",
        "Console blank after browser update",
        "After the Chrome update the console loads a blank page for some agents.",
        "The console loads.",
        "blocker",
        SUPPORT_CONSOLE,
        "open",
        9,
    ),
    (
        "expense-receipts",
        "Typo in reimbursement email",
        "The email says 'reimbursment'.",
        "Spelled right.",
        "minor",
        EXPENSES,
        "closed",
        45,
    ),
    (
        "open-shifts",
        "Shift notes cut at 200 characters",
        "Long handover notes are cut without warning.",
        "The whole note is kept.",
        "minor",
        SCHEDULING,
        "open",
        2,
    ),
)


def tell_bugs(rng: random.Random, now: datetime) -> tuple[BugPlan, ...]:
    themes = {theme.key: theme for theme in THEMES}
    plans = []
    for theme, title, happened, expected, severity, product, status, days_ago in BUGS:
        reporter = _pick_person(rng, themes[theme].departments)
        plans.append(
            BugPlan(
                theme=theme,
                title=title,
                what_happened=happened,
                expected=expected,
                severity=severity,
                product=product,
                status=status,
                reporter_id=reporter.id,
                channel_id=department_channel(reporter),
                created_at=now - timedelta(days=days_ago, hours=rng.uniform(0, 20)),
            )
        )
    return tuple(sorted(plans, key=lambda plan: plan.created_at))


def _at_nine(now: datetime, days: int) -> datetime:
    """09:00 UTC on the day `days` from now (negative: ago), the hour a PM would pick."""
    return (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


def _latest(items: Sequence[FeedbackPlan | BugPlan], theme: str, before: datetime, count: int) -> tuple[int, ...]:
    """The `count` newest items of a theme, reported well before a release went out: what it addressed."""
    matching = [
        index
        for index, item in enumerate(items)
        if item.theme == theme and item.created_at < before - timedelta(hours=6)
    ]
    return tuple(matching[-count:])


def tell_releases(
    rng: random.Random, now: datetime, feedback: tuple[FeedbackPlan, ...], bugs: tuple[BugPlan, ...]
) -> tuple[ReleasePlan, ...]:
    lions = ("UDEMO001", "UDEMO002", "UDEMO003")

    def acks(send_at: datetime, who: tuple[str, ...]) -> tuple[tuple[str, datetime], ...]:
        return tuple((lion, send_at + timedelta(hours=rng.uniform(0.5, 30))) for lion in who)

    console_at = _at_nine(now, -49)
    receipts_at = _at_nine(now, -35)
    mobile_at = _at_nine(now, -20)
    approval_at = _at_nine(now, -2)
    open_shifts_at = _at_nine(now, 3)
    return (
        ReleasePlan(
            product=SUPPORT_CONSOLE,
            title="Support Console stays signed in all shift",
            version="4.2",
            summary="The console now keeps you signed in for up to 12 hours, and a draft reply survives a sign-in.",
            deer_text="You will no longer be logged out of the Support Console mid-shift. If you are ever asked to "
            "sign in again, your unsent reply is still there. Questions? Ask in #support-floor.",
            details="SSO sessions are refreshed silently in the background (12-hour maximum, as security agreed). "
            "Draft replies are saved every 5 seconds. Fixes the hourly logouts reported since September.",
            exec_summary="Support agents stop losing time to hourly logouts (about 20 minutes per agent per day). "
            "No decision needed.",
            affected="Every support agent, all sites; night shift most of all.",
            status="sent",
            send_at=console_at,
            created_at=console_at - timedelta(days=3, hours=2),
            created_by=PRODUCT_OWNERS[SUPPORT_CONSOLE],
            linked_feedback=_latest(feedback, "sso-logout", console_at, 5),
            linked_bugs=_latest(bugs, "sso-logout", console_at, 3),
            acknowledgements=acks(console_at, (lions[0], lions[2])),
        ),
        ReleasePlan(
            product=EXPENSES,
            title="Receipt scanning in Expense Hub",
            version="2.9",
            summary="Photograph a receipt and Expense Hub fills in amount, date and vendor.",
            deer_text="Take a photo of your receipt; the amount and date fill themselves in.",
            details="OCR by the document service; HEIC photos supported.",
            exec_summary="Faster expense claims for everyone. Postponed: the vendor contract is under review.",
            affected="Everyone who claims expenses.",
            status="cancelled",
            send_at=receipts_at,
            created_at=receipts_at - timedelta(days=4),
            created_by=PRODUCT_OWNERS[EXPENSES],
        ),
        ReleasePlan(
            product=SCHEDULING,
            title="ShiftPlanner mobile: swap shifts from your phone",
            version="2.0",
            summary="Swap shifts, see who is on shift and get your schedule up to date, all from the mobile app.",
            deer_text="You can now swap a shift from your phone: open the shift, tap Swap, pick a colleague. Your "
            "coordinator sees the request at once. Help: #ops.",
            details="New mobile swap flow (iOS and Android), live schedule refresh, coordinator queue notifications. "
            "Fixes the Android crash on swap.",
            exec_summary="Shift swaps no longer need a laptop or a phone call to the coordinator. No decision needed.",
            affected="Shift workers in Operations and Support; coordinators.",
            status="sent",
            send_at=mobile_at,
            created_at=mobile_at - timedelta(days=2, hours=5),
            created_by=PRODUCT_OWNERS[SCHEDULING],
            linked_feedback=_latest(feedback, "mobile-scheduling", mobile_at, 4),
            linked_bugs=_latest(bugs, "mobile-scheduling", mobile_at, 3),
            acknowledgements=acks(mobile_at, (lions[2], lions[1])),
        ),
        ReleasePlan(
            product=EXPENSES,
            title="Expense Hub 3.0: approvals in one tap",
            version="3.0",
            summary="Managers approve expenses in one tap, several at once, on the phone too; every claim shows "
            "who it waits for.",
            deer_text="Your expense claim now shows who has to approve it. Managers can approve from their phone, "
            "so you should be paid sooner.",
            details="Bulk approval, mobile approval page, delegates receive approval requests, single approval "
            "below 50 EUR (finance agreed). Addresses the most frequent feedback of the quarter.",
            exec_summary="Expense approval time should drop from about 9 days to 2. Decision needed: extend "
            "single approval to claims under 100 EUR?",
            affected="Everyone who claims expenses; every approver.",
            status="sent",
            send_at=approval_at,
            created_at=approval_at - timedelta(days=3),
            created_by=PRODUCT_OWNERS[EXPENSES],
            linked_feedback=_latest(feedback, "expense-approval", approval_at, 5),
            linked_bugs=_latest(bugs, "expense-approval", approval_at, 1),
            acknowledgements=acks(approval_at, (lions[1],)),
        ),
        ReleasePlan(
            product=SCHEDULING,
            title="ShiftPlanner: an open shifts board",
            version="2.1",
            summary="Open shifts are posted on a board; anyone qualified can pick one up.",
            deer_text="When a shift needs covering it appears on the Open shifts board. Pick it up in one tap.",
            details="Open shifts board per site, eligibility by role, coordinator approval optional.",
            exec_summary="Covering absences without phone calls. No decision needed.",
            affected="Shift workers and coordinators in Operations and Support.",
            status="scheduled",
            send_at=open_shifts_at,
            created_at=now - timedelta(days=1, hours=3),
            created_by=PRODUCT_OWNERS[SCHEDULING],
        ),
    )


PULSE_COMMENTS = (
    "Expense approvals take too long.",
    "Getting logged out of the console all the time is exhausting.",
    "Great team, tools are getting better.",
    "Swapping shifts is still painful.",
    "I like that product listens to us now.",
    "More training for new joiners, please.",
    "The new mobile schedule helps a lot.",
    "Leadership is more visible than a year ago.",
)


def answer_counts(target: int, answers: int) -> tuple[int, int, int]:
    """(promoters, passives, detractors) among `answers` whose eNPS comes as close to `target` as that many
    answers allow, with a believable share of detractors (more when the mood is low)."""
    difference = round(target * answers / 100)
    detractors = max(0, min(answers, round(answers * (0.3 - target / 400))))
    promoters = max(0, detractors + difference)
    detractors = promoters - difference
    return promoters, answers - promoters - detractors, detractors


def tell_pulses(rng: random.Random, now: datetime, audience: int) -> tuple[PulsePlan, ...]:
    plans = []
    for days_ago, target in zip(PULSE_DAYS_AGO, ENPS_TREND, strict=True):
        created = (now - timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)
        closes = created + timedelta(days=PULSE_DAYS)
        promoters, passives, detractors = answer_counts(target, rng.randint(*PULSE_ANSWERS))
        scores = (
            [rng.choice((9, 9, 10)) for _ in range(promoters)]
            + [rng.choice((7, 8, 8)) for _ in range(passives)]
            + [rng.choice((3, 4, 5, 5, 6, 6, 6)) for _ in range(detractors)]
        )
        rng.shuffle(scores)
        answers = tuple(
            AnswerPlan(
                score=score,
                answered_on=(created + timedelta(days=rng.randrange(PULSE_DAYS))).date(),
                respondent=f"{rng.getrandbits(256):064x}",
                comment=rng.choice(PULSE_COMMENTS) if rng.random() < 0.25 else None,
            )
            for score in scores
        )
        enps = Enps.from_tally(dict(Counter(scores))).score
        plans.append(PulsePlan(PULSE_QUESTION, created, closes, audience, PULSE_LAUNCHER, answers, enps))
    return tuple(plans)


def tell(seed: int, now: datetime) -> Story:
    rng = random.Random(seed)
    feedback = tell_feedback(rng, now)
    bugs = tell_bugs(rng, now)
    releases = tell_releases(rng, now, feedback, bugs)
    pulses = tell_pulses(rng, now, len(PEOPLE))
    return Story(now, PEOPLE, feedback, bugs, releases, pulses)
