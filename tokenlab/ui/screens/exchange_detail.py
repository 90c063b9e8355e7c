"""One HTTP exchange in full: the request and the response as the core recorded them (masked).

Bodies are shown as they came, JSON indented and forms one field a line, every line made
printable; the screen scrolls, and Escape closes it.
"""

from __future__ import annotations

import json
from typing import ClassVar
from urllib.parse import parse_qsl

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tokenlab.core.events import HttpExchange
from tokenlab.core.inspection.claims import printable
from tokenlab.ui.flow_text import status_text


def _header_value(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def body_lines(body: str, content_type: str) -> list[str]:
    """The body for reading: JSON indented, a form one field a line, else as it is."""
    if not body:
        return ["(empty)"]
    if "json" in content_type or body.lstrip()[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False).splitlines()
        except ValueError:
            pass
    if "x-www-form-urlencoded" in content_type:
        return [f"{k}={v}" for k, v in parse_qsl(body, keep_blank_values=True)] or [body]
    return body.splitlines()


def section(title: str, lines: list[str]) -> Text:
    text = Text(title, style="bold underline")
    for line in lines:
        text.append("\n" + printable(line))
    return text


def header_lines(headers: tuple[tuple[str, str], ...]) -> list[str]:
    return [f"{k}: {v}" for k, v in headers] or ["(none)"]


def exchange_sections(e: HttpExchange) -> list[Text]:
    """The exchange as the screen shows it, top to bottom."""
    head = Text(f"{printable(e.method)} ", style="bold")
    head.append(printable(e.url))
    head.append("\n→ ")
    head.append_text(status_text(e))
    head.append(f" in {e.elapsed_ms:.0f} ms")
    if e.error:
        head.append("\n" + printable(e.error), style="bold red")
    req_type = _header_value(e.request_headers, "content-type")
    resp_type = _header_value(e.response_headers, "content-type")
    sections = [
        head,
        section("Request headers", header_lines(e.request_headers)),
        section("Request body", body_lines(e.request_body, req_type)),
    ]
    if e.status is not None:
        sections += [
            section("Response headers", header_lines(e.response_headers)),
            section("Response body", body_lines(e.response_body, resp_type)),
        ]
    return sections


class ExchangeDetailScreen(ModalScreen[None]):
    """The masked request and response of one exchange; Escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, exchange: HttpExchange) -> None:
        super().__init__()
        self.exchange = exchange

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="exchange-detail"):
            for i, text in enumerate(exchange_sections(self.exchange)):
                yield Static(text, classes="exchange-section", id=f"exchange-section-{i}")

    def on_mount(self) -> None:
        self.query_one("#exchange-detail", VerticalScroll).focus()

    def text(self) -> str:
        """Everything the screen shows, as plain text."""
        return "\n".join(str(s.content) for s in self.query(".exchange-section").results(Static))

    def action_close(self) -> None:
        self.dismiss(None)
