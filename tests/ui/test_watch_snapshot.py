"""A snapshot of the Watch pane at 80x24: a fixed timeline with an intermittent 401 found,
fed to the screen as the watch's worker posts it (fixed times, no random port)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.ui.test_console_snapshots import NOW, _app, _fixed_state
from tokenlab.core.events import Event
from tokenlab.core.watch import (
    Timeline,
    TokenFacts,
    WatchFinding,
    WatchRenewed,
    WatchStarted,
    WatchStopped,
    WatchTick,
    summarize,
)
from tokenlab.core.watch.records import ProbeRecord, RenewRecord
from tokenlab.ui.app import TokenlabApp
from tokenlab.ui.watch_runs import WatchEventArrived

pytestmark = pytest.mark.slow

TOKEN = TokenFacts("jti:6A1DCE9A2485948F", "F7F94E1944594AD2", NOW + 3600, ("read", "update"),
                   False, None, None)  # fmt: skip


def _probe(seq: int, ok: bool) -> ProbeRecord:
    node = "node-1" if ok else "node-2"
    return ProbeRecord(
        seq=seq, at=NOW + 30 * (seq - 1), status=200 if ok else 401, ok=ok,
        verdict="ok" if ok else "signing-key-unknown", summary="", latency_ms=12.0 + seq,
        token=TOKEN, server_date="Fri, 15 Jan 2027 08:00:00 GMT" if ok else "Fri, 15 Jan 2027 08:01:30 GMT",
        server_skew_s=0.0 if ok else 90.0, node=f"x-served-by: {node}",
        error_description="" if ok else "The signature key was not found",
    )  # fmt: skip


def watch_events() -> list[Event]:
    timeline = Timeline(refresh_warn_s=86400)
    renewal = RenewRecord(NOW, "issued", None, TOKEN, 60.0)
    events: list[Event] = [
        WatchStarted(run_id="w", profile="acme-service", api_url="http://127.0.0.1:9/api/domain/odata/"
                     "Crm_Sales_Customers?$top=1", interval_s=30, margin_s=60, count=None,
                     started_at=NOW),
        WatchRenewed(run_id="w", record=renewal),
    ]  # fmt: skip
    timeline.add_renewal(renewal)
    for seq in (1, 2, 3, 4):
        record = _probe(seq, ok=seq % 2 == 1)
        events.append(WatchTick(run_id="w", record=record))
        events += [WatchFinding(run_id="w", finding=f) for f in timeline.add_probe(record)]
    events.append(WatchStopped(run_id="w", summary=summarize(timeline, NOW, NOW + 95)))
    return events


def test_the_watch_pane_at_80x24(snap_compare: object) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _fixed_state(pilot)
        app = pilot.app
        assert isinstance(app, TokenlabApp)
        await pilot.press("7")
        for event in watch_events():
            app.main.post_message(WatchEventArrived(event))
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]
