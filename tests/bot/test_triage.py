"""The feedback lifecycle on both backends: statuses, assignees, replies, merges and votes through the triage desk,
the DMs each stage queues (once per item, stage and person), the webhook event, and what stays anonymous."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.deps import Deps, build_deps
from bot.desks.releases import ReleaseDesk
from bot.desks.triage import TriageDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings, load_settings
from bot.domain.vocabulary import STATUS_NAMES, parse_status, status_name
from bot.services import home, triage
from bot.services.releases import ReleaseDraft
from comms.releases import fan_out
from storage import outbox, rows, subjects, triage_channels
from storage import triage as triage_store
from storage.models import AuditEntry, Base, Delivery, Feedback, FeedbackReply, FeedbackVote, TriagePost, utcnow

TEAM = "T0001"
ADMIN = "UADMIN01"
TRIAGER = "UTRIAGE1"
STRANGER = "USTRANGE1"
SUBMITTER = "USUBMIT1"
OTHER_SUBMITTER = "USUBMIT2"
VOTER = "UVOTER01"
SECOND_VOTER = "UVOTER02"
HIDDEN = "UHIDDEN1"  # votes and submits anonymously: must never be linked to anything
TEAMS_SUBMITTER = "29:1teamsperson"
SECRET = "the payroll export drops my overtime"


@pytest.fixture
def lifecycle_settings(database_url: str) -> Settings:
    return load_settings(
        database_url=database_url,
        admins=ADMIN,
        triagers=TRIAGER,
        secret_key=Fernet.generate_key().decode(),
        webhook_url="https://hooks.example.com/feedbot",
        webhook_secret="w" * 32,
        slack_bot_token=None,
        slack_signing_secret=None,
    )


@pytest.fixture
async def deps(lifecycle_settings: Settings) -> AsyncIterator[Deps]:
    built = build_deps(lifecycle_settings)
    yield built
    await built.db.close()


def who(user: str, *, admin: bool = False) -> Requester:
    return Requester("slack", TEAM, user, is_admin=admin)


async def add_item(
    deps: Deps, user: str | None, text: str, *, product: str | None = "Payroll", status: str = "new"
) -> int:
    async with deps.db.sessions.begin() as session:
        row = Feedback(
            platform="slack",
            team_id=TEAM,
            user_id=user,
            anonymous=user is None,
            text=text,
            product=product,
            status=status,
            source_key=f"seed:{text}",
            created_at=utcnow() - timedelta(hours=1),
        )
        session.add(row)
        await session.flush()
        return row.id


async def deliveries(deps: Deps, prefix: str = "") -> list[Delivery]:
    async with deps.db.sessions() as session:
        result = await session.execute(select(Delivery).order_by(Delivery.id))
        return [row for row in result.scalars() if row.subject.startswith(prefix)]


async def dms(deps: Deps, subject: str) -> list[str]:
    return sorted(row.recipient_id for row in await deliveries(deps, subject) if row.subject == subject)


async def everything(deps: Deps) -> dict[str, list[tuple[Any, ...]]]:
    async with deps.db.sessions() as session:
        return {
            table.name: sorted((tuple(row) for row in (await session.execute(select(table))).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


async def audit(deps: Deps) -> list[AuditEntry]:
    async with deps.db.sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def item(deps: Deps, feedback_id: int) -> Feedback:
    async with deps.db.sessions() as session:
        found = await session.get(Feedback, feedback_id)
        assert found is not None
        return found


def test_the_status_vocabulary_reads_as_people_type_it() -> None:
    assert status_name("under_review") == "under review" and STATUS_NAMES["in_progress"] == "in progress"
    assert parse_status("In progress") == parse_status("in-progress") == parse_status(" IN_PROGRESS ") == "in_progress"
    assert parse_status("done") is None and parse_status("") is None


async def test_each_stage_tells_the_submitter_and_the_voters_once(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Approve claims in bulk")
    assert (await desk.vote(who(VOTER), f"FB-{fb}")).kind == "ok"
    assert (await desk.vote(who(HIDDEN), f"FB-{fb}", anonymous=True)).kind == "ok"

    planned = await desk.set_status(who(TRIAGER), f"FB-{fb}", "planned", "In the Q1 plan")
    assert planned.kind == "ok" and "planned" in planned.text, planned
    assert await dms(deps, f"stage:planned:FB-{fb}") == sorted([SUBMITTER, VOTER])
    # The same stage again (another note, or back and forth) tells nobody twice.
    await desk.set_status(who(TRIAGER), f"FB-{fb}", "planned", "Moved to February")
    await desk.set_status(who(ADMIN, admin=True), f"FB-{fb}", "under review")
    await desk.set_status(who(TRIAGER), f"FB-{fb}", "planned")
    assert await dms(deps, f"stage:planned:FB-{fb}") == sorted([SUBMITTER, VOTER])
    assert await deliveries(deps, "stage:under_review") == []  # a stage nobody is told about

    await desk.set_status(who(TRIAGER), f"FB-{fb}", "in_progress")
    assert await dms(deps, f"stage:in_progress:FB-{fb}") == sorted([SUBMITTER, VOTER])
    (to_submitter,) = [row for row in await deliveries(deps, "stage:planned") if row.recipient_id == SUBMITTER]
    (to_voter,) = [row for row in await deliveries(deps, "stage:planned") if row.recipient_id == VOTER]
    assert "Your feedback is planned" in to_submitter.payload and "In the Q1 plan" in to_submitter.payload
    assert "Something you voted for is planned" in to_voter.payload

    stored = await item(deps, fb)
    assert (stored.status, stored.status_note, stored.status_changed_at is not None) == ("in_progress", None, True)
    # Every change is in the audit log, without the text of the item or the note.
    actions = [(entry.action, entry.actor, entry.detail) for entry in await audit(deps)]
    assert ("feedback.status", TRIAGER, "new → planned (with a note)") in actions
    assert ("feedback.status", ADMIN, "planned → under_review") in actions
    assert not any("Q1" in str(entry) or "bulk" in str(entry) for entry in actions)
    # And each change is one webhook event, without who voted.
    events = [json.loads(row.payload) for row in await deliveries(deps, "webhook:feedback.status_changed")]
    assert [event["data"]["status"] for event in events] == [
        "planned", "planned", "under_review", "planned", "in_progress"
    ]  # fmt: skip
    assert events[0]["data"] == {
        "id": f"FB-{fb}", "status": "planned", "previous_status": "new", "status_note": "In the Q1 plan",
        "duplicate_of": None, "assignee_id": None, "votes": 2, "product": "Payroll", "release": None,
    }  # fmt: skip
    assert not any(VOTER in row.payload or HIDDEN in row.payload for row in await deliveries(deps, "webhook:"))


async def test_declining_needs_a_reason_and_is_told_with_it(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Make the logo bigger")
    before = await everything(deps)
    refused = await desk.set_status(who(TRIAGER), f"FB-{fb}", "declined")
    assert refused.kind == "invalid" and "reason" in refused.text
    blank = await desk.set_status(who(TRIAGER), f"FB-{fb}", "declined", "   ")
    assert blank.kind == "invalid"
    assert await everything(deps) == before

    done = await desk.set_status(who(TRIAGER), f"FB-{fb}", "declined", "Brand guidelines fix its size <@UHR>")
    assert done.kind == "ok"
    (dm,) = await deliveries(deps, f"stage:declined:FB-{fb}")
    assert dm.recipient_id == SUBMITTER and "Brand guidelines" in dm.payload
    assert "<@UHR>" not in dm.payload  # the note is shown as typed, never as a mention


@pytest.mark.parametrize("user", [STRANGER, VOTER])
async def test_anyone_but_admins_and_triagers_is_refused_and_nothing_changes(deps: Deps, user: str) -> None:
    desk = TriageDesk(deps)
    first = await add_item(deps, SUBMITTER, "Export to CSV")
    second = await add_item(deps, OTHER_SUBMITTER, "CSV export please")
    before = await everything(deps)
    replies = [
        await desk.set_status(who(user), f"FB-{first}", "planned"),
        await desk.set_status(who(user), f"FB-{first}", "declined", "no"),
        await desk.assign(who(user), f"FB-{first}", VOTER),
        await desk.reply(who(user), f"FB-{first}", "Thanks!"),
        await desk.merge(who(user), f"FB-{second}", f"FB-{first}"),
        await desk.listing(who(user)),
    ]
    assert all(reply.kind == "refused" for reply in replies), replies
    assert "Sorry, only feedbot admins and triagers" in replies[0].text
    assert await everything(deps) == before


async def test_bad_input_is_one_clear_answer_and_changes_nothing(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Dark mode")
    before = await everything(deps)
    answers = [
        await desk.set_status(who(TRIAGER), "FB-x", "planned"),
        await desk.set_status(who(TRIAGER), "FB-999", "planned"),
        await desk.set_status(who(TRIAGER), f"FB-{fb}", "finished"),
        await desk.set_status(who(TRIAGER), f"FB-{fb}", "duplicate"),
        await desk.set_status(who(TRIAGER), f"FB-{fb}", "planned", "x" * 1001),
        await desk.assign(who(TRIAGER), f"FB-{fb}", "#general"),
        await desk.reply(who(TRIAGER), f"FB-{fb}", "  "),
        await desk.merge(who(TRIAGER), f"FB-{fb}", f"FB-{fb}"),
        await desk.merge(who(TRIAGER), f"FB-{fb}", "BUG-1"),
        await desk.listing(who(TRIAGER), status="later"),
        await desk.listing(who(TRIAGER), sort="loudest"),
    ]
    assert [answer.kind for answer in answers] == ["invalid"] * len(answers), answers
    assert all("\n" not in answer.text for answer in answers)
    assert await everything(deps) == before


async def test_a_reply_is_kept_and_dmed_and_anonymous_items_say_why_not(deps: Deps) -> None:
    desk = TriageDesk(deps)
    named = await add_item(deps, SUBMITTER, "Receipts in Portuguese")
    anonymous = await add_item(deps, None, SECRET)

    sent = await desk.reply(who(TRIAGER), f"FB-{named}", "We are looking at it: which app version?")
    assert sent.kind == "ok", sent
    (dm,) = await deliveries(deps, "reply:")
    assert dm.recipient_id == SUBMITTER and "which app version?" in dm.payload
    async with deps.db.sessions() as session:
        (kept,) = (await session.execute(select(FeedbackReply))).scalars()
    assert (kept.feedback_id, kept.author_id, kept.text) == (named, TRIAGER, "We are looking at it: which app version?")

    before = await everything(deps)
    refused = await desk.reply(who(TRIAGER), f"FB-{anonymous}", "Who are you?")
    assert refused.kind == "invalid" and "anonymously" in refused.text and "nobody to reply to" in refused.text
    assert await everything(deps) == before


async def test_assigning_and_unassigning(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Dark mode")
    assert (await desk.assign(who(TRIAGER), f"FB-{fb}", "<@UOWNER01|olga>")).kind == "ok"
    assert (await item(deps, fb)).assignee_id == "UOWNER01"
    assert (await desk.assign(who(TRIAGER), f"FB-{fb}", "UOWNER01")).kind == "info"
    assert (await desk.assign(who(TRIAGER), f"FB-{fb}", "none")).kind == "ok"
    assert (await item(deps, fb)).assignee_id is None
    assert [entry.detail for entry in await audit(deps)] == ["UOWNER01", "nobody"]


async def test_one_vote_per_person_and_anonymous_votes_name_nobody(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Approve from the phone")
    assert (await desk.vote(who(VOTER), f"FB-{fb}")).kind == "ok"
    assert (await desk.vote(who(VOTER), f"FB-{fb}")).kind == "info"
    assert (await desk.vote(who(VOTER), f"FB-{fb}", anonymous=True)).kind == "info"  # still one person
    hidden = await desk.vote(who(HIDDEN), f"FB-{fb}", anonymous=True)
    assert hidden.kind == "ok" and "anonymously" in hidden.text and "2 votes" in hidden.text
    assert (await desk.vote(who(HIDDEN), f"FB-{fb}")).kind == "info"  # the anonymous vote was theirs
    assert (await desk.vote(who(SUBMITTER), f"FB-{fb}")).kind == "info"  # their own item

    async with deps.db.sessions() as session:
        votes = list((await session.execute(select(FeedbackVote).order_by(FeedbackVote.id))).scalars())
    assert [vote.user_id for vote in votes] == [VOTER, None]
    assert votes[1].created_at.minute == 0 and votes[1].created_at.second == 0  # no exact time
    # The key is keyed: neither the id nor a plain hash of it, so the database alone leads nowhere.
    assert HIDDEN not in votes[1].voter_key
    assert votes[1].voter_key == triage.voter_keys(deps.settings, "slack", TEAM, HIDDEN)[0]
    assert all(HIDDEN not in str(row) for rows_ in (await everything(deps)).values() for row in rows_)
    entries = [(entry.actor, entry.action) for entry in await audit(deps)]
    assert entries == [(VOTER, "feedback.voted"), ("anonymous", "feedback.voted")]


async def test_anonymous_votes_need_a_key_somewhere(database_url: str) -> None:
    settings = load_settings(database_url=database_url, slack_bot_token=None, slack_signing_secret=None)
    built = build_deps(settings)
    try:
        fb = await add_item(built, SUBMITTER, "Dark mode")
        desk = TriageDesk(built)
        refused = await desk.vote(who(HIDDEN), f"FB-{fb}", anonymous=True)
        assert refused.kind == "invalid" and "FEEDBOT_SECRET_KEY" in refused.text
        assert (await desk.vote(who(VOTER), f"FB-{fb}")).kind == "ok"
        assert (await desk.vote(who(VOTER), f"FB-{fb}")).kind == "info"
    finally:
        await built.db.close()


async def test_merge_moves_everyone_and_a_release_closes_the_loop_for_all_once(deps: Deps) -> None:
    desk = TriageDesk(deps)
    target = await add_item(deps, SUBMITTER, "Bulk approve claims")
    source = await add_item(deps, OTHER_SUBMITTER, "Let managers approve many claims at once")
    anonymous_source = await add_item(deps, None, SECRET)
    await desk.vote(who(VOTER), f"FB-{target}")
    await desk.vote(who(VOTER), f"FB-{source}")  # voted for both: counts once after the merge
    await desk.vote(who(SECOND_VOTER), f"FB-{source}")
    await desk.vote(who(HIDDEN), f"FB-{source}", anonymous=True)
    await desk.vote(who(SUBMITTER), f"FB-{source}")  # the target's submitter: follows the target already

    merged = await desk.merge(who(TRIAGER), f"FB-{source}", f"FB-{target}")
    assert merged.kind == "ok" and "4 votes" in merged.text, merged
    assert (await desk.merge(who(TRIAGER), f"fb-{anonymous_source}", str(target))).kind == "ok"
    async with deps.db.sessions() as session:
        voters = await triage_store.named_voters(session, [target])
        counts = await triage_store.vote_counts(session, [target, source])
    # VOTER, SECOND_VOTER, the source's submitter by name; HIDDEN and the anonymous submitter as anonymous votes.
    assert sorted(voters) == sorted([VOTER, SECOND_VOTER, OTHER_SUBMITTER]) and counts == {target: 5}
    stored = await item(deps, source)
    assert (stored.status, stored.duplicate_of_id) == ("duplicate", target)
    assert (await desk.merge(who(TRIAGER), f"FB-{source}", f"FB-{target}")).kind == "info"
    assert (await desk.set_status(who(TRIAGER), f"FB-{source}", "planned")).kind == "invalid"

    # A merged item answers with its target's status: in App Home, for its submitter.
    await desk.set_status(who(TRIAGER), f"FB-{target}", "in progress", "Building it now")
    async with deps.db.sessions() as session:
        summary = await home.summary(session, who(OTHER_SUBMITTER))
    (shown,) = summary.submissions
    assert (shown.label, shown.status, shown.merged_into, shown.status_note) == (
        f"FB-{source}",
        "in progress",
        f"FB-{target}",
        "Building it now",
    )
    assert await dms(deps, f"stage:in_progress:FB-{target}") == sorted(
        [SUBMITTER, VOTER, SECOND_VOTER, OTHER_SUBMITTER]
    )

    # A release linking the target (or its duplicate) closes the loop for every one of them, once.
    releases = ReleaseDesk(deps)
    draft = ReleaseDraft(title="Claims 2.0", summary="Bulk approval is here.", linked=[f"FB-{source}"], send_at="now")
    assert (await releases.create(who(ADMIN, admin=True), draft)).kind == "ok"
    async with deps.db.sessions.begin() as session:
        await fan_out(session, 1, deps.settings.zone, deps.webhooks)
    told = await deliveries(deps, subjects.loop(f"FB-{target}"))
    assert sorted(row.recipient_id for row in told) == sorted([SUBMITTER, VOTER, SECOND_VOTER, OTHER_SUBMITTER])
    by_person = {row.recipient_id: row.payload for row in told}
    assert "Your feedback shipped" in by_person[SUBMITTER] and "Claims 2.0" in by_person[SUBMITTER]
    assert "Something you voted for shipped" in by_person[VOTER]
    assert (await item(deps, target)).status == "shipped" and (await item(deps, source)).status == "duplicate"
    shipped_events = [
        json.loads(row.payload)["data"]
        for row in await deliveries(deps, "webhook:feedback.status_changed")
        if json.loads(row.payload)["data"]["status"] == "shipped"
    ]
    assert [(event["id"], event["release"]) for event in shipped_events] == [(f"FB-{target}", "REL-1")]
    # Shipping it again by hand tells nobody twice.
    await desk.set_status(who(TRIAGER), f"FB-{target}", "in_progress")
    await desk.set_status(who(TRIAGER), f"FB-{target}", "shipped")
    assert len(await deliveries(deps, subjects.loop(f"FB-{target}"))) == 4
    assert not any(HIDDEN in row.recipient_id for row in await deliveries(deps))


async def test_shipped_by_hand_first_then_released_is_told_once(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, SUBMITTER, "Faster search")
    await desk.vote(who(VOTER), f"FB-{fb}")
    await desk.set_status(who(TRIAGER), f"FB-{fb}", "shipped", "Out since Monday")
    assert await dms(deps, f"loop:FB-{fb}") == sorted([SUBMITTER, VOTER])
    draft = ReleaseDraft(title="Search 2", summary="Faster.", linked=[f"FB-{fb}"], send_at="now")
    assert (await ReleaseDesk(deps).create(who(ADMIN, admin=True), draft)).kind == "ok"
    async with deps.db.sessions.begin() as session:
        await fan_out(session, 1, deps.settings.zone, deps.webhooks)
    assert await dms(deps, f"loop:FB-{fb}") == sorted([SUBMITTER, VOTER])


async def test_teams_submitters_get_cards(deps: Deps) -> None:
    fb = await add_item(deps, TEAMS_SUBMITTER, "Teams users want it too")
    await TriageDesk(deps).set_status(who(TRIAGER), f"FB-{fb}", "planned")
    (dm,) = await deliveries(deps, "stage:")
    assert dm.platform == "teams" and "application/vnd.microsoft.card.adaptive" in dm.payload


async def test_plus_one_that_instead(deps: Deps) -> None:
    desk = TriageDesk(deps)
    target = await add_item(deps, SUBMITTER, "Bulk approve")
    named = await add_item(deps, VOTER, "approve many at once")
    anonymous = await add_item(deps, None, "approve lots together")

    # Only whoever sent the new item: by name for a named one, by the claim their answer carried for an anonymous.
    before = await everything(deps)
    assert (await desk.duplicate_instead(who(STRANGER), f"FB-{named}", f"FB-{target}")).kind == "refused"
    assert (await desk.duplicate_instead(who(HIDDEN), f"FB-{anonymous}", f"FB-{target}")).kind == "refused"
    forged = triage.claim(deps.settings, who(STRANGER), anonymous)
    assert (await desk.duplicate_instead(who(HIDDEN), f"FB-{anonymous}", f"FB-{target}", forged)).kind == "refused"
    assert await everything(deps) == before

    assert (await desk.duplicate_instead(who(VOTER), f"FB-{named}", f"FB-{target}")).kind == "ok"
    claim = triage.claim(deps.settings, who(HIDDEN), anonymous)
    done = await desk.duplicate_instead(who(HIDDEN), f"FB-{anonymous}", f"FB-{target}", claim)
    assert done.kind == "ok" and "anonymous vote" in done.text
    # The person's own later +1 is recognised: one vote each.
    assert (await desk.vote(who(HIDDEN), f"FB-{target}")).kind == "info"
    async with deps.db.sessions() as session:
        votes = list((await session.execute(select(FeedbackVote).order_by(FeedbackVote.id))).scalars())
    assert [(vote.feedback_id, vote.user_id) for vote in votes] == [(target, VOTER), (target, None)]
    assert (await item(deps, anonymous)).duplicate_of_id == target
    assert [(entry.actor, entry.subject) for entry in await audit(deps)] == [
        (VOTER, f"FB-{named}"),
        ("anonymous", f"FB-{anonymous}"),
    ]


async def test_listing_by_votes_status_and_product(deps: Deps) -> None:
    desk = TriageDesk(deps)
    quiet = await add_item(deps, SUBMITTER, "Quiet one")
    loud = await add_item(deps, OTHER_SUBMITTER, "Loud one", product="Expenses")
    await add_item(deps, OTHER_SUBMITTER, "Done one", status="shipped")
    for voter in (VOTER, SECOND_VOTER):
        await desk.vote(who(voter), f"FB-{loud}")
    by_votes = await desk.listing(who(TRIAGER), sort="votes")
    assert [line.split(" · ")[0] for line in by_votes.lines] == [f"FB-{loud}", f"FB-{quiet}"]
    assert "2 votes" in by_votes.lines[0]
    assert [line.split(" · ")[0] for line in (await desk.listing(who(TRIAGER))).lines] == [f"FB-{loud}", f"FB-{quiet}"]
    only = await desk.listing(who(TRIAGER), product="expenses")
    assert [line.split(" · ")[0] for line in only.lines] == [f"FB-{loud}"]
    shipped = await desk.listing(who(TRIAGER), status="shipped")
    assert len(shipped.lines) == 1 and "Done one" in shipped.lines[0]
    assert len((await desk.listing(who(TRIAGER), status="all", limit=2)).lines) == 2


async def test_exports_carry_the_lifecycle_and_never_the_voters(deps: Deps) -> None:
    desk = TriageDesk(deps)
    fb = await add_item(deps, None, SECRET)
    other = await add_item(deps, SUBMITTER, "Same thing")
    # An anonymous item takes no votes of its own; it gets the voters of what is merged into it.
    refused = await desk.vote(who(VOTER), f"FB-{fb}")
    assert refused.kind == "invalid" and "anonymously" in refused.text
    await desk.vote(who(VOTER), f"FB-{other}")
    await desk.vote(who(HIDDEN), f"FB-{other}", anonymous=True)
    await desk.assign(who(TRIAGER), f"FB-{fb}", "UOWNER01")
    await desk.set_status(who(TRIAGER), f"FB-{fb}", "planned", "Next sprint")
    await desk.merge(who(TRIAGER), f"FB-{other}", f"FB-{fb}")
    async with deps.db.sessions() as session:
        exported = {row["id"]: row async for row in _rows(session)}
    first = exported[f"FB-{fb}"]
    assert (first["status"], first["status_note"], first["assignee"], first["votes"], first["user"]) == (
        "planned",
        "Next sprint",
        "UOWNER01",
        3,
        None,
    )
    assert exported[f"FB-{other}"]["duplicate_of"] == f"FB-{fb}"
    assert not any(person in json.dumps(exported) for person in (VOTER, HIDDEN))


async def _rows(session: Any) -> AsyncIterator[dict[str, Any]]:
    async for row, votes in triage_store.stream_with_votes(session, TEAM):
        yield rows.feedback(row, votes)


async def test_purging_a_voter_or_a_submitter_leaves_no_trace_in_the_lifecycle(deps: Deps) -> None:
    from bot.services import privacy

    desk = TriageDesk(deps)
    theirs = await add_item(deps, SUBMITTER, f"{SECRET}, every month")
    other = await add_item(deps, OTHER_SUBMITTER, "Payroll export is slow")
    await desk.vote(who(VOTER), f"FB-{theirs}")
    await desk.vote(who(SUBMITTER), f"FB-{other}")
    await desk.assign(who(TRIAGER), f"FB-{other}", SUBMITTER)
    await desk.reply(who(SUBMITTER, admin=True), f"FB-{other}", "Thanks, looking into it")
    await desk.set_status(who(TRIAGER), f"FB-{theirs}", "planned")
    assert await dms(deps, f"stage:planned:FB-{theirs}") == sorted([SUBMITTER, VOTER])
    (voter_dm,) = [row for row in await deliveries(deps, "stage:") if row.recipient_id == VOTER]
    async with deps.db.sessions.begin() as session:
        await outbox.mark_sent(session, voter_dm.id, "DVOTER", "1700000000.000100")

    async with deps.db.sessions.begin() as session:
        await privacy.purge_person(session, deps.settings.pseudonym_key, SUBMITTER)

    async with deps.db.sessions() as session:
        votes = list((await session.execute(select(FeedbackVote).order_by(FeedbackVote.id))).scalars())
        (kept_reply,) = (await session.execute(select(FeedbackReply))).scalars()
    assert [vote.user_id for vote in votes] == [VOTER]  # their vote went, the other one stays
    assert (await item(deps, other)).assignee_id is None
    assert kept_reply.author_id.startswith("erased:")
    # The voter's DM quoted the purged person's words: sent, it keeps its row and loses the quote; their own DM,
    # not sent yet, goes.
    (to_voter,) = await deliveries(deps, f"stage:planned:FB-{theirs}")
    assert (to_voter.recipient_id, to_voter.payload) == (VOTER, "{}")
    assert all(SUBMITTER not in str(row) for rows_ in (await everything(deps)).values() for row in rows_)


async def votes_of(deps: Deps) -> list[FeedbackVote]:
    async with deps.db.sessions() as session:
        return list((await session.execute(select(FeedbackVote).order_by(FeedbackVote.id))).scalars())


async def test_a_named_vote_never_unmasks_the_same_persons_anonymous_one(deps: Deps) -> None:
    """The attack: HIDDEN +1s FB-a by name (App Home), then sends anonymous FB-c and makes it "+1 FB-b instead".
    If both votes carried the same key, the table would say FB-c's author is HIDDEN."""
    desk = TriageDesk(deps)
    first = await add_item(deps, SUBMITTER, "Dark mode for the console")
    second = await add_item(deps, OTHER_SUBMITTER, "Approve expenses in bulk")
    anonymous = await add_item(deps, None, "approve many expenses at once")
    assert (await desk.vote(who(HIDDEN), f"FB-{first}")).kind == "ok"
    claim = triage.claim(deps.settings, who(HIDDEN), anonymous)
    assert (await desk.duplicate_instead(who(HIDDEN), f"FB-{anonymous}", f"FB-{second}", claim)).kind == "ok"
    named, hidden = await votes_of(deps)
    assert (named.feedback_id, named.user_id) == (first, HIDDEN) and (hidden.feedback_id, hidden.user_id) == (
        second,
        None,
    )
    assert hidden.voter_key != named.voter_key
    # Nothing stored is derived from HIDDEN's id alone: the anonymous key needs the secret, which is not stored.
    assert hidden.voter_key != triage.named_vote_key(TEAM, HIDDEN)


async def test_plus_one_instead_where_one_voted_already_changes_nothing_visible(deps: Deps) -> None:
    """The variant a triager could see: a merge that leaves the target's count alone would name its author among
    the target's named voters. So it does not happen: the anonymous item stays as it is."""
    desk = TriageDesk(deps)
    target = await add_item(deps, SUBMITTER, "Approve expenses in bulk")
    anonymous = await add_item(deps, None, "approve many expenses at once")
    assert (await desk.vote(who(HIDDEN), f"FB-{target}")).kind == "ok"
    before = await everything(deps)
    claim = triage.claim(deps.settings, who(HIDDEN), anonymous)
    kept = await desk.duplicate_instead(who(HIDDEN), f"FB-{anonymous}", f"FB-{target}", claim)
    assert kept.kind == "info" and "stays as its own item" in kept.text
    assert await everything(deps) == before


async def test_anonymous_items_take_no_votes_and_their_words_reach_no_voter(deps: Deps) -> None:
    desk = TriageDesk(deps)
    anonymous = await add_item(deps, None, SECRET)
    mine = await add_item(deps, VOTER, "overtime goes missing in the payroll export")
    before = await everything(deps)
    assert (await desk.vote(who(STRANGER), f"FB-{anonymous}")).kind == "invalid"
    claim = triage.claim(deps.settings, who(VOTER), mine)
    assert (await desk.duplicate_instead(who(VOTER), f"FB-{mine}", f"FB-{anonymous}", claim)).kind == "invalid"
    assert await everything(deps) == before

    # A triager may merge a named item into an anonymous one: its submitter becomes a voter, told which item moved
    # and never what it says.
    assert (await desk.merge(who(TRIAGER), f"FB-{mine}", f"FB-{anonymous}")).kind == "ok"
    assert (await desk.set_status(who(TRIAGER), f"FB-{anonymous}", "planned")).kind == "ok"
    (told,) = [row for row in await deliveries(deps, "stage:planned:") if row.recipient_id == VOTER]
    assert SECRET not in told.payload and "payroll" not in told.payload and f"FB-{anonymous}" in told.payload


async def test_a_merge_counts_a_persons_named_and_anonymous_votes_once(deps: Deps) -> None:
    desk = TriageDesk(deps)
    source = await add_item(deps, SUBMITTER, "Approve expenses in bulk")
    target = await add_item(deps, OTHER_SUBMITTER, "bulk approval of expenses")
    assert (await desk.vote(who(HIDDEN), f"FB-{source}")).kind == "ok"
    assert (await desk.vote(who(HIDDEN), f"FB-{target}", anonymous=True)).kind == "ok"
    assert (await desk.merge(who(TRIAGER), f"FB-{source}", f"FB-{target}")).kind == "ok"
    # HIDDEN once, SUBMITTER (the source's submitter) once.
    assert sorted((vote.feedback_id, vote.user_id or "") for vote in await votes_of(deps)) == sorted(
        [(target, ""), (target, SUBMITTER)]
    )


async def test_an_anonymous_vote_shows_on_the_triage_post_only_after_its_hour(deps: Deps) -> None:
    desk = TriageDesk(deps)
    target = await add_item(deps, SUBMITTER, "Approve expenses in bulk")
    async with deps.db.sessions.begin() as session:
        session.add(TriagePost(item=f"FB-{target}", team_id=TEAM, channel_id="C0TRIAGE1", ts="1.1"))
    voted = utcnow()
    assert (await desk.vote(who(HIDDEN), f"FB-{target}", anonymous=True)).kind == "ok"
    async with deps.db.sessions() as session:
        (post,) = (await session.scalars(select(TriagePost))).all()
        due_now = await triage_channels.due_redraws(session, ())
    hour = voted.replace(minute=0, second=0, microsecond=0)
    assert post.redraw_due and post.changed_at is not None
    assert hour + timedelta(hours=1) <= post.changed_at < hour + timedelta(hours=1, minutes=15)
    assert due_now == []
    assert (await desk.vote(who(VOTER), f"FB-{target}")).kind == "ok"
    async with deps.db.sessions() as session:
        assert [found.item for found in await triage_channels.due_redraws(session, ())] == [f"FB-{target}"]
