"""Tables. Every row that belongs to a workspace carries `platform` and `team_id` (Slack team, Teams tenant)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "source_key", name="uq_feedback_source"),
        Index("ix_feedback_submitter", "platform", "team_id", "user_id", "created_at"),
        Index("ix_feedback_team_created", "team_id", "created_at"),
        Index("ix_feedback_team_shipped", "team_id", "shipped_at"),
        Index("ix_feedback_tracker", "tracker", "tracker_key"),
        Index("ix_feedback_team_status", "team_id", "status"),
        Index("ix_feedback_duplicate_of", "duplicate_of_id"),
        Index("ix_feedback_release", "release_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    # NULL when the submitter chose to share anonymously: nothing links the text to a person.
    user_id: Mapped[str | None] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    channel_id: Mapped[str | None] = mapped_column(String(64))
    permalink: Mapped[str | None] = mapped_column(Text)
    shipped_release_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL", name="fk_feedback_shipped_release")
    )
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What makes a Slack retry or a double-click the same submission (trigger id, view id, message ts).
    source_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Filed in an issue tracker (comms/trackers/): which one, its key (EXP-12, ENG-3, #42) and link, and its
    # status there ("queued" and "failed" are ours, until the tracker has one).
    tracker: Mapped[str | None] = mapped_column(String(16))
    tracker_key: Mapped[str | None] = mapped_column(String(64))
    tracker_url: Mapped[str | None] = mapped_column(Text)
    tracker_status: Mapped[str | None] = mapped_column(String(64))
    # Triage (bot/services/triage.py): who looks after it, the item it duplicates (its status is then the
    # target's), the team's note on the status (a decline's reason), and when the status last changed.
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="SET NULL", name="fk_feedback_duplicate_of")
    )
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A question asked from a release note's "Ask a question" (category "question"): the release it is about.
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL", name="fk_feedback_release")
    )


class FeedbackReply(Base):
    """What the team answered the submitter of a feedback item (DMed to them, kept here)."""

    __tablename__ = "feedback_replies"
    __table_args__ = (Index("ix_feedback_replies_item", "feedback_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE", name="fk_feedback_replies_feedback")
    )
    author_id: Mapped[str] = mapped_column(String(128))  # a user id, or "cli"
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedbackVote(Base):
    """One person's +1 on a feedback item. `voter_key` is a hash of (workspace, person) keyed with a secret that
    is never in the database (bot/services/triage.py): unique per item, so one vote per person, and for an
    anonymous vote (`user_id` NULL) it leads to nobody without that secret."""

    __tablename__ = "feedback_votes"
    __table_args__ = (
        UniqueConstraint("feedback_id", "voter_key", name="uq_feedback_votes_voter"),
        Index("ix_feedback_votes_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE", name="fk_feedback_votes_feedback")
    )
    user_id: Mapped[str | None] = mapped_column(String(64))
    voter_key: Mapped[str] = mapped_column(String(64))
    # An anonymous vote's time is on the hour, like an anonymous item's: nothing to line up with.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bug(Base):
    __tablename__ = "bugs"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "source_key", name="uq_bugs_source"),
        Index("ix_bugs_reporter", "platform", "team_id", "reporter_id", "created_at"),
        Index("ix_bugs_team_status", "team_id", "status", "severity"),
        Index("ix_bugs_team_shipped", "team_id", "shipped_at"),
        Index("ix_bugs_tracker", "tracker", "tracker_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    reporter_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    what_happened: Mapped[str] = mapped_column(Text)
    expected: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(200))
    # open → shipped (in a release) | fixed, closed (its tracker issue done, or closed as not planned)
    status: Mapped[str] = mapped_column(String(16), default="open")
    channel_id: Mapped[str | None] = mapped_column(String(64))
    permalink: Mapped[str | None] = mapped_column(Text)
    tracker_key: Mapped[str | None] = mapped_column(String(64))
    tracker: Mapped[str | None] = mapped_column(String(16))  # as on Feedback
    tracker_url: Mapped[str | None] = mapped_column(Text)
    tracker_status: Mapped[str | None] = mapped_column(String(64))
    shipped_release_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL", name="fk_bugs_shipped_release")
    )
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Stakeholder(Base):
    """A user or channel in one tier (deer, monkey, elephant, lion) of a workspace's stakeholder map."""

    __tablename__ = "stakeholders"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "target_id", name="uq_stakeholders_target"),
        Index("ix_stakeholders_tier", "platform", "team_id", "tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(128))
    target_kind: Mapped[str] = mapped_column(String(16))  # "user" or "channel"
    tier: Mapped[str] = mapped_column(String(16))
    # How the map names them to the admins who read it, where the platform cannot draw a mention from the id
    # alone: Teams gives a person's or channel's name with the @mention (or the conversation) it came from.
    name: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        Index("ix_releases_due", "status", "send_at"),
        Index("ix_releases_report_due", "report_due"),
        UniqueConstraint("platform", "team_id", "source_key", name="uq_releases_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(150))
    version: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    deer_text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    exec_summary: Mapped[str | None] = mapped_column(Text)
    affected: Mapped[str | None] = mapped_column(Text)
    linked_items: Mapped[str] = mapped_column(Text, default="")  # space-separated labels: "FB-1 BUG-2"
    # draft → (awaiting_approval →) scheduled → sending → sent; or cancelled / missed
    status: Mapped[str] = mapped_column(String(20))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source_key: Mapped[str | None] = mapped_column(String(255))  # the drafting modal's view id
    # When set, people get it at send_at's wall-clock time in their own time zone; channels at send_at.
    per_recipient_time: Mapped[bool] = mapped_column(default=False)
    # Where the author's delivery report landed (Slack), so it is redrawn in place; report_due once something it
    # shows changed (a delivery settled, a lion acknowledged or was reminded), report_updated_at when last drawn:
    # the redraw waits for a quiet interval, whichever process does it.
    report_channel: Mapped[str | None] = mapped_column(String(64))
    report_ts: Mapped[str | None] = mapped_column(String(32))
    report_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_due: Mapped[bool] = mapped_column(default=False, server_default=false())


class ReleaseFormDraft(Base):
    """A release note form as its author last submitted it, to resume later (`/release drafts`). `release_id` is
    the release the preview showed, still a draft; scheduling it deletes this row, and so does expiry."""

    __tablename__ = "release_drafts"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "view_key", name="uq_release_drafts_view"),
        Index("ix_release_drafts_author", "platform", "team_id", "created_by", "saved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    fields: Mapped[str] = mapped_column(Text)  # JSON: the form's values, as typed
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"))
    view_key: Mapped[str | None] = mapped_column(String(255))  # the form's view: a repeated submission is one draft
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReleaseTemplate(Base):
    """A product's usual release note form (`/release templates save|use <product>`), one per product."""

    __tablename__ = "release_templates"
    __table_args__ = (UniqueConstraint("platform", "team_id", "product_key", name="uq_release_templates_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(100))  # as typed; matched case-insensitively through `product_key`
    product_key: Mapped[str] = mapped_column(String(100))
    fields: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReleaseAcknowledgement(Base):
    __tablename__ = "release_acknowledgements"
    __table_args__ = (UniqueConstraint("release_id", "user_id", name="uq_release_ack"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """The outbox: one row per message to send. (subject, recipient) is unique, so a second trigger of the
    same send adds nothing and every recipient hears about a subject exactly once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subject", "recipient_id", name="uq_deliveries_subject_recipient"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_release", "release_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is about, built in storage/subjects.py: "release:12", "loop:FB-7", "webhook:bug.created:BUG-3"
    subject: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    tier: Mapped[str | None] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(128))
    # "user" or "channel"; "webhook" for a webhook event, "bug" or "feedback" for an item filed in a tracker
    recipient_kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # JSON, as the platform's Sender takes it (comms/senders.py)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
    sent_channel: Mapped[str | None] = mapped_column(String(64))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    # The platform's link to the copy, kept for a release's lion DMs and channel posts: the digest links each shipped
    # release to the reader's own copy (or a channel post), without asking Slack again whenever a digest is made.
    permalink: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "2026-12-01T09:00:00": send at this wall-clock time in the recipient's time zone (resolved on first claim)
    local_wall_time: Mapped[str | None] = mapped_column(String(19))


class UserTimezone(Base):
    """Cached from users.info, so a release "at 09:00 local time" costs one lookup per person, ever."""

    __tablename__ = "user_timezones"
    __table_args__ = (UniqueConstraint("platform", "team_id", "user_id", name="uq_user_timezones_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PulseSchedule(Base):
    """A recurring pulse: launched again every `every_days` days or on a cron expression."""

    __tablename__ = "pulse_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    cron: Mapped[str | None] = mapped_column(String(64))
    every_days: Mapped[int | None] = mapped_column()
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Pulse(Base):
    __tablename__ = "pulses"
    __table_args__ = (
        Index("ix_pulses_team", "platform", "team_id", "created_at"),
        Index("ix_pulses_status", "status", "closes_at"),
        UniqueConstraint("schedule_id", "run_at", name="uq_pulses_schedule_run"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(String(64))  # None: everyone in the workspace
    status: Mapped[str] = mapped_column(String(16))  # launching, open, closed
    audience_size: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    launch_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("pulse_schedules.id", ondelete="SET NULL", name="fk_pulses_schedule")
    )
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the schedule's slot this pulse fills
    # Keys this pulse's answers (bot/services/pulses.respondent_key) while it runs; set to NULL when it closes, so
    # afterwards nothing anywhere, the operator's FEEDBOT_SECRET_KEY included, links an answer to a person.
    respondent_salt: Mapped[str | None] = mapped_column(String(64))
    # The one way this pulse's results may be broken down (department or location), fixed by the first request: two
    # breakdowns of the same answers, each safe alone, can be set against each other to single a person out.
    breakdown: Mapped[str | None] = mapped_column(String(16))


class PulseResponse(Base):
    """One answer. Deliberately no user id: `respondent` is a keyed hash of (pulse, person), enough to keep one
    answer per person and to remind those who have not answered, useless to tell who said what without the key."""

    __tablename__ = "pulse_responses"
    __table_args__ = (
        UniqueConstraint("pulse_id", "respondent", name="uq_pulse_responses_respondent"),
        Index("ix_pulse_responses_tally", "pulse_id", "score"),  # the tally is an index-only scan
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE", name="fk_responses_pulse"))
    respondent: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    # The day only: a precise time could be matched with who was online when.
    answered_on: Mapped[date] = mapped_column(Date)
    # Where the respondent sat when they answered (from `people`), for results by segment under the threshold.
    department: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))


class AuditEntry(Base):
    """Who did what, to which item: admin actions, purges and retention runs, for accountability.

    Never a feedback text, never who gave which eNPS score, never a token: `detail` is a short, factual note
    (a tier, a send time, counts)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))  # a user id, "cli" or "system"
    action: Mapped[str] = mapped_column(String(40))  # e.g. stakeholder.added, release.cancelled, purge.user
    subject: Mapped[str] = mapped_column(String(128))  # e.g. REL-3, PULSE-2, a stakeholder's id
    detail: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboundWebhook(Base):
    """A tracker webhook already applied, by the tracker's delivery id (X-GitHub-Delivery, Linear-Delivery,
    X-Atlassian-Webhook-Identifier) and by the digest of its signed body, so a redelivery or a replay of the same
    request changes nothing the second time. Rows older than a month are pruned."""

    __tablename__ = "inbound_webhooks"
    __table_args__ = (
        UniqueConstraint("tracker", "delivery_id", name="uq_inbound_webhooks_delivery"),
        UniqueConstraint("tracker", "body_sha256", name="uq_inbound_webhooks_body"),
        Index("ix_inbound_webhooks_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str | None] = mapped_column(String(128))  # None when the tracker sent none
    body_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DirectoryEntry(Base):
    """Who is who in a workspace without a chat platform to ask (the shell's `local`, the `demo` company): a person
    or a channel, by the id the rest of feedbot uses, with the name people read and where they sit."""

    __tablename__ = "directory"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "target_id", name="uq_directory_target"),
        Index("ix_directory_team_kind", "team_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # "user" or "channel"
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TriageRoute(Base):
    """Which Slack channel gets the new feedback and bugs of one product, in one workspace (`feedbot triage route`);
    products without one go to FEEDBOT_TRIAGE_CHANNEL."""

    __tablename__ = "triage_routes"
    __table_args__ = (UniqueConstraint("platform", "team_id", "product", name="uq_triage_routes_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(200))  # case-folded and with single spaces: how it is matched
    channel_id: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TriagePost(Base):
    """Where an item's triage post lives (channel and ts), so the post can be updated in place."""

    __tablename__ = "triage_posts"
    __table_args__ = (
        UniqueConstraint("item", name="uq_triage_posts_item"),
        Index("ix_triage_posts_redraw", "redraw_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(32))  # FB-12, BUG-3
    team_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The item's last change, shown on the post ("FB-3 is now planned", by whom); redraw_due until the server has
    # redrawn the post with it (a change made by the CLI or a release has no Slack click to redraw it), from
    # changed_at (after the hour it happened in, for something done anonymously).
    change: Mapped[str | None] = mapped_column(String(255))
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redraw_due: Mapped[bool] = mapped_column(default=False, server_default=false())


# OAuth distribution: slack_sdk's own installation and state stores own these tables; declaring them here, with
# slack_sdk's definitions, keeps them under our migrations. Bot and user tokens in them are Fernet-encrypted
# (storage/installations.py).
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


class SlackWorkspace(Base):
    """Which Enterprise Grid organisation a workspace belongs to, as seen on its requests: an org-wide install
    has one token for the whole organisation, so background work for a workspace finds it through this."""

    __tablename__ = "slack_workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlackEventSeen(Base):
    """An Events API event_id this installation has handled: Slack redelivers an event it thinks was missed (with
    X-Slack-Retry-Num), to any replica, and each must run its listener once. Kept for a bounded time (bot/runtime)."""

    __tablename__ = "slack_events_seen"
    __table_args__ = (Index("ix_slack_events_seen_at", "seen_at"),)

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamsConversation(Base):
    """Where feedbot can reach a Teams person or channel without being spoken to first: the conversation
    reference Teams gave us when the bot was installed there or first messaged (Bot Framework proactive
    messaging needs the conversation id and the service URL of that tenant's region)."""

    __tablename__ = "teams_conversations"
    __table_args__ = (
        UniqueConstraint("target_id", name="uq_teams_conversations_target"),
        Index("ix_teams_conversations_tenant", "tenant_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What stakeholder maps and pulses name: a person's 29:… id (their personal chat with the bot), or the
    # conversation id of a channel or group chat (19:…).
    target_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "user" or "channel"
    tenant_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(255))
    service_url: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text)  # the serialized ConversationReference
    # A person's IANA zone as their Teams client reports it (localTimezone): "local time" releases use it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# A 64-bit id on PostgreSQL; SQLite only autoincrements a column declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UsageEvent(Base):
    """One Segment-style "track" event a product sent us (POST /api/events, `feedbot events import`).

    Never the sender's user id: `person` is a keyed pseudonym of it (HMAC-SHA256 with FEEDBOT_SECRET_KEY), so purge
    can find a person's events by recomputing it, and nobody can read who did what from the table."""

    __tablename__ = "usage_events"
    __table_args__ = (
        # Per product: one product's ids (or Idempotency-Keys) cannot swallow another's events.
        UniqueConstraint("product", "message_id", name="uq_usage_events_product_message"),
        # Covering on PostgreSQL (migration 0022): a product's KPIs over a window read only this index, in time
        # order, never the table's pages, which late and bulk-loaded events scatter.
        Index(
            "ix_usage_events_product_time",
            "product",
            "occurred_at",
            postgresql_include=["person", "task", "outcome", "duration_ms", "error", "anonymous"],
        ),
        Index("ix_usage_events_task", "product", "task", "occurred_at"),
        Index("ix_usage_events_person", "person", "occurred_at"),
        # A person's first use of a product (time to proficiency), one index probe per person (migration 0022).
        Index("ix_usage_events_product_person", "product", "person", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(200))
    task: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))  # started, completed, failed, abandoned
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))
    person: Mapped[str] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # sent with an anonymousId, not a userId
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The sender's messageId, or "<Idempotency-Key>#<index in the batch>": a resent event is stored once.
    message_id: Mapped[str | None] = mapped_column(String(200))


class PersonSegment(Base):
    """Where a person sits (`feedbot people import`, Slack profiles): the only source of segments for eNPS, KPIs and
    digests. Keyed by the same pseudonym as usage events (of a chat user id, or of a lower-cased email), so events
    join to departments without any id in clear; one person may have a row per key."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("person", name="uq_people_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="import")  # import or slack
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiProduct(Base):
    """How a product's KPIs are read (`feedbot kpi task`, `feedbot kpi population`): the key task whose Nth completion
    under the target duration makes a person proficient, and the population adoption is measured against."""

    __tablename__ = "kpi_products"
    __table_args__ = (UniqueConstraint("product", name="uq_kpi_products_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    key_task: Mapped[str | None] = mapped_column(String(100))
    proficiency_count: Mapped[int | None] = mapped_column(Integer)
    target_duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    population_kind: Mapped[str | None] = mapped_column(String(16))  # department, channel or count
    population_department: Mapped[str | None] = mapped_column(String(100))
    population_channel: Mapped[str | None] = mapped_column(String(64))
    # A channel's human members when it was set, or the number given: a department is counted from `people` anew.
    population_size: Mapped[int | None] = mapped_column(Integer)
    # The one way this product's KPIs may be sliced (department or location), fixed by the first request: the two
    # slicings of the same people, each safe alone, could be set against each other (as for a pulse).
    breakdown: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiTarget(Base):
    """Where a product's metric should be (`feedbot kpi target`), in the metric's own unit (%, seconds, days)."""

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("product", "metric", name="uq_kpi_targets_metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(32))
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(4))  # up: at or above the target is met; down: at or below
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiBaseline(Base):
    """The figures of a product over a reference period (`feedbot kpi baseline`), captured when it was set.

    Captured, not recomputed: retention purges old events, people leave the directory and late events land in the
    past, so the same period read again later gives other numbers; a baseline is what we measured then."""

    __tablename__ = "kpi_baselines"
    __table_args__ = (UniqueConstraint("product", name="uq_kpi_baselines_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)  # the last day of the period, included
    figures: Mapped[str] = mapped_column(Text)  # JSON: metric name → value, in the metric's unit
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiFirstSeen(Base):
    """When each person first used each product: the start of their time to proficiency.

    A rollup of usage_events kept exact under late events: it only ever moves to an earlier moment (the minimum),
    and storage/kpi.catch_up_first_seen reads events by arrival (id), so an event that arrives late, whatever its
    time, is taken in. Without it, finding a window's newcomers probes every active person's history."""

    __tablename__ = "kpi_first_seen"
    __table_args__ = (
        UniqueConstraint("product", "person", name="uq_kpi_first_seen_person"),
        Index("ix_kpi_first_seen_time", "product", "first_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    person: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KpiWeek(Base):
    """A product's figures over one complete week, as the 13-week trend reads them: the week's events tallied once
    and read back every digest after. Exact under late events: `events` is how many the week held when tallied,
    and storage/kpi_weeks tallies a week again whenever its count differs. Purge and retention clear the weeks
    they touch (and move the "weeks" mark on, so a tally read before them is not stored after them)."""

    __tablename__ = "kpi_weeks"
    __table_args__ = (UniqueConstraint("product", "task", "starts_at", "ends_at", name="uq_kpi_weeks_week"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(100))  # the task completion and duration are of; "" for every task
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the week's first local midnight, in UTC
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[int] = mapped_column(BigInteger)
    completed: Mapped[int] = mapped_column(BigInteger)
    ended: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    task_events: Mapped[int] = mapped_column(BigInteger)
    median_ms: Mapped[float | None] = mapped_column(Float)
    tallied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiRollupMark(Base):
    """How far a rollup has read usage_events, by id (every event at or below it is in)."""

    __tablename__ = "kpi_rollup_marks"
    __table_args__ = (UniqueConstraint("name", name="uq_kpi_rollup_marks_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    through_id: Mapped[int] = mapped_column(BigInteger)
