"""What a bench run measured (medians), and the issue's targets. Pure values: no I/O."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .profiling import Summary
from .report import Target

STAGES = ("ingest", "pseudonymizer", "reconciler", "registry-store")
NATIONAL = 1_600_000

# The targets (2-core machine).
SUSTAINED = Target("≥ 5,000/s", 5000)
LATENCY_RATE = 2500.0
LATENCY_P99 = Target("p99 < 2 s at 2,500/s", 2.0, at_least=False)
STAGE_SHARE = Target("≥ 25% of baseline", 0.25)
REPLAY = Target("1.6 M patients < 10 min", 600.0, at_least=False)

BASELINE_OF = {"ingest": "passthrough", "pseudonymizer": "passthrough", "reconciler": "passthrough",
               "registry-store": "raw sink"}
MESSAGES = {"ingest": "Submission (JSON)", "pseudonymizer": "CanonicalRecord",
            "reconciler": "PseudonymisedRecord", "registry-store": "patient events"}


@dataclass
class Kafka:
    produce: float
    consume: float
    mean_bytes: float


@dataclass
class Passthrough:
    rate: float
    in_bytes: float
    out_per_in: float
    out_bytes: float


@dataclass
class LatencyFigures:
    target_rate: float
    achieved_rate: float
    p50: float
    p99: float
    records: int
    missing: int
    busy: float = math.nan             # share of the cores busy during the run


@dataclass
class E2E:
    sustained: float
    submissions: int
    busy: float
    cpu_per_k: dict[str, float]         # CPU seconds per 1,000 submissions
    latency: list[LatencyFigures]


@dataclass
class Rebuild:
    seconds: float
    peak_mb: float
    items: int
    detail: dict


@dataclass
class Replay:
    patients: int
    events: int
    entries: int
    services: dict[str, Rebuild]
    runs: int


@dataclass
class Figures:
    records: int
    repeat: int
    kafka: dict[str, Kafka] = field(default_factory=dict)          # by stage whose input it is
    avro: dict[str, dict[str, float]] = field(default_factory=dict)
    passthrough: dict[str, Passthrough] = field(default_factory=dict)
    copy: float = math.nan            # events/s
    raw_sink: float = math.nan        # events/s
    rows_per_event: float = math.nan
    stages: dict[str, float] = field(default_factory=dict)
    e2e: E2E | None = None
    replay: Replay | None = None
    profiles: dict[str, Summary] = field(default_factory=dict)     # stage or "replay <service>"
    profile_sizes: dict[str, str] = field(default_factory=dict)
    poll_timeout_s: float = 0.5       # the services' RARELOG_POLL_TIMEOUT_S in this run
    cores: int = 2

    def baseline(self, stage: str) -> float:
        if BASELINE_OF[stage] == "passthrough":
            return self.passthrough[stage].rate if stage in self.passthrough else math.nan
        return self.raw_sink


def replay_time(r: Replay) -> tuple[float, str]:
    """Seconds for the registry's replay (both services, one after the other) at 1.6 M patients:
    measured when run at that size, else scaled linearly from the size run."""
    total = sum(x.seconds for x in r.services.values())
    if r.patients >= NATIONAL:
        return total, ""
    return total * NATIONAL / r.patients, f"extrapolated ×{NATIONAL / r.patients:.0f} from {r.patients:,} patients"


def latency_verdict(e: E2E, lat: LatencyFigures) -> str:
    """The latency target's verdict from one latency run; "" when the run cannot tell (a rate
    below 2,500/s while the pipeline sustains more: the run at 2,500/s judges)."""
    if abs(lat.target_rate - LATENCY_RATE) < 1:
        return LATENCY_P99.verdict(lat.p99 if not lat.missing else math.nan)
    if lat is e.latency[-1] and e.sustained < LATENCY_RATE:
        return LATENCY_P99.verdict(math.nan, f"2,500/s is beyond the sustained {e.sustained:,.0f}/s")
    if lat.target_rate >= LATENCY_RATE:
        return LATENCY_P99.verdict(lat.p99, "measured at a higher rate")
    return ""
