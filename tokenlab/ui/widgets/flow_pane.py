"""Stand-in for the Flow pane (U2 delivers the real one): the contract's API, plain text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tokenlab.core.events import (
    FlowFailed,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.flows.runner import DEFAULT_FLOW
from tokenlab.core.profiles import Profile
from tokenlab.ui.remedies import render_remedy


class FlowPane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("v", "device", "Run by device code"),
        Binding("escape", "cancel", "Cancel"),
    ]

    class RunRequested(Message):
        def __init__(self, flow: str, finish: str | None) -> None:
            super().__init__()
            self.flow = flow
            self.finish = finish

    class CancelRequested(Message):
        """Stop the run."""

    class PasteSubmitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class CopyRequested(Message):
        def __init__(self, text: str, what: str) -> None:
            super().__init__()
            self.text = text
            self.what = what

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.flow = "client-credentials"
        self._lines: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("no profile", classes="stand-in")

    def _add(self, *lines: str) -> None:
        self._lines += lines
        self.query_one(Static).update(Text("\n".join(self._lines)))

    def show_profile(self, profile: Profile | None) -> None:
        self._lines = []
        if profile is None:
            self._add("no profile")
            return
        self.flow = DEFAULT_FLOW[profile.scenario]
        self._add(f"profile {profile.name}: flow {self.flow}")

    def run_started(self, event: FlowStarted) -> None:
        self._add(f"flow {event.flow} for {event.profile}")

    def add_exchange(self, event: HttpExchange) -> None:
        self._add(f"{event.method} {event.url} {event.status} {event.elapsed_ms:.0f} ms")

    def show_user_action(self, event: UserActionRequired) -> None:
        self._add(event.message, event.url, f"code: {event.user_code}" if event.user_code else "")

    def add_notice(self, event: Notice) -> None:
        self._add(f"{event.level}: {event.message}")

    def token_issued(self, event: TokenIssued) -> None:
        self._add(f"token issued: {event.masked_token}")

    def run_failed(self, event: FlowFailed) -> None:
        if event.cancelled:
            self._add("cancelled")
            return
        self._add(f"error: {event.message}", f"hint: {event.hint}", render_remedy(event.remedy))

    def run_finished(self, ok: bool) -> None:
        self._add("finished: a token" if ok else "finished: no token")

    def action_run(self) -> None:
        self.post_message(self.RunRequested(self.flow, None))

    def action_device(self) -> None:
        self.post_message(self.RunRequested(self.flow, "device"))

    def action_cancel(self) -> None:
        self.post_message(self.CancelRequested())
