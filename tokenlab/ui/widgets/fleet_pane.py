"""The Fleet pane: the doctor on every profile (or a glob of them) at once, one row each,
filling in live as each profile's run finishes; Enter on a row opens that profile's Doctor.

The pane does no network: Run and Enter post messages; the screen runs the fleet in a worker
(ui/fleet_runs.py) and calls `start`, `row_started`, `add_row`, `finish` and `show_error` back.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellDoesNotExist

from tokenlab.core.errors import TokenlabError
from tokenlab.core.fleet import FleetResult, FleetRow
from tokenlab.core.fleet.rows import few_words
from tokenlab.ui.widgets.busy_line import BusyLine
from tokenlab.ui.widgets.marks import error_content
from tokenlab.ui.widgets.pane_calls import until_mounted

INTRO = "r runs the doctor on every profile at once; g: a glob"
# (key, header); the row key is the profile's name
# (the words that matter first: 80 columns show them; the rest scrolls, and the line under the
# table shows the highlighted row whole)
COLUMNS = (
    ("profile", "Profile"),
    ("token", "Token"),
    ("api", "API"),
    ("time", "Time"),
    ("cause", "First cause"),
    ("scenario", "Scenario"),
    ("authority", "Authority"),
)
TOKEN_WIDTH = 16  # the token's failure, cut: the line under the table shows it whole
OUTCOME_STYLE = {"ok": "bold green", "fail": "bold red", "needs_sign_in": "yellow"}


def row_detail(row: FleetRow) -> Text:
    """The highlighted row whole, on a line or two under the table."""
    style = OUTCOME_STYLE.get(row.outcome, "")
    api = f"API {row.api}" if row.api_status is not None else "no API answer"
    parts = [f"{row.scenario}", f"{row.authority_kind} authority", f"token {row.token}", api]
    if row.token_error:
        parts.append(row.token_error)
    detail = Text.assemble((row.profile, "bold"), " · ", " · ".join(parts))
    if row.cause:
        detail.append(" · ")
        detail.append(row.cause, style=style)
    return detail


def row_cells(row: FleetRow) -> dict[str, str | Text]:
    style = OUTCOME_STYLE.get(row.outcome, "")
    return {
        "scenario": row.scenario,
        "authority": row.authority_kind,
        "token": Text(
            few_words(row.token, TOKEN_WIDTH), style="green" if row.token == "ok" else style
        ),
        "api": Text(row.api, style=style if row.api_status is not None else "dim"),
        "time": f"{row.elapsed_s:.2f}s",
        "cause": row.cause,
    }


class FleetPane(Vertical):
    """Every profile's doctor at once, as a table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run fleet"),
        Binding("g", "glob", "Glob"),
    ]

    class RunRequested(Message):
        def __init__(self, pattern: str) -> None:
            super().__init__()
            self.pattern = pattern  # an fnmatch glob of profile names; "*" for all

    class ProfileChosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.done = 0
        self.rows: dict[str, FleetRow] = {}

    def compose(self) -> ComposeResult:
        yield Static(INTRO, id="fleet-intro")
        yield BusyLine(self.now, id="fleet-busy")
        yield Static(id="fleet-summary")
        table: DataTable[str | Text] = DataTable(id="fleet-table", cursor_type="row")
        for key, header in COLUMNS:
            table.add_column(header, key=key)
        yield table
        yield Static(id="fleet-detail")
        yield Input(
            placeholder="a glob of profile names, like demo-api-* (empty: all)", id="fleet-glob"
        )

    def on_mount(self) -> None:
        self.query_one("#fleet-summary").display = False

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#fleet-table", DataTable)

    @property
    def pattern(self) -> str:
        return self.query_one("#fleet-glob", Input).value.strip() or "*"

    # -- keys and events -------------------------------------------------------------------

    def action_run(self) -> None:
        self.post_message(self.RunRequested(self.pattern))

    def action_glob(self) -> None:
        self.query_one("#fleet-glob", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.RunRequested(self.pattern))
        self.table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(event.row_key.value or "")

    def _show_detail(self, name: str) -> None:
        row = self.rows.get(name)
        detail = self.query_one("#fleet-detail", Static)
        detail.update(row_detail(row) if row is not None else Text(name, style="dim"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.ProfileChosen(event.row_key.value))

    # -- calls from the screen -------------------------------------------------------------

    @until_mounted
    def start(self, names: Sequence[str], pattern: str) -> None:
        """A new run: one waiting row per profile, in name order."""
        table = self.table
        table.clear()
        self.done, self.rows = 0, {}
        for name in names:
            table.add_row(name, "", "", Text("waiting", style="dim"), "", "", "", key=name)
        summary = self.query_one("#fleet-summary", Static)
        summary.display = False
        which = "every profile" if pattern == "*" else f"the profiles matching {pattern}"
        self.query_one(BusyLine).start(f"the doctor on {which}: 0/{len(names)}")

    @until_mounted
    def row_started(self, name: str) -> None:
        self._set(name, "token", Text("running…", style="bold cyan"))

    @until_mounted
    def add_row(self, row: FleetRow, done: int, total: int) -> None:
        for column, value in row_cells(row).items():
            self._set(row.profile, column, value)
        self.rows[row.profile] = row
        self.done = done
        table = self.table
        if (
            table.row_count
            and table.coordinate_to_cell_key(table.cursor_coordinate).row_key == row.profile
        ):
            self._show_detail(row.profile)
        self.query_one(BusyLine).relabel(f"the doctor on {total} profiles: {done}/{total}")

    def _set(self, name: str, column: str, value: str | Text) -> None:
        # not a row of this run: a late event of a cancelled one
        with contextlib.suppress(CellDoesNotExist):
            self.table.update_cell(name, column, value, update_width=True)

    @until_mounted
    def finish(self, result: FleetResult) -> None:
        self.query_one(BusyLine).stop()
        counts = result.counts()
        words = [f"{counts['ok']} ok", f"{counts['fail']} failed"]
        if counts["needs_sign_in"]:
            words.append(f"{counts['needs_sign_in']} need sign-in")
        style = "bold red" if counts["fail"] else "bold green"
        summary = self.query_one("#fleet-summary", Static)
        summary.update(
            Text.assemble(
                (f"{len(result.rows)} profiles: {', '.join(words)}", style),
                f" · {result.elapsed_s:.2f} s",
            )
        )
        summary.display = True

    @until_mounted
    def stopped(self, words: str) -> None:
        """The run ended before every row came (cancelled): rows done so far stay."""
        self.query_one(BusyLine).stop()
        summary = self.query_one("#fleet-summary", Static)
        summary.update(Text(f"{words}: {self.done} of {self.table.row_count} profiles done"))
        summary.display = True

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.query_one(BusyLine).stop()
        summary = self.query_one("#fleet-summary", Static)
        summary.update(error_content(error))
        summary.display = True
