"""The fleet runs profiles at once, within its bounds: proved by what a server sees, not timed
against a budget (only "far less than one after another")."""

from __future__ import annotations

import time

import pytest

from tests.support.slow_instance import slow_instance
from tokenlab.core.events import Bus, Event
from tokenlab.core.fleet import FleetRowDone, FleetRowStarted, run_fleet
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretStore

DELAY = 0.5
COUNT = 10


def fleet_profiles(base: str) -> list[Profile]:
    return [
        new_profile(
            f"fleet-{i:02d}",
            base,
            "service-app",
            client_id=f"com.example/fleet-{i}",
            auth_method="client_secret_post",
            public_secret="published-demo-value",
            scopes=("read",),
        )
        for i in range(COUNT)
    ]


@pytest.mark.slow
async def test_ten_profiles_take_far_less_than_ten_token_delays() -> None:
    with slow_instance(DELAY) as (base, stats):
        bus = Bus()
        with bus.collect(FleetRowStarted, FleetRowDone) as events:
            started = time.perf_counter()
            result = await run_fleet(
                fleet_profiles(base), secrets=SecretStore(env={}), bus=bus, parallel=COUNT
            )
            wall = time.perf_counter() - started
    assert len(result.rows) == COUNT
    assert all(row.token == "ok" and row.api_status == 200 for row in result.rows)
    assert wall < COUNT * DELAY / 2, f"{wall:.2f} s: the token requests did not overlap"
    assert stats.served["token"] == COUNT
    assert stats.served["discovery"] == 1  # shared by every profile, fetched once
    done = [e for e in events if isinstance(e, FleetRowDone)]
    assert [e.done for e in done] == list(range(1, COUNT + 1))
    assert len([e for e in events if isinstance(e, FleetRowStarted)]) == COUNT


@pytest.mark.slow
async def test_the_bound_per_host_is_never_exceeded() -> None:
    per_host = 3
    with slow_instance(DELAY) as (base, stats):
        result = await run_fleet(
            fleet_profiles(base),
            secrets=SecretStore(env={}),
            bus=Bus(),
            parallel=COUNT,
            per_host=per_host,
        )
    assert all(row.api_status == 200 for row in result.rows)
    assert stats.peak == per_host  # reached (ten profiles waited) and never exceeded


@pytest.mark.slow
async def test_parallel_bounds_the_profiles_in_flight() -> None:
    with slow_instance(DELAY) as (base, stats):
        bus = Bus()
        in_flight, peak = 0, 0

        def count(event: Event) -> None:
            nonlocal in_flight, peak
            in_flight += 1 if isinstance(event, FleetRowStarted) else -1
            peak = max(peak, in_flight)

        bus.subscribe(count, FleetRowStarted, FleetRowDone)
        await run_fleet(fleet_profiles(base), secrets=SecretStore(env={}), bus=bus, parallel=2)
    assert peak == 2
    assert stats.peak <= 2
