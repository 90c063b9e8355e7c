"""The watch loop: keep the token fresh, probe the API every interval, look for findings.

A plain async loop; the clock and the sleep are injected, so tests run a day of probes in
milliseconds. Everything it learns goes on the bus as it happens (``events.py``); the summary
is published when it stops, also when it is cancelled (Ctrl-C, the console's stop key).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tokenlab.core.errors import TokenlabError, UsageError
from tokenlab.core.events import Bus, Event, new_run_id
from tokenlab.core.probing import ProbeResult
from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch.detectors import Timeline
from tokenlab.core.watch.events import (
    WatchFinding,
    WatchRenewed,
    WatchStarted,
    WatchStopped,
    WatchTick,
)
from tokenlab.core.watch.facts import token_facts
from tokenlab.core.watch.keeper import TokenKeeper, TokenSource
from tokenlab.core.watch.records import Finding, failed_probe_record, probe_record
from tokenlab.core.watch.summary import WatchSummary, summarize

ProbeSender = Callable[[TokenSet], Awaitable[ProbeResult]]
DEFAULT_INTERVAL_S = 30.0
DEFAULT_MARGIN_S = 60.0
DEFAULT_REFRESH_WARN_S = 24 * 3600.0  # a night: an unattended job is warned the day before


@dataclass(frozen=True)
class WatchSettings:
    interval_s: float = DEFAULT_INTERVAL_S
    count: int | None = None  # None: until stopped
    margin_s: float = DEFAULT_MARGIN_S  # renew the token when less than this is left
    refresh_warn_s: float = DEFAULT_REFRESH_WARN_S  # warn when the refresh token has less left


class Watcher:
    def __init__(
        self,
        *,
        profile: str,
        api_url: str,
        source: TokenSource,
        send: ProbeSender,
        bus: Bus,
        settings: WatchSettings = WatchSettings(),
        run_id: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        token: TokenSet | None = None,
    ) -> None:
        """`token`: one already in hand (the console's current token) to start with; it is
        renewed like any other when it is due."""
        self.profile = profile
        self.api_url = api_url
        self.send = send
        self.bus = bus
        self.settings = settings
        self.run_id = run_id or new_run_id()
        self.clock = clock
        self.sleep = sleep
        self.keeper = TokenKeeper(source, settings.margin_s, clock)
        self.keeper.current = token
        self.timeline = Timeline(settings.refresh_warn_s)
        self.started_at: float | None = None

    def summary(self) -> WatchSummary:
        now = self.clock()
        return summarize(self.timeline, self.started_at or now, now)

    async def run(self) -> WatchSummary:
        """Probe until `count` probes were sent (or forever); the summary either way.

        Raises the `TokenlabError` of the first token's flow (nothing was watched then)."""
        self.started_at = self.clock()
        s = self.settings
        self._publish(
            WatchStarted(
                run_id=self.run_id,
                profile=self.profile,
                api_url=self.api_url,
                interval_s=s.interval_s,
                margin_s=s.margin_s,
                count=s.count,
                started_at=self.started_at,
            )
        )
        await self._renew()  # the first token: without one there is nothing to watch (raises)
        try:
            seq, due = 0, self.started_at
            while s.count is None or seq < s.count:
                if seq:
                    await self.sleep(max(0.0, due - self.clock()))
                due = self.clock() + s.interval_s
                seq += 1
                await self.step(seq)
        finally:
            summary = self.summary()
            self._publish(WatchStopped(run_id=self.run_id, summary=summary))
        return summary

    async def step(self, seq: int) -> None:
        """Renew the token if due, probe once, and report what that shows."""
        await self._renew()
        token = self.keeper.current
        assert token is not None  # fresh() raised if the first token could not be had
        facts = token_facts(token)
        at = self.clock()
        try:
            record = probe_record(seq, at, await self.send(token), facts)
        except UsageError:
            raise  # the request itself is wrong: every probe would fail the same way
        except TokenlabError as exc:
            record = failed_probe_record(seq, at, exc.message, facts)
        self._publish(WatchTick(run_id=self.run_id, record=record))
        self._report(self.timeline.add_probe(record))

    async def _renew(self) -> None:
        renewal = await self.keeper.fresh()
        if renewal is not None:
            self._publish(WatchRenewed(run_id=self.run_id, record=renewal))
            self._report(self.timeline.add_renewal(renewal))

    def _report(self, findings: list[Finding]) -> None:
        for finding in findings:
            self._publish(WatchFinding(run_id=self.run_id, finding=finding))

    def _publish(self, event: Event) -> None:
        self.bus.publish(event)
