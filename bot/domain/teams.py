"""Where feedbot can reach a Teams person or channel later: what the Teams adapter reads from an activity, the
desks keep, storage stores and the Teams sender uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredReference:
    target_id: str  # the person's 29: id, or the channel's conversation id
    kind: str  # "user" or "channel"
    tenant_id: str
    conversation_id: str
    service_url: str
    reference: str  # the Bot Framework conversation reference, as JSON
    timezone: str | None = None  # the person's IANA zone, as their Teams client said
