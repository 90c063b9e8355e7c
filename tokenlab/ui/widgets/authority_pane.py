"""Stand-in for the Authority pane (U2 delivers the real one): the contract's API, plain text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tokenlab.core.authority import AuthorityReport
from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import Profile


class AuthorityPane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "recheck", "Re-check")]

    class RecheckRequested(Message):
        """Check the authority again."""

    def compose(self) -> ComposeResult:
        yield Static("no profile", classes="stand-in")

    def _say(self, text: str) -> None:
        self.query_one(Static).update(Text(text))

    def show_profile(self, profile: Profile | None) -> None:
        self._say(f"authority of {profile.name}: {profile.authority}" if profile else "no profile")

    def show_checking(self) -> None:
        self._say("checking the authority…")

    def show_report(self, report: AuthorityReport) -> None:
        findings = "\n".join(f"{f.level}: {f.message}" for f in report.findings)
        self._say(f"{report.authority}\nkind: {report.kind}\n{findings}")

    def show_error(self, error: TokenlabError) -> None:
        self._say(f"error: {error.message}\n{error.hint}")

    def action_recheck(self) -> None:
        self.post_message(self.RecheckRequested())
