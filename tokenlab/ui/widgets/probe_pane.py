"""The Probe pane: edit the request (preset from the profile's probe), send it, and read the
answer: status, timing, headers, body, the decoded challenge and the ranked causes of a
refusal; go back to an earlier probe in the history; repeat it N times for latency.

The pane does no network: Send and Repeat post messages, and the screen calls `show_*` back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tokenlab.core.errors import TokenlabError
from tokenlab.core.probing import ProbeResult, RepeatResult
from tokenlab.core.probing.what_if import WhatIfResult
from tokenlab.core.profiles import Profile
from tokenlab.ui.widgets.busy_line import BusyLine
from tokenlab.ui.widgets.latency_chart import LatencyChart
from tokenlab.ui.widgets.marks import error_content
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.probe_form import DraftRequest, ProbeForm, RequestProblem
from tokenlab.ui.widgets.probe_result_view import ProbeResultView
from tokenlab.ui.widgets.scrolling_pane import ScrollingPane

Headers = tuple[tuple[str, str], ...]


def history_label(number: int, result: ProbeResult) -> Content:
    style = "$success" if result.ok else "$error"
    return Content.assemble(
        f"{number:>2}. {result.method} ",
        result.url,
        " → ",
        (f"{result.status}", f"bold {style}"),
        f" · {result.elapsed_ms:.0f} ms",
    )


class ProbePane(ScrollingPane):
    """Send the profile's probe request (as edited) and read the API's answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "send", "Send"),
        Binding("n", "repeat", "Repeat ×N"),
        Binding("w", "what_if", "What if"),
        Binding("h", "history", "History"),
        Binding("b", "body", "Body"),
    ]

    class SendRequested(Message):
        def __init__(self, method: str, path: str, headers: Headers) -> None:
            super().__init__()
            self.method = method
            self.path = path
            self.headers = headers

    class WhatIfRequested(Message):
        """Send the request, then replay it changing one thing at a time (when refused)."""

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

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.history: list[ProbeResult] = []

    def compose(self) -> ComposeResult:
        yield ProbeForm(id="probe-form")
        yield BusyLine(self.now, id="probe-busy")
        yield Static(id="probe-notice")
        yield ProbeResultView(id="probe-result")
        yield LatencyChart(id="probe-repeat")
        yield Static("History (Enter shows a probe again)", id="probe-history-title")
        yield OptionList(id="probe-history")

    def on_mount(self) -> None:
        for widget_id in (
            "probe-notice",
            "probe-result",
            "probe-repeat",
            "probe-history-title",
            "probe-history",
        ):
            self.query_one(f"#{widget_id}").display = False

    # -- calls from the screen -------------------------------------------------------------

    @until_mounted
    def show_profile(self, profile: Profile | None) -> None:
        self.query_one(ProbeForm).preset(profile)

    @until_mounted
    def show_sending(self) -> None:
        self.notice("")
        self.query_one(BusyLine).start("sending")

    @until_mounted
    def show_result(self, result: ProbeResult) -> None:
        """A probe's answer; it also becomes the newest entry of the history."""
        self.query_one(BusyLine).stop()
        self.notice("")
        self.history.append(result)
        history = self.query_one("#probe-history", OptionList)
        history.add_option(
            Option(history_label(len(self.history), result), id=str(len(self.history) - 1))
        )
        history.highlighted = len(self.history) - 1
        history.display = True
        self.query_one("#probe-history-title").display = True
        self.query_one(ProbeResultView).show(result)

    @until_mounted
    def show_what_if(self, result: WhatIfResult) -> None:
        """A what-if replay: its first answer joins the history; the replays show under it."""
        self.show_result(result.original)
        self.query_one(ProbeResultView).show_what_if(result)

    @until_mounted
    def show_repeat(self, result: RepeatResult) -> None:
        self.query_one(BusyLine).stop()
        self.notice("")
        self.query_one(LatencyChart).show(result)
        if result.first is not None:
            self.query_one(ProbeResultView).show(result.first)

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.query_one(BusyLine).stop()
        self.notice(error_content(error), error=True)

    def notice(self, text: str | Content, *, error: bool = False) -> None:
        shown = self.query_one("#probe-notice", Static)
        shown.update(text)
        shown.display = bool(text)
        shown.set_class(error, "-error")

    # -- actions ---------------------------------------------------------------------------

    def _draft(self) -> DraftRequest | None:
        try:
            return self.query_one(ProbeForm).draft()
        except RequestProblem as exc:
            self.notice(f"Cannot send: {exc}", error=True)
            return None

    def action_send(self) -> None:
        draft = self._draft()
        if draft is not None:
            self.post_message(self.SendRequested(draft.method, draft.path, draft.headers))

    def action_what_if(self) -> None:
        draft = self._draft()
        if draft is not None:
            self.post_message(self.WhatIfRequested(draft.method, draft.path, draft.headers))

    def action_repeat(self) -> None:
        draft = self._draft()
        if draft is None:
            return
        try:
            count = self.query_one(ProbeForm).repeat_count()
        except RequestProblem as exc:
            self.notice(f"Cannot repeat: {exc}", error=True)
            return
        self.post_message(self.RepeatRequested(count, draft.method, draft.path, draft.headers))

    def action_history(self) -> None:
        history = self.query_one("#probe-history", OptionList)
        if self.history:
            history.focus()
            self.scroll_to_widget(history)
        else:
            self.notice("No probes yet: press s to send one.")

    def action_body(self) -> None:
        body = self.query_one("#probe-body", VerticalScroll)
        if body.display and self.history:
            body.focus()
            self.scroll_to_widget(body)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "probe-count":
            self.action_repeat()
        else:
            self.action_send()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        self.query_one(ProbeResultView).show(self.history[index])
        self.notice(f"Showing probe {index + 1} of {len(self.history)}.")
