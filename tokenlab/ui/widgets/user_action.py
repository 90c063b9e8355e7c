"""What the person must do for a run to go on: open an address, enter a code, or paste.

Every address is shown whole (wrapped, never cut) so it can be selected by hand, and the flow
pane copies it on a key. A device code is shown large with a QR code of the verification
address; a paste box appears when the run reads a pasted redirect address; over SSH, the
`ssh -L` line that lets a browser on the user's own machine reach the listener. The wait's
deadline counts down every second (the clock is injectable for snapshots).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from tokenlab.core.events import UserActionRequired
from tokenlab.core.inspection.claims import printable
from tokenlab.core.terminal_text import inert_lines
from tokenlab.ui.messages import TextRequest
from tokenlab.ui.widgets.qr_code import QrCode

TITLE = {
    "open-url": "Sign in",
    "enter-code": "Enter this code",
    "paste-redirect": "Sign in, then paste the address the browser ends on",
    "end-session": "Sign out in the browser",
}


def spaced_code(code: str) -> str:
    """`ABCD-EFGH` as `A B C D - E F G H`: easier to read aloud and to type on a phone."""
    return " ".join(printable(code))


def left_text(seconds: float) -> str:
    if seconds <= 0:
        return "the wait is over: press r to start again"
    minutes, secs = divmod(round(seconds), 60)
    return f"waits {minutes}:{secs:02d} more"


def _labelled(label: str, value: str) -> Text:
    """A label line, then the value whole on its own lines: long addresses fold, never cut."""
    text = Text(label + "\n", style="bold")
    text.append(printable(value))
    return text


class UserActionPanel(Vertical):
    """`show(event)` fills it from a `UserActionRequired`; `clear()` hides it."""

    class PasteSubmitted(TextRequest):
        """Enter in the paste box: the pasted redirect address (or code)."""

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.event: UserActionRequired | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="ua-title")
        yield Static(id="ua-message")
        yield Static(id="ua-code")
        yield Static(id="ua-url")
        yield QrCode(id="ua-qr")
        yield Static(id="ua-where")
        yield Static(id="ua-redirect")
        yield Static(id="ua-ssh")
        yield Input(
            placeholder="p: paste the address the browser ended on (or the code), then Enter",
            id="ua-paste",
        )
        yield Static(id="ua-deadline")

    def on_mount(self) -> None:
        self.display = self.event is not None

    # --- what the flow pane asks ----------------------------------------------------------

    @property
    def copy_url(self) -> str:
        """The address to copy: the page with the code filled in, else the sign-in address."""
        e = self.event
        return (e.verification_uri_complete or e.url or e.verification_uri) if e else ""

    @property
    def ssh_command(self) -> str:
        return self.event.ssh_command if self.event else ""

    @property
    def expects_paste(self) -> bool:
        return bool(self.event and self.event.expects_paste)

    def text(self) -> str:
        """What the panel shows now, as plain text (what a person reads)."""
        shown = [s for s in self.query(Static) if s.display and not isinstance(s, QrCode)]
        return "\n".join(str(s.content) for s in shown if str(s.content))

    def show(self, event: UserActionRequired) -> None:
        self.event = event
        code = event.action == "enter-code" and bool(event.user_code)
        self._set("#ua-title", Text(TITLE.get(event.action, "Your turn"), style="bold reverse"))
        self._set("#ua-message", Text(inert_lines(event.message)))
        self._set("#ua-code", Text(spaced_code(event.user_code), style="bold") if code else None)
        self._set("#ua-url", self._url_text(event))
        self._set(
            "#ua-where",
            _labelled("Enter it at:", event.verification_uri)
            if code and event.verification_uri
            else None,
        )
        self._set(
            "#ua-redirect",
            Text(f"The browser comes back to {printable(event.redirect_uri)}", style="dim")
            if event.redirect_uri
            else None,
        )
        self._set(
            "#ua-ssh",
            _labelled(
                "Over SSH, run this on your own machine first (s copies it):", event.ssh_command
            )
            if event.ssh_command
            else None,
        )
        self.query_one(QrCode).show(
            (event.verification_uri_complete or event.verification_uri) if code else ""
        )
        paste = self.query_one("#ua-paste", Input)
        paste.display = event.expects_paste
        paste.clear()
        self.display = True
        self._start_countdown()

    def clear(self) -> None:
        self.event = None
        self._stop_countdown()
        self.query_one(QrCode).show("")
        self.query_one("#ua-paste", Input).clear()
        self.display = False

    def focus_paste(self) -> bool:
        """Put the cursor in the paste box; False when this run reads no paste."""
        if not self.expects_paste:
            return False
        self.query_one("#ua-paste", Input).focus()
        return True

    # --- inside ---------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text and self.expects_paste:
            event.input.clear()  # it holds an authorization code: not kept on screen
            self.post_message(self.PasteSubmitted(text))

    def _url_text(self, event: UserActionRequired) -> Text | None:
        if event.action == "enter-code":
            if event.verification_uri_complete:
                return _labelled(
                    "Or open this (the code filled in; y copies it):",
                    event.verification_uri_complete,
                )
            return None
        if event.url:
            return _labelled("Open this address (y copies it):", event.url)
        return None

    def _set(self, selector: str, text: Text | None) -> None:
        static = self.query_one(selector, Static)
        static.update(text or "")
        static.display = text is not None

    def _start_countdown(self) -> None:
        self._stop_countdown()
        deadline = self.query_one("#ua-deadline", Static)
        deadline.display = self.event is not None and self.event.deadline is not None
        if deadline.display:
            self._tick()
            self._timer = self.set_interval(1.0, self._tick)

    def _stop_countdown(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        if self.event is None or self.event.deadline is None:
            return
        left = self.event.deadline - self.now()
        style = "bold red" if left < 30 else "bold yellow" if left < 60 else "bold"
        self.query_one("#ua-deadline", Static).update(Text(left_text(left), style=style))
        if left <= 0:
            self._stop_countdown()
