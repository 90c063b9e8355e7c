"""The Watch pane: keep the active profile's token fresh, probe its API on an interval, and show
the timeline (time, status, latency, token, time left), the findings with their evidence, and a
summary when the watch stops.

The pane does no network: s posts StartRequested or StopRequested; the screen runs the watcher
(ui/watch_runs.py) and calls `started`, `add_renewal`, `add_probe`, `add_finding`, `stopped`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import Profile
from tokenlab.core.watch import Finding, ProbeRecord, RenewRecord, WatchSummary, duration_text
from tokenlab.ui.widgets.marks import INDENT, error_content, mark
from tokenlab.ui.widgets.pane_calls import until_mounted

INTERVALS_S = (30.0, 60.0, 300.0, 10.0, 2.0)  # i cycles through them; the first is the default
MAX_ROWS = 500  # the newest rows of a long watch: a table, not a log file
TOKEN_CHARS = 8


def short_id(token_id: str) -> str:
    """`jti:4422602BE67AC176` -> `4422602B`: enough to tell tokens apart in a column."""
    return token_id.split(":", 1)[-1][:TOKEN_CHARS]


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")  # as the CLI prints it


def finding_content(f: Finding) -> Content:
    lines = [
        Content.assemble(mark("fail" if f.weight == "failure" else "warn"), " ", (f.title, "bold"))
    ]
    lines += [Content.assemble(INDENT, "· ", item) for item in f.evidence]
    lines.append(Content.assemble(INDENT, (f.explanation, "italic")))
    return Content("\n").join(lines)


def summary_content(s: WatchSummary) -> Content:
    statuses = ", ".join(f"{k}×{v}" for k, v in s.statuses.items()) or "-"
    p50 = "-" if s.p50_ms is None else f"{s.p50_ms:.0f} ms"
    top = "-" if s.max_ms is None else f"{s.max_ms:.0f} ms"
    verdict = mark("fail" if s.failed else "warn" if s.findings else "pass")
    return Content("\n").join(
        [
            Content.assemble(
                verdict, " ", (f"stopped after {s.probes} probes", "bold"), f" · {statuses}"
            ),
            Content(
                f"{INDENT}latency p50 {p50}, max {top} · {len(s.tokens)} tokens, {s.renewals} renewals"
            ),
            Content(
                f"{INDENT}{len(s.findings)} findings" if s.findings else f"{INDENT}no findings"
            ),
        ]
    )


class WatchPane(Vertical):
    """The live timeline of one watch and what it found."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start_stop", "Start/stop watch"),
        Binding("i", "interval", "Interval"),
    ]

    class StartRequested(Message):
        def __init__(self, interval_s: float) -> None:
            super().__init__()
            self.interval_s = interval_s

    class StopRequested(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.interval_s = INTERVALS_S[0]
        self.running = False
        self.profile_name = ""
        self.found: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Static(id="watch-status")
        table: DataTable[str] = DataTable(
            id="watch-timeline", cursor_type="row", zebra_stripes=True
        )
        table.add_columns("UTC", "status", "ms", "token", "left", "node")
        yield table
        with VerticalScroll(id="watch-findings"):
            yield Static(id="watch-found")
            yield Static(id="watch-summary")

    def on_mount(self) -> None:
        self._show_status()

    # --- keys -------------------------------------------------------------------------------

    @until_mounted
    def action_start_stop(self) -> None:
        self.post_message(
            self.StopRequested() if self.running else self.StartRequested(self.interval_s)
        )

    def action_interval(self) -> None:
        i = INTERVALS_S.index(self.interval_s) if self.interval_s in INTERVALS_S else -1
        self.interval_s = INTERVALS_S[(i + 1) % len(INTERVALS_S)]
        self._show_status()
        if self.running:
            self.app.notify("the new interval applies from the next start (s twice)")

    # --- calls down from the screen ---------------------------------------------------------

    @until_mounted
    def show_profile(self, profile: Profile | None) -> None:
        self.profile_name = profile.name if profile else ""
        self._show_status()

    @until_mounted
    def started(self, api_url: str, margin_s: float) -> None:
        self.running = True
        self.query_one("#watch-timeline", DataTable).clear()
        self.found = []
        self.query_one("#watch-found", Static).update("")
        self.query_one("#watch-summary", Static).update("")
        self._show_status(f"{api_url} · renewed {duration_text(margin_s)} before expiry")

    @until_mounted
    def add_renewal(self, r: RenewRecord) -> None:
        token = short_id(r.after.token_id) if r.after else "-"
        left = None if r.after is None or r.after.expires_at is None else r.after.expires_at - r.at
        self._add_row(_clock(r.at), "new" if r.after else "✗", "", token, duration_text(left), "")

    @until_mounted
    def add_probe(self, p: ProbeRecord) -> None:
        status = str(p.status) if p.status is not None else "---"
        latency = "-" if p.latency_ms is None else f"{p.latency_ms:.0f}"
        node = p.node.split(": ", 1)[-1]
        token = short_id(p.token.token_id)
        self._add_row(_clock(p.at), status, latency, token, duration_text(p.seconds_left), node)

    @until_mounted
    def add_finding(self, f: Finding) -> None:
        self.found.append(f)
        self.query_one("#watch-found", Static).update(
            Content("\n\n").join(finding_content(x) for x in self.found)
        )

    @until_mounted
    def stopped(self, s: WatchSummary) -> None:
        self.running = False
        self._show_status()
        self.query_one("#watch-summary", Static).update(summary_content(s))

    @until_mounted
    def idle(self) -> None:
        """The watch's worker is gone (a summary came before, or it never began)."""
        self.running = False
        self._show_status()

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.running = False
        self._show_status()
        self.query_one("#watch-summary", Static).update(error_content(error))

    # --- inside -----------------------------------------------------------------------------

    def _add_row(self, *cells: str) -> None:
        table: DataTable[str] = self.query_one("#watch-timeline", DataTable)
        if table.row_count >= MAX_ROWS:
            table.remove_row(next(iter(table.rows)))
        table.add_row(*cells)
        table.move_cursor(row=table.row_count - 1)

    def _show_status(self, detail: str = "") -> None:
        every = duration_text(self.interval_s)
        if not self.profile_name:
            text = "Choose a profile to watch its API."
        elif self.running:
            text = f"watching {self.profile_name} every {every} · s stops" + (
                f"\n{detail}" if detail else ""
            )
        else:
            text = f"s watches {self.profile_name}'s API every {every} (i changes it)"
        self.query_one("#watch-status", Static).update(Content(text))
