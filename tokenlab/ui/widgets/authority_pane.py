"""The Authority pane: which identity service a profile talks to, what it offers, what is wrong.

The screen checks the authority (a worker calls `inspect_authority`) and calls `show_report`;
`c` asks for a new check. Findings come first, each with its reason and the next step in this
console's words; the global-authority mistake is explained in full.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from tokenlab.core.authority import AuthorityReport
from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import Profile
from tokenlab.ui import authority_view as view
from tokenlab.ui.widgets.busy_line import BusyLine
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.scrolling_pane import ScrollingPane

CSS_FILE = Path(__file__).resolve().parents[1] / "styles" / "authority.tcss"
SECTIONS = ("kind", "findings", "discovery", "endpoints", "keys", "clock", "tls", "error")
NOT_CHECKED = "not checked yet: press c to check the authority"


class AuthorityPane(ScrollingPane):
    """The authority of the active profile, as last checked."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "recheck", "Re-check")]

    class RecheckRequested(Message):
        """Check the authority again (discovery, keys, clock)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.profile: Profile | None = None
        self.report: AuthorityReport | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="authority-head")
        yield BusyLine(id="authority-busy")
        for name in SECTIONS:
            yield Static(id=f"authority-{name}", classes="authority-section")

    def on_mount(self) -> None:
        self._fill({})

    # --- calls from the screen ------------------------------------------------------------

    @until_mounted
    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        self.report = None
        self.query_one(BusyLine).stop()
        if profile is None:
            self.query_one("#authority-head", Static).update("no profile selected")
            self._fill({})
            return
        self.query_one("#authority-head", Static).update(view.head_text(profile, None))
        self._fill({"findings": Text(NOT_CHECKED, style="dim")})

    @until_mounted
    def show_checking(self) -> None:
        authority = self.profile.authority if self.profile else "the authority"
        self.query_one(BusyLine).start(f"checking {authority}")

    @until_mounted
    def show_report(self, report: AuthorityReport) -> None:
        self.report = report
        self.query_one(BusyLine).stop()
        profile = self.profile
        self.query_one("#authority-head", Static).update(view.head_text(profile, report))
        self._fill(
            {
                "kind": view.kind_text(report, profile),
                "findings": view.findings_text(report, profile),
                "discovery": view.discovery_text(report),
                "endpoints": view.endpoints_text(report),
                "keys": view.keys_text(report),
                "clock": view.clock_text(report),
                "tls": view.tls_text(report, profile),
            }
        )
        self.query_one("#authority-kind").set_class(report.kind == "global", "-global")
        self.scroll_home(animate=False)

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.report = None
        self.query_one(BusyLine).stop()
        self._fill({"error": view.error_text(error)})

    def text(self) -> str:
        """Everything the pane shows now, as plain text (what a person reads)."""
        statics = [self.query_one("#authority-head", Static)]
        statics += list(self.query(".authority-section").results(Static))
        return "\n".join(str(s.content) for s in statics if s.display and str(s.content))

    # --- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.profile is not None if action == "recheck" else True

    def action_recheck(self) -> None:
        self.post_message(self.RecheckRequested())

    def _fill(self, sections: dict[str, Text]) -> None:
        for name in SECTIONS:
            static = self.query_one(f"#authority-{name}", Static)
            text = sections.get(name)
            static.update(text or "")
            static.display = text is not None
        self.refresh_bindings()
