"""Watch mode's events on the bus (they live here, next to what they carry, not in core/events).

Each has `to_json()`: one object with a `type` field, as `tokenlab watch --json` streams them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokenlab.core.events import Event
from tokenlab.core.watch.records import Finding, ProbeRecord, RenewRecord
from tokenlab.core.watch.times import time_fields

if TYPE_CHECKING:
    from tokenlab.core.watch.summary import WatchSummary


@dataclass(frozen=True, kw_only=True)
class WatchStarted(Event):
    profile: str
    api_url: str  # the probe's URL (masked)
    interval_s: float
    margin_s: float  # the token is renewed this long before it expires
    count: int | None  # None: until stopped
    started_at: float  # epoch seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "start",
            **time_fields("at", self.started_at),
            "profile": self.profile,
            "api_url": self.api_url,
            "interval_s": self.interval_s,
            "margin_s": self.margin_s,
            "count": self.count,
        }


@dataclass(frozen=True, kw_only=True)
class WatchTick(Event):
    """One probe of the API, as the timeline keeps it."""

    record: ProbeRecord

    def to_json(self) -> dict[str, Any]:
        return {"type": "probe", **self.record.to_json()}


@dataclass(frozen=True, kw_only=True)
class WatchRenewed(Event):
    """The token was issued, refreshed or issued again (or that failed: `record.error`)."""

    record: RenewRecord

    def to_json(self) -> dict[str, Any]:
        return {"type": "renewal", **self.record.to_json()}


@dataclass(frozen=True, kw_only=True)
class WatchFinding(Event):
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {"type": "finding", **self.finding.to_json()}


@dataclass(frozen=True, kw_only=True)
class WatchStopped(Event):
    summary: WatchSummary

    def to_json(self) -> dict[str, Any]:
        return {"type": "summary", **self.summary.to_json()}


WATCH_EVENTS = (WatchStarted, WatchTick, WatchRenewed, WatchFinding, WatchStopped)
