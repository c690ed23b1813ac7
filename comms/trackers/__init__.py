"""Issue trackers (Jira, Linear, GitHub Issues): one small client each, and what they share.

A new bug (or an admin's pick of feedback) becomes an outbox row on the tracker's platform (comms/trackers/filing.py);
the delivery worker hands its payload, an `Issue`, to a `TrackerSender`, which files it through the client and
reports the verdict the worker understands: retried with backoff (5xx, network), paused (429), or failed for good
(a refused token, an unknown project) with the tracker's own words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from comms.senders import Permanent, RateLimited, Transient


@dataclass(frozen=True)
class Issue:
    """What is filed: the same for every tracker; each client shapes it into its API's request."""

    kind: str  # "bug" or "feedback"
    label: str  # BUG-7, FB-12: in the title, so people in the tracker can quote it back
    title: str
    paragraphs: tuple[tuple[str, str], ...]  # (heading, text); headings may be empty
    labels: tuple[str, ...] = ()  # e.g. severity and "feedbot" (GitHub labels)
    link: str | None = None  # the Slack message it came from

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Issue:
        return cls(
            kind=str(payload["kind"]),
            label=str(payload["label"]),
            title=str(payload["title"]),
            paragraphs=tuple((str(heading), str(text)) for heading, text in payload.get("paragraphs", [])),
            labels=tuple(str(label) for label in payload.get("labels", [])),
            link=payload.get("link"),
        )

    def plain_text(self) -> str:
        """Markdown-ish text for trackers that take it (GitHub, Linear)."""
        parts = [f"**{heading}**\n\n{text}" if heading else text for heading, text in self.paragraphs if text]
        if self.link:
            parts.append(f"From Slack: {self.link}")
        parts.append(f"Filed by feedbot as {self.label}.")
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Created:
    key: str  # EXP-12, ENG-3, #42
    url: str


CreateResult = Created | RateLimited | Transient | Permanent


class TrackerClient(Protocol):
    name: str

    async def create(self, issue: Issue) -> CreateResult: ...

    async def close(self) -> None: ...


# What an error text may be at most: it goes into the outbox row (255) and a DM to the admins.
MAX_ERROR = 200
