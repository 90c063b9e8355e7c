"""The Token pane: the access token, the id_token and any refresh token of the last run, or a
pasted one; their claims, checks and time left; verify, refresh, compare, copy, paste.

A reference token (`enrt_...`) is a stored secret: it is shown masked and never copied. A
refresh token is shown masked only. Calls come down (`show_*`); actions go up as messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.claims import value_text
from tokenlab.core.inspection.compare import TokenDiff
from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.inspection.token_report import TokenReport, check_token
from tokenlab.core.redact import mask
from tokenlab.core.reference_tokens import TOKEN_TYPE as REFERENCE_TYPE
from tokenlab.core.token_set import FlowResult, TokenSet
from tokenlab.ui.messages import CopyRequest, TextRequest
from tokenlab.ui.widgets.countdown import Countdown
from tokenlab.ui.widgets.marks import error_content
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.scrolling_pane import ScrollingPane
from tokenlab.ui.widgets.token_view import TokenView

TITLES = {"access": "Access token", "id": "ID token", "pasted": "Pasted token"}
COMPARE_COLUMNS = ("Claim", "Change", "Before", "After", "Note")
NO_TOKEN = "No token yet: run a flow, or press p to paste a token to inspect."
REFERENCE_NOT_COPIED = (
    "A reference token is a stored secret: tokenlab never copies it or shows it in full."
)


def is_reference(token: TokenSet | None, report: TokenReport | None = None) -> bool:
    """A platform reference token: by what the flow said, or by the token's own form."""
    if token is not None and token.token_type == REFERENCE_TYPE:
        return True
    return report is not None and report.token.kind == "reference"


def offline_report(token: str, kind: str, now: float) -> TokenReport | None:
    """The checks that need no network, until the screen sends a verified report."""
    try:
        decoded = decode_token(token)
    except TokenFormatError:
        return None
    return check_token(decoded, token_kind="id" if kind == "id" else "access", now=now)


class TokenPane(ScrollingPane):
    """Access, id and refresh tokens of a run (or a pasted token): claims, checks, time left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify"),
        Binding("f", "refresh", "Refresh"),
        Binding("equals_sign", "compare", "Compare", key_display="="),
        Binding("y", "copy", "Copy token"),
        Binding("p", "paste", "Paste a token"),
        Binding("escape", "close_paste", "Close paste box", show=False),
    ]

    class VerifyRequested(Message):
        def __init__(self, which: str) -> None:
            super().__init__()
            self.which = which  # "access" | "id" | "pasted"

    class RefreshRequested(Message):
        pass

    class CompareRequested(Message):
        pass

    class CopyRequested(CopyRequest):
        """Copy `text`; `what` names it for the toast."""

    class TokenPasted(TextRequest):
        """What the person pasted."""

    def __init__(
        self,
        now: Callable[[], float] = time.time,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.result: FlowResult | None = None
        self.reports: dict[str, TokenReport] = {}

    def compose(self) -> ComposeResult:
        yield Countdown(self.now, id="token-countdown")
        yield Static(NO_TOKEN, id="token-notice")
        yield Input(
            placeholder="paste a token (JWT or enrt_...), Enter to inspect, Esc to close",
            password=True,
            id="token-paste",
        )
        for which in ("access", "id", "pasted"):
            yield TokenView(which, id=f"token-{which}")
        yield Static(id="token-refresh")
        yield Static(id="compare-title")
        yield DataTable(cursor_type="row", id="token-compare")

    def on_mount(self) -> None:
        for widget_id in ("token-paste", "token-refresh", "compare-title", "token-compare"):
            self.query_one(f"#{widget_id}").display = False
        for view in self.query(TokenView):
            view.display = False
        self.query_one("#token-compare", DataTable).add_columns(*COMPARE_COLUMNS)

    # -- calls from the screen -------------------------------------------------------------

    @until_mounted
    def show_result(self, result: FlowResult) -> None:
        """A run's tokens: the access token (and its time left), any id_token and refresh token."""
        self.result = result
        token = result.api_token
        self.notice("")
        report = offline_report(token.access_token, "access", self.now())
        if report is not None:
            self.show_report(report, "access")
        # The identity sign-in (web portal) carries the user's id_token when the API token does not.
        id_token = token.id_token or (result.identity.id_token if result.identity else None)
        id_report = offline_report(id_token, "id", self.now()) if id_token else None
        if id_report is not None:
            self.show_report(id_report, "id")
        else:
            self.query_one("#token-id", TokenView).display = False
        refresh = token.refresh_token
        line = self.query_one("#token-refresh", Static)
        line.display = bool(refresh)
        if refresh:
            line.update(
                Content.assemble(
                    ("Refresh token  ", "bold"), mask(refresh), ("  (never shown)", "dim")
                )
            )
        expires = token.expires_at
        if expires is None and report is not None:
            expires = _exp_claim(report)
        self.query_one(Countdown).set_expiry(expires, "access token")

    @until_mounted
    def show_report(self, report: TokenReport, which: str) -> None:
        """Checks of one token ("access" | "id" | "pasted"): offline until verified."""
        self.reports[which] = report
        self.notice("")
        secret = is_reference(
            self.result.api_token if self.result and which == "access" else None, report
        )
        text: str | None = None
        if which in ("access", "pasted"):
            text = mask(report.token.token) if secret else report.token.token
        view = self.query_one(f"#token-{which}", TokenView)
        view.show(self._title(report, which, secret), report, text)
        if which == "pasted" and self.result is None:
            self.query_one(Countdown).set_expiry(_exp_claim(report), "pasted token")

    @until_mounted
    def show_comparison(self, compared: TokenDiff) -> None:
        """The previous token against this one: the scopes as sets, the times as deltas and
        the header first, then claim by claim (expected churn dimmed)."""
        title = self.query_one("#compare-title", Static)
        table = self.query_one("#token-compare", DataTable)
        table.clear()
        diffs = compared.diffs if compared.comparable else ()
        heading = Content.styled("Compared with the previous token", "bold")
        lines = [Content.assemble("  ", line) for line in compared.summary_lines()]
        title.update(Content("\n").join([heading, *lines]))
        for diff in diffs:
            style = "dim" if diff.expected else ""
            cells = (
                diff.name,
                diff.change,
                _diff_value(diff.before),
                _diff_value(diff.after),
                diff.note,
            )
            table.add_row(*(Text(c, style=style) for c in cells))
        title.display = True
        table.display = bool(diffs)

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.notice(error_content(error), error=True)

    def notice(self, text: str | Content, *, error: bool = False) -> None:
        """One line of news in the pane (an error in red); empty: the pane's own hint, if any."""
        shown = self.query_one("#token-notice", Static)
        if not text and not self.reports:
            text = NO_TOKEN
        shown.update(text)
        shown.display = bool(text)
        shown.set_class(error, "-error")

    # -- actions ---------------------------------------------------------------------------

    def action_verify(self) -> None:
        which = self._focused_which()
        if which is None:
            self.notice("Nothing to verify yet: run a flow, or press p to paste a token.")
            return
        self.post_message(self.VerifyRequested(which))

    def action_refresh(self) -> None:
        self.post_message(self.RefreshRequested())

    def action_compare(self) -> None:
        self.post_message(self.CompareRequested())

    def action_copy(self) -> None:
        if self.result is None:
            self.notice("No access token to copy yet: run a flow first.")
            return
        if is_reference(self.result.api_token, self.reports.get("access")):
            self.notice(REFERENCE_NOT_COPIED, error=True)
            return
        self.post_message(self.CopyRequested(self.result.api_token.access_token, "access token"))
        self.notice(
            "Access token handed to the clipboard; it is also shown above, to select by hand."
        )

    def action_paste(self) -> None:
        box = self.query_one("#token-paste", Input)
        box.display = True
        box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape is the paste box's only while it is open; otherwise it goes on up (cancel).
        if action == "close_paste":
            return bool(self.query_one("#token-paste", Input).display)
        return True

    def action_close_paste(self) -> None:
        box = self.query_one("#token-paste", Input)
        box.clear()
        box.display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "token-paste":
            return
        event.stop()
        text = event.value.strip()
        self.action_close_paste()
        if not text:
            self.notice("Nothing was pasted.")
            return
        self.focus()
        self.post_message(self.TokenPasted(text))

    # -- helpers ---------------------------------------------------------------------------

    def _focused_which(self) -> str | None:
        """The token whose view has the focus; else the access token, else the pasted one."""
        focused = self.app.focused
        for view in self.query(TokenView):
            if focused is not None and view in focused.ancestors_with_self and view.display:
                return view.which
        return next((w for w in ("access", "pasted", "id") if w in self.reports), None)

    def _title(self, report: TokenReport, which: str, secret: bool) -> str:
        kind = {"jwt": "JWT", "jwe": "encrypted JWT", "reference": "reference token"}.get(
            report.token.kind, "opaque token"
        )
        parts = [TITLES.get(which, which), kind]
        if report.token.alg:
            parts.append(report.token.alg)
        if which == "access" and self.result is not None:
            parts.append(f"via {self.result.flow}")
        if secret:
            parts.append("masked: a stored secret")
        if report.verified:
            parts.append(f"verified with the keys of {report.authority}")
        else:
            parts.append("offline checks (v verifies)")
        return " · ".join(parts)


def _exp_claim(report: TokenReport) -> float | None:
    exp = report.token.claims.get("exp")
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def _diff_value(value: object) -> str:
    return "" if value is None else value_text(value)
