"""The Flow pane: choose a flow, run it, watch each HTTP exchange, act when the run waits.

Calls come down from the screen (`show_profile`, `run_started`, `add_exchange`, ...) with the
core's events; the pane posts its messages up (`RunRequested`, `CancelRequested`,
`PasteSubmitted`, `CopyRequested`) and runs nothing itself. Enter on a timeline row opens the
exchange's masked request and response.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from tokenlab.core.events import (
    FlowFailed,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.profiles import Profile
from tokenlab.ui import flow_text
from tokenlab.ui.flow_choices import CHOICE, FLOW_CHOICES, FlowChoice, preset_choice
from tokenlab.ui.messages import CopyRequest, TextRequest
from tokenlab.ui.screens.exchange_detail import ExchangeDetailScreen
from tokenlab.ui.widgets.busy_line import BusyLine
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.user_action import UserActionPanel

CSS_FILE = Path(__file__).resolve().parents[1] / "styles" / "flow.tcss"
NO_PROFILE = "no profile selected: pick one in the profile list"
TIMELINE_COLUMNS = ("#", "method", "status", "ms", "URL (enter: details)")


class FlowPane(Vertical):
    """One profile's flow runs: the chooser, the live timeline, the user's part, the outcome."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("escape", "cancel", "Cancel"),
        Binding("f", "next_flow", "Next flow"),
        Binding("y", "copy_url", "Copy URL"),
        Binding("s", "copy_ssh", "Copy ssh -L"),
        Binding("p", "paste", "Paste box"),
    ]

    class RunRequested(Message):
        """Run `flow` (a registry name, or "revoke" / "sign-out"), finished as `finish`."""

        def __init__(self, flow: str, finish: str | None) -> None:
            super().__init__()
            self.flow = flow
            self.finish = finish

    class CancelRequested(Message):
        """Stop the run that is going on."""

    class PasteSubmitted(TextRequest):
        """The redirect address (or code) the person pasted, for the waiting run."""

    class CopyRequested(CopyRequest):
        """Copy `text` to the clipboard; `what` names it for the toast ("sign-in URL", ...)."""

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now  # epoch seconds, for the user's deadline (fixed in snapshots)
        self.profile: Profile | None = None
        self.running = False
        self.running_flow = ""  # the flow of the last run, for its outcome's words
        self.exchanges: list[HttpExchange] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="flow-bar"):
            yield Static(NO_PROFILE, id="flow-profile")
            yield Select(
                [(c.label, c.key) for c in FLOW_CHOICES],
                allow_blank=False,
                value=FLOW_CHOICES[0].key,
                id="flow-choice",
            )
        yield BusyLine(now=self.now, id="flow-busy")
        with VerticalScroll(id="flow-body"):
            yield DataTable(id="flow-timeline", cursor_type="row", zebra_stripes=True)
            yield UserActionPanel(now=self.now, id="flow-action")
            yield Vertical(id="flow-log")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*TIMELINE_COLUMNS)

    # --- calls from the screen ------------------------------------------------------------

    @property
    def choice(self) -> FlowChoice:
        value = self.query_one("#flow-choice", Select).value
        return CHOICE.get(str(value), FLOW_CHOICES[0])

    @until_mounted
    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        select = self.query_one("#flow-choice", Select)
        if profile is None:
            self.query_one("#flow-profile", Static).update(NO_PROFILE)
            select.disabled = True
        else:
            label = Text(profile.name, style="bold")
            label.append(f"  {profile.scenario}  flow:", style="dim")
            self.query_one("#flow-profile", Static).update(label)
            select.disabled = False
            select.value = preset_choice(profile).key
        self.refresh_bindings()

    @until_mounted
    def run_started(self, event: FlowStarted) -> None:
        self.running = True
        self.running_flow = event.flow
        self.exchanges.clear()
        self.query_one(DataTable).clear()
        self.query_one(UserActionPanel).clear()
        self.query_one("#flow-log").remove_children()
        self.query_one(BusyLine).start(f"running {event.flow} for {event.profile}")
        if self.choice.flow != event.flow:  # the bar names the flow that runs
            running = next((c for c in FLOW_CHOICES if c.flow == event.flow), None)
            if running is not None:
                self.query_one("#flow-choice", Select).value = running.key
        self.refresh_bindings()

    @until_mounted
    def add_exchange(self, event: HttpExchange) -> None:
        self.exchanges.append(event)
        table = self.query_one(DataTable)
        table.add_row(*flow_text.exchange_cells(len(self.exchanges), event))
        table.scroll_end(animate=False)

    @until_mounted
    def show_user_action(self, event: UserActionRequired) -> None:
        panel = self.query_one(UserActionPanel)
        panel.show(event)  # the paste box waits for p: y must still copy the sign-in URL first
        self.call_after_refresh(self.query_one("#flow-body").scroll_to_widget, panel, top=True)
        self.refresh_bindings()

    @until_mounted
    def add_notice(self, event: Notice) -> None:
        self._log(flow_text.notice_text(event), f"-{event.level}")

    @until_mounted
    def token_issued(self, event: TokenIssued) -> None:
        self._log(flow_text.token_text(event), "-ok")

    @until_mounted
    def run_failed(self, event: FlowFailed) -> None:
        self.query_one(UserActionPanel).clear()
        self._log(flow_text.failure_text(event), "-cancelled" if event.cancelled else "-error")
        self._stop()

    @until_mounted
    def run_finished(self, ok: bool) -> None:
        self.query_one(UserActionPanel).clear()
        self._log(flow_text.finished_text(ok, self.running_flow), "-ok" if ok else "-done")
        self._stop()

    def entries(self) -> list[str]:
        """The outcome and notice lines shown under the timeline, as plain text."""
        return [str(s.content) for s in self.query_one("#flow-log").query(Static)]

    # --- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys that do nothing now, so the footer shows only what works."""
        panels = self.query(UserActionPanel)
        if not panels:  # asked before the pane was composed
            return True
        panel = panels.first()
        available = {
            "run": self.profile is not None,
            "next_flow": self.profile is not None,
            "cancel": self.running,
            "copy_url": bool(panel.copy_url),
            "copy_ssh": bool(panel.ssh_command),
            "paste": panel.expects_paste,
        }
        return available.get(action, True)

    def action_run(self) -> None:
        choice = self.choice
        self.post_message(self.RunRequested(choice.flow, choice.finish))

    def action_cancel(self) -> None:
        self.post_message(self.CancelRequested())

    def action_next_flow(self) -> None:
        keys = [c.key for c in FLOW_CHOICES]
        select = self.query_one("#flow-choice", Select)
        select.value = keys[(keys.index(self.choice.key) + 1) % len(keys)]

    def action_copy_url(self) -> None:
        url = self.query_one(UserActionPanel).copy_url
        if url:
            self.post_message(self.CopyRequested(url, "sign-in URL"))

    def action_copy_ssh(self) -> None:
        command = self.query_one(UserActionPanel).ssh_command
        if command:
            self.post_message(self.CopyRequested(command, "ssh -L command"))

    def action_paste(self) -> None:
        self.query_one(UserActionPanel).focus_paste()

    def on_user_action_panel_paste_submitted(self, message: UserActionPanel.PasteSubmitted) -> None:
        message.stop()
        self._log(Text("pasted: checking the answer…", style="dim"), "-info")
        self.post_message(self.PasteSubmitted(message.text))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        if 0 <= message.cursor_row < len(self.exchanges):
            self.app.push_screen(ExchangeDetailScreen(self.exchanges[message.cursor_row]))

    # --- inside ---------------------------------------------------------------------------

    def _log(self, text: Text, level: str) -> None:
        entry = Static(text, classes=f"flow-entry {level}")
        self.query_one("#flow-log").mount(entry)
        if not self.query_one(UserActionPanel).display:  # while the run waits, that stays in view
            self.call_after_refresh(self.query_one("#flow-body").scroll_end, animate=False)

    def _stop(self) -> None:
        self.running = False
        self.query_one(BusyLine).stop()
        self.refresh_bindings()
