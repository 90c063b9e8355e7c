"""What a person at the console would do and see, through public Textual API only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TextArea

from tokenlab.ui.app import TokenlabApp
from tokenlab.ui.flow_choices import FLOW_CHOICES

M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class ToastSeen:
    severity: str  # "information" | "warning" | "error"
    text: str  # title and message, as shown


@dataclass
class Heard:
    """Every message the console handled: pass `heard.keep` as `run_test(message_hook=...)`."""

    messages: list[Message] = field(default_factory=list)

    def keep(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[M]) -> list[M]:
        return [m for m in self.messages if isinstance(m, kind)]


async def until(predicate: Callable[[], Any], pilot: Pilot[int], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("the console never got there")


def select(app: TokenlabApp, profile: str) -> None:
    """Make `profile` the active one, as Enter on it in the profiles list does."""
    app.main.activate(profile)


async def settle(pilot: Pilot[int], seconds: float = 20.0) -> None:
    """Wait until every run (finished, failed or cancelled) and its messages are done."""
    await pilot.pause()
    for _ in range(int(seconds / 0.02)):
        if not any(w.is_running or w.state.name == "PENDING" for w in pilot.app.workers):
            break
        await pilot.pause(0.02)
    await asyncio.sleep(0.05)
    await pilot.pause()


async def press_and_wait(pilot: Pilot[int], *keys: str) -> None:
    """Press keys that start a run, and wait until the run and its messages are done."""
    await pilot.press(*keys)
    await settle(pilot)


async def choose_flow(pilot: Pilot[int], label: str) -> None:
    """In the Flow pane (2), press f until the flow chooser reads `label` ("code, by device")."""
    app = pilot.app
    assert isinstance(app, TokenlabApp)
    await pilot.press("2")
    for _ in range(len(FLOW_CHOICES)):
        if app.main.flow_pane.choice.label == label:
            return
        await pilot.press("f")
    raise AssertionError(f"the Flow pane offers no flow {label!r}")


def active_pane(app: TokenlabApp) -> str:
    return (app.main.query_one(TabbedContent).active or "").removeprefix("tab-")


def text_of(widget: Widget) -> str:
    """The words a widget shows in its Static parts and shown text areas, on one line."""
    parts = [widget] if isinstance(widget, Static) else []
    parts += list(widget.query(Static))
    words = [" ".join(str(p.render()).split()) for p in parts]
    words += [" ".join(a.text.split()) for a in widget.query(TextArea) if a.display]
    return " ".join(words)


def table_rows(widget: Widget) -> list[tuple[str, ...]]:
    """The rows of every data table in `widget`, each cell as its plain text."""
    rows = []
    for table in widget.query(DataTable):
        for index in range(table.row_count):
            rows.append(tuple(str(cell) for cell in table.get_row_at(index)))
    return rows


def pane_rows(app: TokenlabApp, pane: str) -> list[tuple[str, ...]]:
    """The pane's table rows (none while the pane is not mounted yet)."""
    return table_rows(app.main.pane(pane))


def pane_text(app: TokenlabApp, pane: str) -> str:
    """The pane's words (none while the pane is not mounted yet)."""
    return text_of(app.main.pane(pane))


def header_text(app: TokenlabApp) -> str:
    return text_of(app.main.query_one("#header-bar", Static))


def toasts(app: TokenlabApp) -> list[ToastSeen]:
    """The toasts on screen now: needs `run_test(notifications=True)`; queried by type name,
    as Textual does not export `Toast`."""
    seen = []
    for toast in app.screen.query("Toast"):
        severity = next(
            (s for s in ("error", "warning", "information") if toast.has_class(f"-{s}")), ""
        )
        seen.append(ToastSeen(severity, str(toast.render())))
    return seen
