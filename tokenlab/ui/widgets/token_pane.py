"""Stand-in for the Token pane (U3 delivers the real one): the contract's API, plain text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.compare import ClaimDiff
from tokenlab.core.inspection.token_report import TokenReport
from tokenlab.core.redact import mask
from tokenlab.core.token_set import FlowResult


class TokenPane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify"),
        Binding("f", "refresh", "Refresh"),
        Binding("equals_sign", "compare", "Compare"),
        Binding("y", "copy", "Copy"),
    ]

    class VerifyRequested(Message):
        def __init__(self, which: str) -> None:
            super().__init__()
            self.which = which

    class RefreshRequested(Message):
        """Refresh the token."""

    class CompareRequested(Message):
        """Compare with the previous token."""

    class CopyRequested(Message):
        def __init__(self, text: str, what: str) -> None:
            super().__init__()
            self.text = text
            self.what = what

    class TokenPasted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None, now: Callable[[], float] = time.time) -> None:
        super().__init__(id=id)
        self.now = now
        self._result: FlowResult | None = None
        self._lines: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("no token yet", classes="stand-in")

    def _say(self, *lines: str, keep: bool = False) -> None:
        self._lines = [*self._lines, *lines] if keep else list(lines)
        self.query_one(Static).update(Text("\n".join(self._lines)))

    def show_result(self, result: FlowResult) -> None:
        self._result = result
        token = result.api_token
        self._say(f"{token.token_type} token {mask(token.access_token)} ({result.flow})")

    def show_report(self, report: TokenReport, which: str) -> None:
        marks = " ".join(f"{c.name}:{c.status}" for c in report.checks)
        self._say(f"{which}: {report.token.kind}", marks, keep=True)

    def show_comparison(self, diffs: list[ClaimDiff]) -> None:
        self._say(*(f"{d.name}: {d.change}" for d in diffs), keep=True)

    def show_error(self, error: TokenlabError) -> None:
        self._say(f"error: {error.message}", keep=True)

    def action_verify(self) -> None:
        self.post_message(self.VerifyRequested("access"))

    def action_refresh(self) -> None:
        self.post_message(self.RefreshRequested())

    def action_compare(self) -> None:
        self.post_message(self.CompareRequested())

    def action_copy(self) -> None:
        token = self._result.api_token if self._result else None
        if token is None or token.token_type == "reference":
            self.notify("nothing to copy: a reference token is never copied", severity="warning")
            return
        self.post_message(self.CopyRequested(token.access_token, "access token"))
