"""What a person at the console would do and see, through public Textual API only."""

from __future__ import annotations

from dataclasses import dataclass

from textual.pilot import Pilot
from textual.widgets import DataTable, Log

from tokenlab.ui.app import TokenlabApp


@dataclass(frozen=True)
class ToastSeen:
    severity: str  # "information" | "warning" | "error"
    text: str  # title and message, as shown


def select(app: TokenlabApp, profile: str) -> None:
    table = app.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(profile))


async def press_and_wait(pilot: Pilot[int], key: str) -> None:
    """Press a key that starts a run, and wait until the run and its messages are done."""
    await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def activity_text(app: TokenlabApp) -> str:
    return "\n".join(app.query_one("#activity", Log).lines)


def activity_words(app: TokenlabApp) -> str:
    """The log's words on one line: what it says, wherever the pane's width wrapped it."""
    return " ".join(activity_text(app).split())


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
