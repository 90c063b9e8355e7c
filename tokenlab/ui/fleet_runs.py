"""The Fleet pane's runs: the doctor on many profiles in one worker on the console's loop.

The fleet publishes a row per profile on its own bus as each finishes; the subscriber here runs
in the worker's task, on the app's loop, so it hands each row straight to the pane.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, Event

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile
    from tokenlab.ui.screens.console_base import ConsoleScreen
    from tokenlab.ui.widgets.fleet_pane import FleetPane

GROUP = "fleet"  # the worker group: escape in the Fleet pane cancels it


class FleetRuns:
    def __init__(self, screen: ConsoleScreen) -> None:
        self.screen = screen

    @property
    def pane(self) -> FleetPane:
        from tokenlab.ui.widgets.fleet_pane import FleetPane

        return self.screen.pane_of(FleetPane)

    def run(self, pattern: str) -> None:
        """Start the fleet on the profiles matching `pattern` (the last run is cancelled)."""
        from tokenlab.core.fleet import select_names  # lazy: the fleet loads on its first run

        s = self.screen
        names = select_names((p.name for p in s.profiles), pattern)
        if not names:
            self.pane.show_error(
                TokenlabError(
                    f"no profile matches {pattern!r}",
                    "a glob is like demo-api-*; leave the box empty for every profile",
                )
            )
            return
        profiles = [p for p in s.profiles if p.name in set(names)]
        profiles.sort(key=lambda p: p.name)
        self.pane.start(names, pattern)
        s.run_worker(self._run(profiles), group=GROUP, exclusive=True, exit_on_error=False)

    def run_all(self) -> None:
        """The palette's entry: show the Fleet pane and run every profile."""
        self.screen.action_show_pane("fleet")
        self.run("*")

    def _event(self, event: Event) -> None:
        from tokenlab.core.fleet import FleetRowDone, FleetRowStarted

        if isinstance(event, FleetRowStarted):
            self.pane.row_started(event.profile)
        elif isinstance(event, FleetRowDone):
            self.pane.add_row(event.row, event.done, event.total)

    async def _run(self, profiles: list[Profile]) -> None:
        from tokenlab.core.fleet import FleetRowDone, FleetRowStarted, run_fleet

        bus = Bus()
        subscription = bus.subscribe(self._event, FleetRowStarted, FleetRowDone)
        try:
            result = await run_fleet(profiles, secrets=self.screen.secrets, bus=bus)
        except asyncio.CancelledError:
            self.pane.stopped("cancelled")
            raise
        except TokenlabError as exc:
            self.pane.show_error(exc)
            return
        finally:
            bus.unsubscribe(subscription)
        self.pane.finish(result)
        failed = len(result.failed)
        self.screen.app.notify(
            f"{failed} of {len(result.rows)} profiles failed" if failed else "no profile failed",
            title="fleet",
            severity="error" if failed else "information",
            markup=False,
        )
