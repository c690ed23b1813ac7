"""Outbox subjects: what each queued message is about, in one place.

A subject keys a message (with its recipient) so a step that is repeated queues nothing twice, and it is how
later steps find what was sent: the people a pulse asked, a team's last roll-up, the messages that quote an item
when its submitter is purged. Every subject is built, and every family of subjects matched, through here."""

from __future__ import annotations

RELEASE = "release:"
PULSE = "pulse:"
PULSE_REMINDER = "pulse-reminder:"
DIGEST = "digest:"
ROLLUP = "rollup:"
LOOP = "loop:"
APPROVAL = "approval:"
MISSED = "missed:"
REPORT = "report:"
ACK_REMINDER = "ack-reminder:"
QUESTION = "question:"
TRACKER = "tracker:"
WEBHOOK = "webhook:"
TRIAGE = "triage:"
STAGE = "stage:"
FEEDBACK_REPLY = "reply:"
RELEASE_TEST = "test:"


def release(release_id: int) -> str:
    """A release note to one stakeholder."""
    return f"{RELEASE}{release_id}"


def release_test(release_id: int, tier: str, nonce: str) -> str:
    """A release's tier sent to its author as a test: each click of Send a test to me is its own message."""
    return f"{RELEASE_TEST}{release(release_id)}:{tier}:{nonce}"


def approval(release_id: int) -> str:
    """Asking an approver to approve a release."""
    return f"{APPROVAL}{release(release_id)}"


def missed(release_id: int) -> str:
    """Telling a release's author it was not sent: due while feedbot was down beyond the grace window."""
    return f"{MISSED}{release(release_id)}"


def report(release_id: int) -> str:
    """The delivery report to a release's author."""
    return f"{REPORT}{release(release_id)}"


def ack_reminder(release_id: int) -> str:
    """Reminding a lion who has not acknowledged a release: once per lion."""
    return f"{ACK_REMINDER}{release(release_id)}"


def question(item_label: str) -> str:
    """Telling a release's author that someone asked a question about it (the question's own label)."""
    return f"{QUESTION}{item_label}"


def loop(item_label: str) -> str:
    """Telling a submitter that their item shipped (closing the loop)."""
    return f"{LOOP}{item_label}"


def stage(status: str, item_label: str) -> str:
    """Telling a submitter or a voter that an item reached a stage (planned, in progress, declined). Shipped is
    `loop`, whether a release or a triager shipped it: nobody hears twice that the same item shipped."""
    return loop(item_label) if status == "shipped" else f"{STAGE}{status}:{item_label}"


def feedback_reply(item_label: str, reply_id: int) -> str:
    """A triager's reply to the submitter of an item: each reply once."""
    return f"{FEEDBACK_REPLY}{item_label}:{reply_id}"


def pulse(pulse_id: int) -> str:
    """A pulse question to one person."""
    return f"{PULSE}{pulse_id}"


def pulse_reminder(pulse_id: int) -> str:
    return f"{PULSE_REMINDER}{pulse_id}"


def digest(team_id: str, week: str) -> str:
    """A lion's executive digest for one ISO week (2026-W48): at most one each."""
    return f"{DIGEST}{team_id}:{week}"


def rollups(team_id: str) -> str:
    """The prefix of a team's weekly roll-ups to elephants."""
    return f"{ROLLUP}{team_id}:"


def rollup(team_id: str, week: str) -> str:
    return f"{rollups(team_id)}{week}"


def tracker_filing(kind: str, item_id: int) -> str:
    """Filing an item in the issue tracker: unique, so an item is filed at most once."""
    return f"{TRACKER}{kind}:{item_id}"


def triage_post(item_label: str) -> str:
    """A new item's post in its triage channel: once per item."""
    return f"{TRIAGE}{item_label}"


def tracker_notice(event: str, item_label: str) -> str:
    """A DM about a tracker issue: event is filed, failed or done."""
    return f"{TRACKER}{event}:{item_label}"


def webhook(event_type: str, item: str) -> str:
    """An event announced to FEEDBOT_WEBHOOK_URL, e.g. webhook:feedback.created:FB-12."""
    return f"{WEBHOOK}{event_type}:{item}"


def webhook_prefix(event_type: str) -> str:
    return f"{WEBHOOK}{event_type}:"
