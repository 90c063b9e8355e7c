"""One token on screen: what it is, its text (selectable), header, claims and checks.

The claims table keeps each claim on one row (scroll sideways for long values); the claim
under the cursor is repeated below it in full, wrapped, so nothing that matters is cut.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static, TextArea

from tokenlab.core.inspection.checks import Check
from tokenlab.core.inspection.claims import ClaimRow
from tokenlab.core.inspection.token_report import TokenReport
from tokenlab.ui.widgets.marks import INDENT, mark, remedy_line

CLAIM_COLUMNS = ("Claim", "Value", "When", "Meaning")
NAME_WIDTH = 11


def check_lines(checks: tuple[Check, ...]) -> Content:
    """Each check on its line with its mark; one that did not pass with its remedy, if any."""
    lines: list[Content] = []
    for check in checks:
        said = f"{check.observed}: {check.reason}" if check.observed else check.reason
        lines.append(
            Content.assemble(mark(check.status), " ", (check.name.ljust(NAME_WIDTH), "bold"), said)
        )
        if check.status in ("fail", "warn") and check.expected:
            lines.append(Content.assemble(INDENT, ("expected: ", "dim"), check.expected))
        if check.status != "pass" and check.remedy is not None:  # how to pass, or to check it
            lines.append(remedy_line(check.remedy))
    return Content("\n").join(lines)


def header_line(report: TokenReport) -> Content:
    parts = [f"{row.name} {row.value}" for row in report.header]
    return Content.assemble(("header  ", "bold"), " · ".join(parts) or "(none)")


def claim_detail(row: ClaimRow) -> Content:
    lines = [Content.assemble((row.name, "bold"), " = ", row.value)]
    lines += [Content.assemble(INDENT, text) for text in (row.readable, row.note) if text]
    return Content("\n").join(lines)


class TokenView(Vertical):
    """One token (`which`: "access", "id" or "pasted"), shown from its `TokenReport`."""

    def __init__(self, which: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="token-view")
        self.which = which
        self.rows: dict[str, ClaimRow] = {}

    def compose(self) -> ComposeResult:
        yield Static(classes="token-title")
        yield TextArea(
            read_only=True, soft_wrap=True, show_line_numbers=False, classes="token-text"
        )
        yield Static(classes="token-header")
        yield DataTable(cursor_type="row", zebra_stripes=True, classes="token-claims")
        yield Static(classes="claim-detail")
        yield Static(classes="token-checks")

    def on_mount(self) -> None:
        self.query_one(".token-claims", DataTable).add_columns(*CLAIM_COLUMNS)

    def show(self, title: str, report: TokenReport, text: str | None) -> None:
        """Show `report`; `text` is the token as it may be shown (masked when secret), or None."""
        self.query_one(".token-title", Static).update(Content.styled(title, "bold"))
        area = self.query_one(".token-text", TextArea)
        area.display = text is not None
        area.load_text(text or "")
        self.query_one(".token-header", Static).update(header_line(report))
        self._fill_claims(report.claims)
        self.query_one(".token-checks", Static).update(check_lines(report.checks))
        self.display = True

    def _fill_claims(self, claims: tuple[ClaimRow, ...]) -> None:
        table = self.query_one(".token-claims", DataTable)
        table.clear()
        self.rows = {row.name: row for row in claims}
        for row in claims:  # server-written text: rich Text, never markup
            table.add_row(
                *(Text(v) for v in (row.name, row.value, row.readable, row.note)), key=row.name
            )
        table.display = bool(claims)
        detail = self.query_one(".claim-detail", Static)
        detail.display = bool(claims)
        if claims:
            detail.update(claim_detail(claims[0]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self.rows.get(str(event.row_key.value))
        if row is not None:
            self.query_one(".claim-detail", Static).update(claim_detail(row))
