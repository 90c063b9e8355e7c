"""Run the doctor on many profiles at once and publish a row per profile as it finishes."""

from __future__ import annotations

import asyncio
import fnmatch
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tokenlab.core.doctor import run_doctor
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, new_run_id
from tokenlab.core.fleet.plan import unattended_flow
from tokenlab.core.fleet.rows import (
    FleetRow,
    FleetRowDone,
    FleetRowStarted,
    row_needing_sign_in,
    row_of_error,
    row_of_run,
)
from tokenlab.core.fleet.sharing import HostGate, SharedAuthorityCache
from tokenlab.core.http import ClientSharing
from tokenlab.core.profiles import Profile
from tokenlab.core.redact import Redactor
from tokenlab.core.secrets import SecretStore

DEFAULT_PARALLEL = 10  # profiles in flight
DEFAULT_PER_HOST = 6  # requests at once to one host, like a browser's connections per host


@dataclass(frozen=True)
class FleetResult:
    rows: tuple[FleetRow, ...]  # in the order the profiles were given
    started_at: float  # epoch seconds
    elapsed_s: float
    parallel: int
    per_host: int

    @property
    def failed(self) -> tuple[FleetRow, ...]:
        return tuple(r for r in self.rows if r.failed)

    def counts(self) -> dict[str, int]:
        counts = {"ok": 0, "fail": 0, "needs_sign_in": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts


def select_names(names: Iterable[str], pattern: str = "*") -> list[str]:
    """The profile names that match a glob (fnmatch, case-sensitive as the file names are)."""
    return sorted(n for n in names if fnmatch.fnmatchcase(n, pattern))


class _Fleet:
    def __init__(self, total: int, secrets: SecretStore, bus: Bus, per_host: int) -> None:
        self.secrets = secrets
        self.bus = bus
        self.run_id = new_run_id()
        self.cache = SharedAuthorityCache()
        self.sharing = ClientSharing(HostGate(per_host))
        self.total = total
        self.done = 0

    async def row(self, profile: Profile, slots: asyncio.Semaphore) -> FleetRow:
        async with slots:
            self.bus.publish(FleetRowStarted(run_id=self.run_id, profile=profile.name))
            row = await self._run(profile)
            # Each run's redactor compiled a pattern of its own tokens, which `re` keeps in its
            # cache (512 patterns, ~45 KB each): let them go with the run, or memory would grow
            # with every profile until the cache is full.
            re.purge()
        self.done += 1
        self.bus.publish(
            FleetRowDone(run_id=self.run_id, row=row, done=self.done, total=self.total)
        )
        return row

    async def _run(self, profile: Profile) -> FleetRow:
        started_at, started = time.time(), time.perf_counter()
        flow = unattended_flow(profile, self.secrets)
        if flow is None:
            return row_needing_sign_in(profile, started_at, started)
        bus = Bus()  # its own: the doctor collects the exchanges of its bus as its own
        # and its own redactor: one shared by every run would learn every token of the fleet,
        # and masking (a pattern of all it knows) would cost more with each profile
        secrets = self.secrets.for_run(bus, self.run_id, redactor=Redactor())
        try:
            run = await run_doctor(
                profile,
                secrets=secrets,
                bus=bus,
                flow=flow,
                cache=self.cache,
                sharing=self.sharing,
            )
        except TokenlabError as exc:
            return row_of_error(profile, flow, exc, started_at, started)
        return row_of_run(profile, flow, run, started_at, started)


async def run_fleet(
    profiles: Sequence[Profile],
    *,
    secrets: SecretStore,
    bus: Bus,
    parallel: int = DEFAULT_PARALLEL,
    per_host: int = DEFAULT_PER_HOST,
) -> FleetResult:
    """The doctor on every profile, at most `parallel` at once and `per_host` requests at once
    per host, in this event loop; publishes `FleetRowStarted` and `FleetRowDone` on `bus`."""
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    started_at, started = time.time(), time.perf_counter()
    fleet = _Fleet(len(profiles), secrets, bus, per_host)
    slots = asyncio.Semaphore(parallel)
    rows = await asyncio.gather(*(fleet.row(p, slots) for p in profiles))
    return FleetResult(tuple(rows), started_at, time.perf_counter() - started, parallel, per_host)
