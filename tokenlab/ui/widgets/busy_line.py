"""A spinner and the seconds elapsed: shown while a pane waits on a server, hidden otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class BusyLine(Static):
    """`start(what)` shows "⠋ what… 3 s" until `stop()`; the clock is injectable for tests."""

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.monotonic,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self.now = now
        self.what = ""
        self._since = 0.0
        self._timer: Timer | None = None

    @property
    def busy(self) -> bool:
        return self._timer is not None

    @property
    def elapsed(self) -> float:
        return self.now() - self._since if self.busy else 0.0

    def on_mount(self) -> None:
        self.display = self.busy

    def start(self, what: str) -> None:
        self.stop()
        self.what = what
        self._since = self.now()
        self._timer = self.set_interval(0.25, self._tick)
        self.display = True
        self._tick()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def _tick(self) -> None:
        frame = FRAMES[int(self.elapsed * 4) % len(FRAMES)]  # from the clock: fixed in snapshots
        self.update(Text(f"{frame} {self.what}… {self.elapsed:.0f} s", style="bold"))
