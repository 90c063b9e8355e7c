"""A small app that mounts one pane alone, with the pane styles, for pilot and snapshot tests;
and what a person sees, read through public Textual API only."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Static

import tokenlab.ui

STYLES = Path(tokenlab.ui.__file__).parent / "styles"
PANE_STYLES = [STYLES / name for name in ("token.tcss", "probe.tcss", "doctor.tcss")]
SIZE = (80, 24)
M = TypeVar("M", bound=Message)


class PaneApp(App[None]):
    """The pane under test, focused, and the footer with its bindings."""

    CSS_PATH = PANE_STYLES  # type: ignore[assignment]

    def __init__(self, pane: Widget) -> None:
        super().__init__()
        self.pane = pane
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        self.pane.focus()

    def keep(self, message: Message) -> None:
        """The `message_hook` of `run_test`: every message posted anywhere in the app, once
        (a bubbling message reaches the hook again at each parent)."""
        if not any(seen is message for seen in self.posted):
            self.posted.append(message)

    def of(self, kind: type[M]) -> list[M]:
        return [m for m in self.posted if isinstance(m, kind)]


def shown(widget: Widget) -> str:
    """A Static's text as shown (styles dropped)."""
    assert isinstance(widget, Static)
    return str(widget.render())


def words(text: str) -> str:
    return " ".join(text.split())


def fake_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWT-shaped token with fixed claims (the signature is not a real one: never verified)."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.{'c2lnbmF0dXJl' * 8}"
