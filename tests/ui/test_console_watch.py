"""The Watch pane (7) against the sandbox's flaky node: start, the live timeline, the finding
with its evidence, stop with a summary. The screen's sleep between probes is made instant."""

from __future__ import annotations

import asyncio

import pytest

from tests.ui.console_pilot import Heard, pane_rows, pane_text, select, settle, until
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.watch_runs import WatchEventArrived
from tokenlab.ui.widgets.watch_pane import WatchPane

pytestmark = pytest.mark.slow  # each test starts the console and runs against the sandbox


async def quick_sleep(seconds: float) -> None:
    await asyncio.sleep(0.05)  # a probe "every 30 s", a few per second


def watch_app(sandbox: Sandbox) -> TokenlabApp:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = make_app(store, SecretStore(env={}), sandbox_url=sandbox.url)
    app.main.watch_sleep = quick_sleep
    return app


async def test_the_watch_pane_finds_the_flaky_node_and_stops_with_a_summary(
    sandbox: Sandbox,
) -> None:
    heard = Heard()
    app = watch_app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, "demo-api-flaky-node")
        await pilot.press("7")
        assert "every 30 s" in pane_text(app, "watch")
        await pilot.press("s")
        await until(lambda: len(pane_rows(app, "watch")) >= 4, pilot)
        await until(lambda: "intermittent 401" in pane_text(app, "watch"), pilot)
        await pilot.press("s")
        await settle(pilot)
        text = pane_text(app, "watch")
        rows = pane_rows(app, "watch")
        assert rows[0][1] == "new"  # the token, then a probe per row
        assert {r[1] for r in rows[1:]} >= {"200", "401"}
        assert len({r[3] for r in rows}) == 1  # one token throughout
        assert "x-served-by: node-2" in text and "ahead of this machine's clock" in text
        assert "key rotation" in text
        assert "stopped after" in text and "findings" in text
        assert not app.main.query_one(WatchPane).running
        assert heard.of(WatchEventArrived)


async def test_choosing_another_profile_stops_the_watch(sandbox: Sandbox) -> None:
    app = watch_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        select(app, "demo-service-app")
        await pilot.press("7", "s")
        await until(lambda: len(pane_rows(app, "watch")) >= 2, pilot)
        select(app, "demo-automation")
        await settle(pilot)
        assert not app.main.query_one(WatchPane).running
        assert "demo-automation" in pane_text(app, "watch")


async def test_the_interval_key_cycles_and_help_lists_the_watch_keys(sandbox: Sandbox) -> None:
    app = watch_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        select(app, "demo-service-app")
        await pilot.press("7", "i")
        assert "every 60 s" in pane_text(app, "watch")
        groups = dict(app.main.binding_groups())
        keys = {b.key if hasattr(b, "key") else b[0] for b in groups["Watch pane (7)"]}
        assert {"s", "i", "up,down"} <= keys


async def test_the_palette_starts_and_stops_the_watch(sandbox: Sandbox) -> None:
    from tokenlab.ui.commands import entries

    app = watch_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        select(app, "demo-service-app")
        (toggle,) = [run for title, _, run in entries(app.main) if title == "Start/stop watch"]
        toggle()
        await until(lambda: len(pane_rows(app, "watch")) >= 2, pilot)
        toggle()
        await settle(pilot)
        assert "stopped after" in pane_text(app, "watch")
