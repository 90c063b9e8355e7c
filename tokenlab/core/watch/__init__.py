"""Watch mode: keep a token fresh, probe the API on an interval, and find what a person would
miss by hand (an intermittent 401, a refresh with fewer scopes, a token refused before its
expiry, a refresh token about to expire).

`loop` (the watcher), `keeper` (renewal), `detectors` (the table of findings and the timeline),
`records` and `facts` (what the timeline holds, never a token), `events` (on the bus),
`summary`, `sources` (the profile's flow and probe), `times`.
"""

from tokenlab.core.watch.detectors import DETECTORS, Timeline
from tokenlab.core.watch.events import (
    WATCH_EVENTS,
    WatchFinding,
    WatchRenewed,
    WatchStarted,
    WatchStopped,
    WatchTick,
)
from tokenlab.core.watch.facts import TokenFacts, token_facts, token_id
from tokenlab.core.watch.keeper import TokenKeeper, TokenSource
from tokenlab.core.watch.loop import ProbeSender, Watcher, WatchSettings
from tokenlab.core.watch.records import Finding, ProbeRecord, RenewRecord
from tokenlab.core.watch.summary import WatchSummary, summarize
from tokenlab.core.watch.times import duration_text, iso_utc

__all__ = [
    "DETECTORS",
    "WATCH_EVENTS",
    "Finding",
    "ProbeRecord",
    "ProbeSender",
    "RenewRecord",
    "Timeline",
    "TokenFacts",
    "TokenKeeper",
    "TokenSource",
    "WatchFinding",
    "WatchRenewed",
    "WatchSettings",
    "WatchStarted",
    "WatchStopped",
    "WatchSummary",
    "WatchTick",
    "Watcher",
    "duration_text",
    "iso_utc",
    "summarize",
    "token_facts",
    "token_id",
]
