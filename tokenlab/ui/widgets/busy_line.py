"""A spinner and the time elapsed, for a pane waiting on the core ("sending… 1.2 s").

Shown only while busy (`display`, and the class `-busy` for styles); `start(label)`, `relabel`,
`stop()`. The spinner frame follows the injected clock, so a snapshot with a fixed clock is fixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class BusyLine(Static):
    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self.now = now
        self.label = ""
        self.started: float | None = None
        self._timer: Timer | None = None
        self._shown_length = 0

    @property
    def busy(self) -> bool:
        return self.started is not None

    @property
    def elapsed(self) -> float:
        return self.now() - self.started if self.started is not None else 0.0

    def on_mount(self) -> None:
        self.display = self.busy

    def start(self, label: str) -> None:
        self.label, self.started = label, self.now()
        self.add_class("-busy")
        self.display = True
        if self._timer is None:
            self._timer = self.set_interval(0.1, self.tick)
        self.tick()

    def relabel(self, label: str) -> None:
        """New words for the same wait (the elapsed time goes on)."""
        self.label = label
        self.tick()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.started = None
        self.remove_class("-busy")
        self.display = False
        self.update("")
        self._shown_length = 0

    def tick(self) -> None:
        if self.started is None:
            return
        elapsed = self.elapsed
        frame = FRAMES[int(elapsed * 10) % len(FRAMES)]
        line = f"{frame} {self.label}… {elapsed:.1f} s"
        # ten times a second: a line of the same length keeps its size, no layout to redo
        self.update(Text(line, style="bold"), layout=len(line) != self._shown_length)
        self._shown_length = len(line)
