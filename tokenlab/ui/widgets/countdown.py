"""Time left before a token expires, ticking every second.

Yellow (`-soon`) under five minutes, red (`-expired`) once expired. The clock is injectable
(`now`), so a test or a snapshot can hold time still and move it by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.content import Content
from textual.widgets import Static

from tokenlab.core.inspection.claims import utc_text

SOON_SECONDS = 5 * 60
STATE_CLASSES = ("-none", "-fresh", "-soon", "-expired")


def clock_text(seconds: float) -> str:
    """`4:59`, `59:12`, `1:02:03`: whole seconds, hours only when there are some."""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Countdown(Static):
    """`access token: 4:59 left (expires 18:33:52 UTC)`, updated every second."""

    def __init__(
        self,
        now: Callable[[], float] = time.time,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.expires_at: float | None = None
        self.what = "token"
        self._shown = Content()  # what it shows
        self.set_class(True, "-none")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.tick()

    def set_expiry(self, expires_at: float | None, what: str = "access token") -> None:
        """Count down to `expires_at` (seconds since the epoch); None: nothing to count."""
        self.expires_at = expires_at
        self.what = what
        self.tick()

    @property
    def seconds_left(self) -> float | None:
        return None if self.expires_at is None else self.expires_at - self.now()

    @property
    def state(self) -> str:
        """ "none", "fresh", "soon" or "expired" (the CSS class without its dash)."""
        left = self.seconds_left
        if left is None:
            return "none"
        if left <= 0:
            return "expired"
        return "soon" if left < SOON_SECONDS else "fresh"

    def tick(self) -> None:
        """Redraw for the clock's time now (the interval calls it every second)."""
        state = self.state
        for name in STATE_CLASSES:
            self.set_class(name == f"-{state}", name)
        text = self._text(state)
        if text.plain == self._shown.plain and list(text.spans) == list(self._shown.spans):
            return  # each second: nothing new to draw
        # a text of the same length keeps its size: no layout of the screen to redo
        self.update(text, layout=len(text.plain) != len(self._shown.plain))
        self._shown = text

    def _text(self, state: str) -> Content:
        left, expires = self.seconds_left, self.expires_at
        if left is None or expires is None:
            return Content(f"{self.what}: no expiry known")
        at = utc_text(expires)
        if state == "expired":
            return Content.assemble(
                f"{self.what}: ", ("EXPIRED", "bold"), f" {clock_text(left)} ago (at {at})"
            )
        return Content.assemble(
            f"{self.what}: ", (clock_text(left), "bold"), f" left (expires {at})"
        )
