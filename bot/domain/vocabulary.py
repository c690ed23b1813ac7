"""The fixed words of the product: stakeholder tiers, feedback categories, bug severities, pulse scores."""

from __future__ import annotations

# From the closest to the work to the furthest from it (PRODUCT.md): each tier gets the release note it needs.
TIERS = ("deer", "monkey", "elephant", "lion")
CATEGORIES = ("idea", "problem", "praise")
# Not offered on the feedback forms: the category of a question asked from a release note's "Ask a question".
QUESTION = "question"
SEVERITIES = ("blocker", "major", "minor")

# A feedback item's life (PRODUCT.md, "the feedback loop"): stored as these words, shown as STATUS_NAMES.
FEEDBACK_STATUSES = ("new", "under_review", "planned", "in_progress", "shipped", "declined", "duplicate")
STATUS_NAMES = {status: status.replace("_", " ") for status in FEEDBACK_STATUSES}
# The stages its submitter and voters hear about, once each; the others are the team's own bookkeeping.
ANNOUNCED_STATUSES = ("planned", "in_progress", "shipped", "declined")
# Nothing more is planned for these: they leave the open lists (most wanted, similar open items).
CLOSED_STATUSES = ("shipped", "declined", "duplicate")


def status_name(status: str) -> str:
    """How people read a status: "under review", not "under_review"."""
    return STATUS_NAMES.get(status, status)


def parse_status(text: str) -> str | None:
    """A status as someone typed it ("In progress", "in_progress", "in-progress"), or None."""
    word = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    return word if word in FEEDBACK_STATUSES else None


# How each tier is reached, as a release's preview tells its author.
TIER_DELIVERY = {
    "deer": "channel post",
    "monkey": "channel post",
    "elephant": "DM to people, post to channels",
    "lion": "personal DM",
}
