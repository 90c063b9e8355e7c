"""A pane alone in a small app, and the real core events of sandbox runs to feed it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget

from tests.support.targets import sandbox_profile
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import (
    Bus,
    Event,
    FlowFailed,
    FlowFinished,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import Profile
from tokenlab.sandbox import Sandbox
from tokenlab.ui.widgets import authority_pane, flow_pane
from tokenlab.ui.widgets.flow_pane import FlowPane

STYLES = [authority_pane.CSS_FILE, flow_pane.CSS_FILE]


class PaneApp(App[None]):
    """One pane, mounted alone, with the console's pane styles."""

    CSS_PATH = STYLES  # type: ignore[assignment]  # Textual takes a list of paths too

    def __init__(self, pane: Widget) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


@dataclass
class Posted:
    """The messages the pane posted, by type (fed by `run_test(message_hook=...)`, which sees
    a bubbling message at every widget it reaches: each is kept once)."""

    seen: list[Message] = field(default_factory=list)

    def __call__(self, message: Message) -> None:
        if not any(m is message for m in self.seen):
            self.seen.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self.seen if isinstance(m, kind)]


@dataclass
class SandboxRun:
    profile: Profile
    events: list[Event]
    task: asyncio.Task[Any]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


async def start_run(
    sandbox: Sandbox,
    name: str,
    options: FlowOptions | None = None,
    *,
    until: type[Event] = FlowFinished,
    flow: str | None = None,
) -> SandboxRun:
    """Start `run_flow` on a demo profile and return once an `until` event was published (the
    run goes on: cancel its task, or let it finish)."""
    profile, secrets = sandbox_profile(sandbox, name)
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    task = asyncio.create_task(
        run_flow(profile, secrets=secrets, bus=bus, options=options, flow=flow)
    )
    for _ in range(200):
        if any(isinstance(e, until) for e in events) or task.done():
            break
        await asyncio.sleep(0.025)
    assert any(isinstance(e, until) for e in events), [type(e).__name__ for e in events]
    return SandboxRun(profile, events, task)


async def stop(run: SandboxRun) -> None:
    run.task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TokenlabError):
        await run.task


FEED: dict[type[Event], Callable[[FlowPane, Any], None]] = {
    FlowStarted: FlowPane.run_started,
    HttpExchange: FlowPane.add_exchange,
    UserActionRequired: FlowPane.show_user_action,
    Notice: FlowPane.add_notice,
    TokenIssued: FlowPane.token_issued,
    FlowFailed: FlowPane.run_failed,
    FlowFinished: lambda pane, e: pane.run_finished(e.ok),
}


def feed(pane: FlowPane, events: list[Event]) -> None:
    """Call the pane as the screen does, for each event in order."""
    for event in events:
        FEED[type(event)](pane, event)
