"""The console runs the core against the sandbox without blocking: flows, paste, cancel, token
checks, probes and the doctor, each started by a pane's request and answered in that pane."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.sandbox_fixtures import sign_in
from tests.ui.console_pilot import (
    Heard,
    choose_flow,
    header_text,
    pane_rows,
    pane_text,
    press_and_wait,
    select,
    settle,
    toasts,
    until,
)
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.events import HttpExchange
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_SECRETS, Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.messages import (
    DoctorFinished,
    DoctorStepReported,
    ExchangeRecorded,
    ProbeAnswered,
    RunErrored,
    RunFailed,
    TokenChecked,
    TokenReady,
    UserActionNeeded,
)
from tokenlab.ui.widgets.flow_pane import FlowPane
from tokenlab.ui.widgets.token_pane import TokenPane

pytestmark = pytest.mark.slow  # each test starts the console and runs against the sandbox


def _app(sandbox: Sandbox) -> TokenlabApp:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return make_app(store, SecretStore(env={}), sandbox_url=sandbox.url)


def _copied(app: TokenlabApp) -> list[str]:
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    return copied


async def test_run_fills_the_token_pane_and_the_header_counts_down(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    copied = _copied(app)
    async with app.run_test(size=(100, 30), notifications=True, message_hook=heard.keep) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "2", "r")
        (ready,) = heard.of(TokenReady)
        token = ready.result.api_token.access_token
        assert token.count(".") == 2
        assert any(e.event.status == 200 for e in heard.of(ExchangeRecorded))
        assert "flow: client credentials" in pane_text(app, "flow")
        assert "token issued: Bearer eyJh…" in pane_text(app, "flow")  # masked in the log
        assert token in pane_text(app, "token")  # in full in the Token pane, to select by hand
        assert "left" in header_text(app)
        await press_and_wait(pilot, "3", "y")
        assert copied == [token]  # the whole JWT, to the clipboard
        assert any("select it by hand" in t.text for t in toasts(app))
        await press_and_wait(pilot, "v")  # verify with the authority's keys
        (checked,) = heard.of(TokenChecked)
        assert checked.which == "access" and checked.report.verified and checked.report.ok
        await asyncio.sleep(1.1)  # times have 1 s resolution: the new token's iat/exp must move
        await press_and_wait(pilot, "2", "r", "3", "equals_sign")  # a second token, compared
        assert len(heard.of(TokenReady)) == 2
        assert "Compared with the previous token" in pane_text(app, "token")
        assert ("exp", "changed") in [row[:2] for row in pane_rows(app, "token")]
        assert not heard.of(RunErrored)


async def test_a_reference_token_is_never_copied(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    copied = _copied(app)
    async with app.run_test(size=(100, 30)) as pilot:
        select(app, "demo-automation")
        await press_and_wait(pilot, "2", "r", "3", "y")
        app.main.token_pane.post_message(TokenPane.CopyRequested("enrt_sandbox_x", "token"))
        await settle(pilot)
        assert copied == []
        assert "enrt…" in pane_text(app, "token")
        assert "enrt_sandbox_demo_valid" not in pane_text(app, "token")


async def test_escape_cancels_a_device_flow_and_leaves_no_task(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:  # over SSH
        select(app, "demo-spa")
        await settle(pilot)
        before = asyncio.all_tasks()
        await choose_flow(pilot, "code, by device")
        await pilot.press("r")
        await until(lambda: heard.of(UserActionNeeded), pilot)
        (action,) = [m.event for m in heard.of(UserActionNeeded)]
        assert action.user_code and action.user_code in pane_text(app, "flow")
        await pilot.press("escape")
        await settle(pilot)
        assert [f.event.cancelled for f in heard.of(RunFailed)] == [True]
        assert "cancelled" in pane_text(app, "flow")
        assert not [w for w in app.workers if w.is_running]
        left = {t for t in asyncio.all_tasks() - before if not t.done()}
        left -= {asyncio.current_task()}  # the test itself
        assert [t for t in left if not t.get_name().startswith("message pump")] == []


async def test_the_web_app_flow_finishes_by_pasting_the_redirect_url(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, "demo-web-app")
        await settle(pilot)
        flow = app.main.flow_pane
        flow.post_message(FlowPane.RunRequested("auth-code", "paste"))
        await until(lambda: heard.of(UserActionNeeded), pilot)
        (action,) = [m.event for m in heard.of(UserActionNeeded)]
        assert action.expects_paste
        with httpx.Client() as browser:  # the person signs in with the demo account
            landed = await asyncio.to_thread(sign_in, browser, action.url)
        sep = "#" if landed.mode == "fragment" else "?"
        flow.post_message(
            FlowPane.PasteSubmitted(f"{landed.target}{sep}{urlencode(landed.params)}")
        )
        await until(lambda: heard.of(TokenReady), pilot)
        (ready,) = heard.of(TokenReady)
        assert ready.result.flow == "auth-code" and ready.result.api_token.id_token
        await settle(pilot)


async def test_a_403_is_probed_and_explained(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(100, 30), message_hook=heard.keep) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "4", "s")
        select(app, "demo-api-forbidden")
        await press_and_wait(pilot, "s")
        ok, forbidden = [m.result for m in heard.of(ProbeAnswered)]
        assert ok.status == 200
        assert forbidden.status == 403 and forbidden.verdict.causes
        assert "HTTP 403" in pane_text(app, "probe")
        assert forbidden.verdict.causes[0].title in pane_text(app, "probe")


async def test_the_doctor_fills_in_live_exports_its_report_and_copies_curl(
    sandbox: Sandbox, isolated_dirs: dict[str, Path]
) -> None:
    heard = Heard()
    app = _app(sandbox)
    copied = _copied(app)
    async with app.run_test(size=(100, 30), message_hook=heard.keep) as pilot:
        select(app, "demo-scope-not-allowed")
        await press_and_wait(pilot, "5", "d")
        assert [m.event.index for m in heard.of(DoctorStepReported)] == list(range(1, 10))
        (done,) = heard.of(DoctorFinished)
        assert not done.run.diagnosis.api_ok
        doctor = pane_text(app, "doctor")
        assert "✗ the API did not answer 200" in doctor and "[3/9] ✗ A token is issued" in doctor
        reports_dir = isolated_dirs["data"] / "reports"
        await press_and_wait(pilot, "e")
        (markdown,) = reports_dir.iterdir()
        assert markdown.suffix == ".md" and str(markdown) in pane_text(app, "doctor")
        await press_and_wait(pilot, "E")
        reports = sorted(reports_dir.iterdir(), key=lambda p: p.suffix)
        assert [p.suffix for p in reports] == [".json", ".md"]
        assert str(reports[0]) in pane_text(app, "doctor")  # the path of the last export
        json.loads(reports[0].read_text())
        await press_and_wait(pilot, "c")
        (curl,) = copied
        assert curl.startswith("curl") and "${TOKENLAB_CLIENT_SECRET}" in curl
        for report in (*reports, curl):
            text = report if isinstance(report, str) else report.read_text()
            for secret in DEMO_SECRETS.values():
                assert secret not in text


async def test_a_failed_run_is_an_error_toast_with_its_hint(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(100, 30), notifications=True, message_hook=heard.keep) as pilot:
        select(app, "demo-disabled")
        await press_and_wait(pilot, "2", "r")
        (failure,) = [m.event for m in heard.of(RunFailed)]
        assert "invalid_client" in failure.error + failure.message
        (error,) = [t for t in toasts(app) if t.severity == "error"]
        assert failure.message in error.text and failure.hint in error.text
        assert failure.message.split()[0] in pane_text(app, "flow")
        exchanges = [m.event for m in heard.of(ExchangeRecorded)]
        assert all(isinstance(e, HttpExchange) for e in exchanges)
