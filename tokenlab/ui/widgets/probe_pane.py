"""Stand-in for the Probe pane (U3 delivers the real one): the contract's API, plain text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tokenlab.core.errors import TokenlabError
from tokenlab.core.probing import ProbeResult, RepeatResult
from tokenlab.core.profiles import Profile

Headers = tuple[tuple[str, str], ...]


class ProbePane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "send", "Send"),
        Binding("R", "repeat", "Repeat x10"),
    ]

    class SendRequested(Message):
        def __init__(self, method: str, path: str, headers: Headers) -> None:
            super().__init__()
            self.method = method
            self.path = path
            self.headers = headers

    class RepeatRequested(Message):
        def __init__(self, count: int, method: str, path: str, headers: Headers) -> None:
            super().__init__()
            self.count = count
            self.method = method
            self.path = path
            self.headers = headers

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._request: tuple[str, str, Headers] = ("GET", "", ())

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("no profile", classes="stand-in")

    def _say(self, text: str) -> None:
        self.query_one(Static).update(Text(text))

    def show_profile(self, profile: Profile | None) -> None:
        if profile is None:
            self._say("no profile")
            return
        self._request = (profile.probe.method, profile.probe.path, profile.probe.headers)
        self._say(f"{profile.probe.method} {profile.api}{profile.probe.path}")

    def show_sending(self) -> None:
        self._say("sending…")

    def show_result(self, result: ProbeResult) -> None:
        causes = "\n".join(c.title for c in result.verdict.causes)
        self._say(f"{result.method} {result.url}\nHTTP {result.status} {result.reason}\n{causes}")

    def show_repeat(self, result: RepeatResult) -> None:
        self._say(f"sent {result.sent}: {result.statuses}; p50 {result.p50_ms} ms")

    def show_error(self, error: TokenlabError) -> None:
        self._say(f"error: {error.message}\n{error.hint}")

    def action_send(self) -> None:
        self.post_message(self.SendRequested(*self._request))

    def action_repeat(self) -> None:
        self.post_message(self.RepeatRequested(10, *self._request))
