"""The webhook event payloads and signature, without a server."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.domain.enps import Enps
from comms.senders import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from comms.webhooks import feedback_data, pulse_data, signature
from storage.models import Feedback, Pulse


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":"evt_1","type":"feedback.created"}'
    expected = hmac.new(b"s3cret-s3cret-s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret-s3cret-s3cret", "1700000000", body) == f"v1={expected}"


def test_anonymous_feedback_carries_no_person_or_channel() -> None:
    created = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    row = Feedback(
        id=7, platform="slack", team_id="T1", user_id="U9", anonymous=True, text="t", status="new", channel_id="C1",
        created_at=created,
    )  # fmt: skip
    data = feedback_data(row)
    assert (data["id"], data["user_id"], data["channel_id"], data["anonymous"]) == ("FB-7", None, None, True)


def test_a_pulse_carries_aggregates_only_and_withholds_below_the_threshold() -> None:
    pulse = Pulse(id=3, platform="slack", team_id="T1", question="q?", audience_size=10, status="closed")
    shown = pulse_data(pulse, Enps.from_tally({10: 4, 9: 1, 3: 1}), threshold=5)
    withheld = pulse_data(pulse, Enps.from_tally({10: 4}), threshold=5)
    assert (shown["enps"], shown["responses"], shown["withheld"]) == (67, 6, False)
    assert (withheld["enps"], withheld["responses"], withheld["withheld"]) == (None, 4, True)
    assert set(shown) == {"id", "question", "channel_id", "closed_at", "audience_size", "responses", "withheld", "enps"}


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, 1.0), ("3", 3.0), ("nonsense", 1.0), ("-5", 0.0), ("86400", MAX_RETRY_AFTER_SECONDS)],
)
def test_retry_after_is_read_and_capped(header: str | None, seconds: float) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    in_ten = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    assert 8 <= retry_after_seconds(in_ten) <= 10
