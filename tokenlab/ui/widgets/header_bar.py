"""The top line: the active profile, the kind of its authority, and the token's time left."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from tokenlab.core.authority import classify
from tokenlab.core.inspection.claims import duration_text
from tokenlab.core.profiles import Profile

KIND_WORDS = {
    "instance": "instance identity service",
    "global": "global authority",
    "other": "other authority",
}


class HeaderBar(Static):
    """Redraws every second while a token has an expiry, so the time left counts down."""

    def __init__(
        self, title: str, *, id: str | None = None, now: Callable[[], float] = time.time
    ) -> None:
        super().__init__(id=id)
        self.title = title
        self.now = now
        self.profile: Profile | None = None
        self.expires_at: float | None = None
        self.has_token = False
        self._shown = Text()  # what it shows

    def on_mount(self) -> None:
        self.set_interval(1.0, self.redraw)
        self.redraw()

    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        self.show_token(False, None)

    def show_token(self, has_token: bool, expires_at: float | None) -> None:
        self.has_token = has_token
        self.expires_at = expires_at
        self.redraw()

    def text(self) -> Text:
        out = Text(self.title, style="bold")
        p = self.profile
        if p is None:
            out.append("  no profile")
            return out
        out.append("  profile ")
        out.append(p.name, style="bold")
        out.append(f"  {KIND_WORDS[classify(p.authority)]}")
        if self.has_token:
            out.append("  token ")
            out.append(*self._time_left())
        return out

    def _time_left(self) -> tuple[str, str]:
        if self.expires_at is None:
            return "no expiry given", ""
        left = self.expires_at - self.now()
        if left <= 0:
            return "expired", "bold red"
        shown = duration_text(left) if left >= 3600 else f"{int(left) // 60}:{int(left) % 60:02d}"
        return f"{shown} left", "yellow" if left < 300 else "green"

    def redraw(self) -> None:
        """Show the text for now; a text of the same length keeps its size, so the screen's
        layout is not redone (it is redrawn each second)."""
        text = self.text()
        if text.plain == self._shown.plain and text.spans == self._shown.spans:
            return
        self.update(text, layout=len(text.plain) != len(self._shown.plain))
        self._shown = text
