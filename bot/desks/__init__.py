"""The use cases, one desk per capability, built once per process and handed to every adapter.

A desk takes a request in neutral terms (a Requester, parsed fields), applies the services' rules, and answers with
neutral results (Reply, Note, HomeSummary); the platform adapters render those."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.deps import Deps
from bot.desks.digests import DigestDesk
from bot.desks.feedback_api import FeedbackApiDesk
from bot.desks.inbound import InboundDesk
from bot.desks.intake import IntakeDesk
from bot.desks.kpi import KpiDesk
from bot.desks.pulses import PulseDesk
from bot.desks.release_forms import ReleaseFormDesk
from bot.desks.releases import ReleaseDesk
from bot.desks.trackers import TrackerDesk
from bot.desks.triage import TriageDesk
from bot.desks.triage_channels import TriageChannelDesk


@dataclass
class Desks:
    deps: Deps
    intake: IntakeDesk = field(init=False)
    releases: ReleaseDesk = field(init=False)
    release_forms: ReleaseFormDesk = field(init=False)
    digests: DigestDesk = field(init=False)
    pulses: PulseDesk = field(init=False)
    trackers: TrackerDesk = field(init=False)
    feedback_api: FeedbackApiDesk = field(init=False)
    inbound: InboundDesk = field(init=False)
    triage: TriageDesk = field(init=False)
    triage_channels: TriageChannelDesk = field(init=False)
    kpi: KpiDesk = field(init=False)

    def __post_init__(self) -> None:
        deps = self.deps
        self.intake = IntakeDesk(deps)
        self.releases = ReleaseDesk(deps)
        self.release_forms = ReleaseFormDesk(deps, self.releases)
        self.digests = DigestDesk(deps)
        self.pulses = PulseDesk(deps)
        self.trackers = TrackerDesk(deps)
        self.feedback_api = FeedbackApiDesk(deps, self.intake)
        self.inbound = InboundDesk(deps)
        self.triage = TriageDesk(deps)
        self.triage_channels = TriageChannelDesk(deps)
        self.kpi = KpiDesk(deps)
