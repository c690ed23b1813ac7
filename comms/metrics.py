"""Prometheus metrics, one registry per app so several apps (tests, replicas in one process) never clash."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "feedbot_http_requests",
            "HTTP requests answered, by route and status code.",
            ["route", "status"],
            registry=self.registry,
        )
        self.slack_ack_seconds = Histogram(
            "feedbot_slack_ack_seconds",
            "Time from receiving a Slack request to answering it (Slack allows 3 s).",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
            registry=self.registry,
        )
        self.slack_rejected = Counter(
            "feedbot_slack_rejected_requests",
            "Slack requests refused before dispatch, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.submissions = Counter(
            "feedbot_submissions",
            "Feedback and bugs stored, by kind and platform; anonymous feedback is not counted (it would be timed).",
            ["kind", "platform"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge("feedbot_outbox_depth", "Messages waiting in the outbox.", registry=self.registry)
        self.deliveries = Counter(
            "feedbot_deliveries", "Outbound messages delivered, by platform.", ["platform"], registry=self.registry
        )
        self.delivery_failures = Counter(
            "feedbot_delivery_failures",
            "Outbound sends that did not go through, by platform and outcome (ratelimited, retrying, gave_up).",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.usage_events_accepted = Counter(
            "feedbot_usage_events_accepted",
            "Usage events accepted by POST /api/events (a resent one included: it is stored once).",
            registry=self.registry,
        )
        self.usage_events_rejected = Counter(
            "feedbot_usage_events_rejected",
            "Usage events refused one by one by POST /api/events (not those of a request refused whole).",
            registry=self.registry,
        )
        self.background_failures = Counter(
            "feedbot_background_failures", "Work after an ack that failed.", registry=self.registry
        )
