"""A watch run with a clock that moves only when the watcher sleeps: hours of watching, no waits."""

from __future__ import annotations

import time

from tokenlab.core.events import Bus, Event
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe_url
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretStore
from tokenlab.core.watch import WATCH_EVENTS, Watcher, WatchSettings
from tokenlab.core.watch.sources import ProfileTokenSource, profile_prober


class FakeTime:
    """A clock that moves only when the watcher sleeps."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def watch_for(
    profile: Profile, secrets: SecretStore, settings: WatchSettings
) -> tuple[Watcher, list[Event]]:
    """Run a whole watch of `profile` on fake time; the watcher and every event it published."""
    bus, fake = Bus(), FakeTime()
    async with build_client(HttpOptions.from_profile(profile), bus=bus, run_id="w") as client:
        watcher = Watcher(
            profile=profile.name,
            api_url=probe_url(profile),
            source=ProfileTokenSource(profile, secrets, bus),
            send=profile_prober(client, profile, secrets),
            bus=bus,
            settings=settings,
            clock=fake,
            sleep=fake.sleep,
        )
        with bus.collect(*WATCH_EVENTS) as events:
            await watcher.run()
    return watcher, events
