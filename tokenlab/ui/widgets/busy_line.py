"""A spinner and the time elapsed, for a pane waiting on the core ("sending… 1.2 s")."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class BusyLine(Static):
    """Shown only while busy (class `-busy`); `start(label)` and `stop()`."""

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.label = ""
        self.started: float | None = None
        self._frame = 0
        self._timer: Timer | None = None

    @property
    def busy(self) -> bool:
        return self.started is not None

    def start(self, label: str) -> None:
        self.label, self.started, self._frame = label, self.now(), 0
        self.add_class("-busy")
        if self._timer is None:
            self._timer = self.set_interval(0.1, self.tick)
        self.tick()

    def relabel(self, label: str) -> None:
        """New words for the same wait (the elapsed time goes on)."""
        self.label = label
        self.tick()

    def stop(self) -> None:
        self.started = None
        self.remove_class("-busy")
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.update("")

    def tick(self) -> None:
        if self.started is None:
            return
        self._frame = (self._frame + 1) % len(FRAMES)
        elapsed = self.now() - self.started
        self.update(f"{FRAMES[self._frame]} {self.label}… {elapsed:.1f} s")
