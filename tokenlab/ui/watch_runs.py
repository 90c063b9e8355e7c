"""The console's watch: the screen runs the watcher in a worker and routes its events, as they
come on the watch's own bus, to the Watch pane (messages up from the bus, calls down to the pane).

The watch starts from the console's current token for the profile when there is one (a web app
signed in on the Flow pane keeps refreshing it); else it gets one by the profile's flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from tokenlab.core.events import Bus, Event, new_run_id
from tokenlab.ui.screens.console_base import ConsoleScreen

if TYPE_CHECKING:  # the watcher (and httpx with it) loads on the first watch
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import TokenSet
    from tokenlab.ui.widgets.watch_pane import WatchPane


class WatchEventArrived(Message):
    """One of the watcher's events, from its bus to the screen."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class WatchEnded(Message):
    """The watch's worker is done (stopped, finished its count, or failed)."""


class WatchRuns(ConsoleScreen):
    # How the watch waits between probes; tests pass a faster one.
    watch_sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)

    @property
    def watch_pane(self) -> WatchPane:
        from tokenlab.ui.widgets.watch_pane import WatchPane

        return self.pane_of(WatchPane)

    def on_watch_pane_start_requested(self, message: WatchPane.StartRequested) -> None:
        if self.active is None:
            self.app.notify("choose a profile first", severity="warning")
            return
        token = (
            self.result.api_token
            if self.result and self.result.profile == self.active.name
            else None
        )
        self.watch_worker(self.active, message.interval_s, token)

    def on_watch_pane_stop_requested(self, message: WatchPane.StopRequested) -> None:
        self.stop_watch()

    def toggle_watch(self) -> None:
        """Start a watch at the pane's interval, or stop the running one (the palette's entry)."""
        self.watch_pane.action_start_stop()

    def stop_watch(self) -> None:
        """Cancel the watch: the watcher publishes its summary as it stops."""
        self.workers.cancel_group(self, "watch")

    @work(exclusive=True, group="watch")
    async def watch_worker(
        self, profile: Profile, interval_s: float, token: TokenSet | None
    ) -> None:
        from tokenlab.core.watch import WATCH_EVENTS

        bus = Bus()

        def forward(event: Event) -> None:
            self.post_message(WatchEventArrived(event))

        bus.subscribe(forward, *WATCH_EVENTS)
        try:
            await self.guarded("watch", lambda: self._watch(profile, interval_s, token, bus))
        except asyncio.CancelledError:
            self.post_message(WatchEnded())  # also when stopped before the watch really began
            raise

    async def _watch(
        self, profile: Profile, interval_s: float, token: TokenSet | None, bus: Bus
    ) -> Message:
        from tokenlab.core.http import HttpOptions, build_client
        from tokenlab.core.probing import probe_url
        from tokenlab.core.watch import Watcher, WatchSettings
        from tokenlab.core.watch.sources import ProfileTokenSource, profile_prober

        run_id = new_run_id()
        redactor = self.secrets.redactor
        async with build_client(
            HttpOptions.from_profile(profile), bus=bus, run_id=run_id, redactor=redactor
        ) as client:
            watcher = Watcher(
                profile=profile.name,
                api_url=redactor.url(probe_url(profile)),
                source=ProfileTokenSource(profile, self.secrets, bus),
                send=profile_prober(client, profile, self.secrets),
                bus=bus,
                settings=WatchSettings(interval_s=interval_s),
                run_id=run_id,
                sleep=self.watch_sleep,
                token=token,
            )
            await watcher.run()
        return WatchEnded()

    def on_watch_event_arrived(self, message: WatchEventArrived) -> None:
        from tokenlab.core.watch import (
            WatchFinding,
            WatchRenewed,
            WatchStarted,
            WatchStopped,
            WatchTick,
        )

        pane, event = self.watch_pane, message.event
        if isinstance(event, WatchStarted):
            pane.started(event.api_url, event.margin_s)
        elif isinstance(event, WatchRenewed):
            pane.add_renewal(event.record)
        elif isinstance(event, WatchTick):
            pane.add_probe(event.record)
        elif isinstance(event, WatchFinding):
            pane.add_finding(event.finding)
        elif isinstance(event, WatchStopped):
            pane.stopped(event.summary)

    def on_watch_ended(self, message: WatchEnded) -> None:
        self.watch_pane.idle()
