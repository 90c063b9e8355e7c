"""The Fleet pane (8): every demo profile of the sandbox at once, by keyboard at 80x24; and a
snapshot of the pane with fixed rows."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.ui.console_pilot import active_pane, pane_rows, pane_text, settle, until
from tests.ui.widgets.pane_app import PANE_STYLES, SIZE, PaneApp
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.fleet import FleetResult, FleetRow
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox
from tokenlab.sandbox.catalog import demo_catalog
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.widgets.fleet_pane import FleetPane

pytestmark = pytest.mark.slow  # the whole console against the sandbox


def demo_app(sandbox: Sandbox) -> TokenlabApp:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return make_app(store, SecretStore(env={}), sandbox_url=sandbox.url, title="demo")


def fleet_done(app: TokenlabApp) -> bool:
    return "profiles:" in pane_text(app, "fleet")


def rows_by_name(app: TokenlabApp) -> dict[str, tuple[str, ...]]:
    return {row[0]: row for row in pane_rows(app, "fleet")}


async def test_the_fleet_fills_in_and_enter_opens_a_profiles_doctor(sandbox: Sandbox) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        assert active_pane(app) == "fleet"
        await pilot.press("r")
        await until(lambda: fleet_done(app), pilot, seconds=30)
        rows = rows_by_name(app)
        assert len(rows) == len(demo_catalog(""))
        assert rows["demo-service-app"][1:3] == ("ok", "200")
        assert rows["demo-scope-not-allowed"][1] == "invalid_scope"
        assert rows["demo-api-forbidden"][2] == "403"
        assert rows["demo-spa"][1] == "needs sign-in"
        assert f"{len(rows)} profiles: 4 ok, 14 failed, 4 need sign-in" in pane_text(app, "fleet")

        table = app.main.query_one("#fleet-table", DataTable)
        assert table.has_focus
        target = list(rows).index("demo-scope-not-allowed")
        await pilot.press(*["down"] * target)
        assert "The scope 'update' is not allowed" in pane_text(app, "fleet")  # the row, whole
        await pilot.press("enter")
        await settle(pilot)
        assert app.main.active is not None and app.main.active.name == "demo-scope-not-allowed"
        assert active_pane(app) == "doctor"
        assert "demo-scope-not-allowed" in pane_text(app, "doctor")


async def test_a_glob_typed_in_the_box_runs_only_those(sandbox: Sandbox) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8", "g", *"demo-api-*", "enter")
        await until(lambda: fleet_done(app), pilot, seconds=30)
        names = list(rows_by_name(app))
        api_cases = [p.name for p in demo_catalog("") if p.name.startswith("demo-api-")]
        assert sorted(names) == sorted(api_cases)
        await pilot.press("g", *"nothing", "enter")
        await until(lambda: "no profile matches 'nothing'" in pane_text(app, "fleet"), pilot)


async def test_the_palette_runs_the_fleet(sandbox: Sandbox) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette), pilot)
        await pilot.press(*"Run fleet")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(lambda: fleet_done(app), pilot, seconds=30)
        assert active_pane(app) == "fleet"
        assert len(pane_rows(app, "fleet")) == len(demo_catalog(""))


class FleetPaneApp(PaneApp):
    CSS_PATH: ClassVar[list[Path]] = [*PANE_STYLES, PANE_STYLES[0].parent / "fleet.tcss"]  # type: ignore[assignment]


def fixed_row(
    name: str, scenario: str, outcome: str, token: str, api: int | None, cause: str
) -> FleetRow:
    return FleetRow(
        profile=name,
        scenario=scenario,
        authority_kind="instance",
        outcome=outcome,  # type: ignore[arg-type]
        flow="client-credentials",
        token=token,
        api_status=api,
        cause=cause,
        cause_key="",
        started_at=1_800_000_000.0,
        elapsed_s=0.42,
    )


ROWS = (
    fixed_row("acme-prod", "service-app", "ok", "ok", 200, ""),
    fixed_row(
        "acme-test-with-a-long-name",
        "service-app",
        "fail",
        "invalid_scope",
        None,
        "The scope 'update' is not allowed for the Trusted Application",
    ),
    fixed_row("contoso-portal", "web-portal", "needs_sign_in", "needs sign-in", None, ""),
    fixed_row(
        "fabrikam",
        "service-app",
        "fail",
        "ok",
        401,
        "The API's clock is 10 min behind this machine's and the authority's",
    ),
)


def test_snapshot_of_the_fleet_pane(snap_compare: object) -> None:
    async def show(pilot: Pilot[None]) -> None:
        pane = app.query_one(FleetPane)
        pane.start([r.profile for r in ROWS], "*")
        pane.row_started("fabrikam")
        for done, row in enumerate(ROWS[:3], 1):
            pane.add_row(row, done, len(ROWS))
        pane.add_row(ROWS[3], 4, 4)
        pane.finish(FleetResult(ROWS, 1_800_000_000.0, 0.87, 10, 6))

    app = FleetPaneApp(FleetPane())
    assert snap_compare(app, terminal_size=SIZE, run_before=show)  # type: ignore[operator]
