"""The probe's request, editable: method, path and query under the profile's API root, and the
headers one per line. Preset from the profile's probe request (the seed's first call)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Static, TextArea

from tokenlab.core.probing import MAX_REPEAT, probe_url
from tokenlab.core.profiles import Profile

DEFAULT_REPEAT = 10


class RequestProblem(ValueError):
    """What the person typed cannot be sent as it is (said in plain words)."""


@dataclass(frozen=True)
class DraftRequest:
    method: str
    path: str  # relative to the API root, the query joined on
    headers: tuple[tuple[str, str], ...]


def split_path(path: str) -> tuple[str, str]:
    """`Crm_Sales_Customers?$top=1` -> (`Crm_Sales_Customers`, `$top=1`)."""
    head, _, query = path.partition("?")
    return head, query


def join_path(path: str, query: str) -> str:
    query = query.strip().lstrip("?")
    return f"{path.strip()}?{query}" if query else path.strip()


def parse_headers(text: str) -> tuple[tuple[str, str], ...]:
    """`Name: value` per line (blank lines skipped); a line without a colon is a problem."""
    headers = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise RequestProblem(f"header line {number} is not `Name: value`")
        headers.append((name.strip(), value.strip()))
    return tuple(headers)


class ProbeForm(Vertical):
    """Method, path, query, headers and the repeat count; `draft()` reads them back."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile: Profile | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="probe-api")
        with Horizontal(id="probe-line"):
            yield Input(placeholder="GET", id="probe-method", compact=True)
            yield Input(placeholder="path under the API root", id="probe-path", compact=True)
        with Horizontal(id="probe-query-line"):
            yield Label("?", classes="probe-label")
            yield Input(placeholder="query, e.g. $top=1", id="probe-query", compact=True)
            yield Label("repeat ×", classes="probe-label")
            yield Input(str(DEFAULT_REPEAT), type="integer", id="probe-count", compact=True)
        yield TextArea(show_line_numbers=False, compact=True, id="probe-headers")
        yield Static(id="probe-url")

    def preset(self, profile: Profile | None) -> None:
        """The profile's probe request: method, path and query, headers; the API root shown."""
        self.profile = profile
        api = self.query_one("#probe-api", Static)
        if profile is None:
            api.update("No profile selected: pick one to probe its API.")
            return
        api.update(Content.assemble(("API ", "bold"), profile.api))
        path, query = split_path(profile.probe.path)
        self.query_one("#probe-method", Input).value = profile.probe.method
        self.query_one("#probe-path", Input).value = path
        self.query_one("#probe-query", Input).value = query
        lines = "\n".join(f"{k}: {v}" for k, v in profile.probe.headers)
        self.query_one("#probe-headers", TextArea).load_text(lines)
        self.show_url()

    def draft(self) -> DraftRequest:
        """The request as typed; `RequestProblem` when it cannot be sent."""
        if self.profile is None:
            raise RequestProblem("no profile selected: pick one to probe its API")
        method = self.query_one("#probe-method", Input).value.strip().upper()
        if not method:
            raise RequestProblem("give a method, e.g. GET")
        path = join_path(
            self.query_one("#probe-path", Input).value, self.query_one("#probe-query", Input).value
        )
        headers = parse_headers(self.query_one("#probe-headers", TextArea).text)
        return DraftRequest(method, path, headers)

    def repeat_count(self) -> int:
        text = self.query_one("#probe-count", Input).value.strip()
        count = int(text) if text.isdigit() else 0
        if not 1 <= count <= MAX_REPEAT:
            raise RequestProblem(f"the repeat count must be 1..{MAX_REPEAT}")
        return count

    def show_url(self) -> None:
        """Where the request goes, as typed so far."""
        shown = self.query_one("#probe-url", Static)
        if self.profile is None:
            shown.update("")
            return
        path = join_path(
            self.query_one("#probe-path", Input).value, self.query_one("#probe-query", Input).value
        )
        shown.update(Content.assemble(("→ ", "dim"), probe_url(self.profile, path)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("probe-path", "probe-query"):
            self.show_url()
