"""Stand-in for the Doctor pane (U3 delivers the real one): the contract's API, plain text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tokenlab.core.doctor import DoctorRun
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import DoctorStepDone
from tokenlab.core.profiles import Profile
from tokenlab.core.report import STATUS_MARK


class DoctorPane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "run", "Run doctor"),
        Binding("e", "export('markdown')", "Export Markdown"),
        Binding("E", "export('json')", "Export JSON"),
        Binding("c", "copy_curl", "Copy as curl"),
    ]

    class RunRequested(Message):
        """Run the doctor."""

    class ExportRequested(Message):
        def __init__(self, fmt: str) -> None:
            super().__init__()
            self.fmt = fmt

    class CopyCurlRequested(Message):
        """Copy the failing request as curl."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("no profile", classes="stand-in")

    def _say(self, *lines: str, keep: bool = True) -> None:
        self._lines = [*self._lines, *lines] if keep else list(lines)
        self.query_one(Static).update(Text("\n".join(self._lines)))

    def show_profile(self, profile: Profile | None) -> None:
        self._say(f"doctor for {profile.name}" if profile else "no profile", keep=False)

    def start(self) -> None:
        self._say("running", keep=False)

    def add_step(self, event: DoctorStepDone) -> None:
        self._say(f"[{STATUS_MARK.get(event.status, event.status)}] {event.title}")

    def show_run(self, run: DoctorRun) -> None:
        ok = run.diagnosis.api_ok
        self._say("OK: the API answered 200" if ok else "NOT OK: see the checklist")

    def show_exported(self, path: str) -> None:
        self._say(f"exported to {path}")

    def show_error(self, error: TokenlabError) -> None:
        self._say(f"error: {error.message}")

    def action_run(self) -> None:
        self.post_message(self.RunRequested())

    def action_export(self, fmt: str) -> None:
        self.post_message(self.ExportRequested(fmt))

    def action_copy_curl(self) -> None:
        self.post_message(self.CopyCurlRequested())
