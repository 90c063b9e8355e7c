"""What a watch comes to when it stops: counts, latency, the tokens used, the findings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tokenlab.core.probing import percentile
from tokenlab.core.watch.detectors import Timeline
from tokenlab.core.watch.records import Finding
from tokenlab.core.watch.times import time_fields


@dataclass(frozen=True)
class WatchSummary:
    started_at: float
    stopped_at: float
    probes: int
    accepted: int
    statuses: dict[str, int]  # "200": 5, "401": 5, "error": 1 (no answer)
    p50_ms: float | None
    max_ms: float | None
    tokens: tuple[str, ...]  # token ids, in the order they were first used
    renewals: int
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> bool:
        """A finding of failure weight (a warning alone does not fail the watch)."""
        return any(f.weight == "failure" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            **time_fields("started_at", self.started_at),
            **time_fields("stopped_at", self.stopped_at),
            "probes": self.probes,
            "accepted": self.accepted,
            "statuses": self.statuses,
            "latency_ms": {"p50": self.p50_ms, "max": self.max_ms},
            "tokens": list(self.tokens),
            "renewals": self.renewals,
            "findings": [f.to_json() for f in self.findings],
            "failed": self.failed,
        }


def summarize(timeline: Timeline, started_at: float, stopped_at: float) -> WatchSummary:
    statuses = Counter(str(p.status) if p.status is not None else "error" for p in timeline.probes)
    latencies = sorted(p.latency_ms for p in timeline.probes if p.latency_ms is not None)
    tokens = dict.fromkeys(p.token.token_id for p in timeline.probes)
    return WatchSummary(
        started_at=started_at,
        stopped_at=stopped_at,
        probes=len(timeline.probes),
        accepted=sum(1 for p in timeline.probes if p.ok),
        statuses=dict(sorted(statuses.items())),
        p50_ms=percentile(latencies, 50),
        max_ms=latencies[-1] if latencies else None,
        tokens=tuple(tokens),
        renewals=sum(1 for r in timeline.renewals if r.after is not None and r.how != "issued"),
        findings=tuple(timeline.findings),
    )
