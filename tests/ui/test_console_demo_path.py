"""The issue's whole path, by keyboard, in `tokenlab demo`'s setting: the sandbox, the demo
profiles, the console at 80x24. The person's browser (sign-in, device approval) is a script;
everything in the console is a key press, and every check is what the screen shows."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from textual.command import CommandPalette
from textual.events import Paste
from textual.pilot import Pilot
from textual.widgets import Input

from tests.integration.test_flow_device import sandbox_approver
from tests.sandbox_fixtures import SignInResult, sign_in
from tests.ui.console_pilot import (
    Heard,
    choose_flow,
    header_text,
    pane_rows,
    pane_text,
    press_and_wait,
    settle,
    until,
)
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_SECRETS, Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.messages import (
    AuthorityChecked,
    DoctorFinished,
    ProbeAnswered,
    RunErrored,
    TokenReady,
    UserActionNeeded,
)
from tokenlab.ui.screens.profile_form import ProfileFormScreen

pytestmark = pytest.mark.slow  # the whole console against the sandbox, step by step

DEMO_SIGN_IN = "user demo / password demo-password"


def _demo_app(sandbox: Sandbox) -> TokenlabApp:
    """The console as `tokenlab demo` opens it: the demo profiles and the sign-in banner."""
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return make_app(
        store,
        SecretStore(env={}),
        sandbox_url=sandbox.url,
        title="demo",
        demo_sign_in=DEMO_SIGN_IN,
    )


async def pick(pilot: Pilot[int], profile: str) -> None:
    """Choose a profile by keyboard: the palette's "Switch profile" entry."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(lambda: isinstance(app.screen, CommandPalette), pilot)
    await pilot.press(*profile)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)
    assert f"profile {profile}" in header_text(app)  # type: ignore[arg-type]


def redirect_address(landed: SignInResult) -> str:
    """The address the browser ends on, as a person copies it from the address bar."""
    sep = "#" if landed.mode == "fragment" else "?"
    return f"{landed.target}{sep}{urlencode(landed.params)}"


def sign_in_by_browser(url: str) -> SignInResult:
    with httpx.Client() as browser:
        return sign_in(browser, url)


def finish_at_loopback(url: str) -> None:
    """The browser signs in and is sent back to the console's loopback listener."""
    landed = sign_in_by_browser(url)
    with httpx.Client() as browser:
        if landed.mode == "form_post":
            browser.post(landed.target, data=landed.params)
        else:
            browser.get(redirect_address(landed))


async def test_pick_check_authority_run_service_app_watch_claims_probe_and_global_authority(
    sandbox: Sandbox,
) -> None:
    heard = Heard()
    app = _demo_app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        assert f"sandbox {sandbox.url}" in " ".join(
            str(app.main.query_one("#demo-banner").render()).split()
        )
        await pick(pilot, "demo-service-app")
        await press_and_wait(pilot, "1")
        authority = pane_text(app, "authority")
        assert "instance identity service" in authority and f"{sandbox.url}/id" in authority
        assert any(m.profile.name == "demo-service-app" for m in heard.of(AuthorityChecked))
        await press_and_wait(pilot, "2", "r")
        (ready,) = heard.of(TokenReady)
        assert ready.result.flow == "client-credentials"
        await press_and_wait(pilot, "3")
        claims = {row[0]: row[1] for row in pane_rows(app, "token")}
        assert claims["client_id"] == "com.tokenlab.demo/service-app"
        assert claims["scope"] == '["read","update"]'
        before = pane_text(app, "token")
        assert "access token: 59:5" in before and "left" in header_text(app)
        # the countdown moves on its own, once a second (a loaded CI machine may run the
        # timer a little late: wait up to 3 s, not exactly 1.1)
        await until(lambda: pane_text(app, "token") != before, pilot, seconds=3)
        await pick(pilot, "demo-api-forbidden")
        await press_and_wait(pilot, "4", "s")
        (answer,) = [m.result for m in heard.of(ProbeAnswered)]
        assert answer.status == 403
        probe = pane_text(app, "probe")
        assert "403 Forbidden" in probe and "Most likely causes" in probe
        assert "1. Authenticated, but not allowed (403)" in probe
        await pick(pilot, "demo-global-authority")
        await press_and_wait(pilot, "1")
        authority = " ".join(pane_text(app, "authority").split())
        assert "GLOBAL AUTHORITY: not for API tokens" in authority
        assert "press 6 (Profiles), then e to edit profile demo-global-authority" in authority


async def test_the_web_app_by_paste_then_refresh_and_compare(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _demo_app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        await pick(pilot, "demo-web-app")
        await choose_flow(pilot, "code, by paste")
        await pilot.press("r")
        await until(lambda: heard.of(UserActionNeeded), pilot)
        (action,) = [m.event for m in heard.of(UserActionNeeded)]
        assert action.expects_paste and action.url in pane_text(app, "flow")
        landed = await asyncio.to_thread(sign_in_by_browser, action.url)
        await pilot.press("p")  # the paste box
        assert isinstance(app.focused, Input)
        app.focused.post_message(Paste(redirect_address(landed)))  # the terminal's paste
        await pilot.pause()
        await press_and_wait(pilot, "enter")
        (ready,) = heard.of(TokenReady)
        assert ready.result.flow == "auth-code" and ready.result.api_token.refresh_token
        await asyncio.sleep(1.1)  # times have 1 s resolution: the new token's iat/exp must move
        await press_and_wait(pilot, "3", "f")  # refresh
        assert [m.result.flow for m in heard.of(TokenReady)] == ["auth-code", "refresh"]
        await press_and_wait(pilot, "equals_sign")
        assert "Compared with the previous token" in pane_text(app, "token")
        changed = {row[0] for row in pane_rows(app, "token") if row[1:2] == ("changed",)}
        assert {"exp", "iat"} <= changed
        assert not heard.of(RunErrored)


async def test_the_spa_by_device_code_the_portal_and_the_automation(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _demo_app(sandbox)
    approve = sandbox_approver(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        await pick(pilot, "demo-spa")
        await choose_flow(pilot, "code, by device")
        await pilot.press("r")
        await until(lambda: heard.of(UserActionNeeded), pilot)
        (device,) = [m.event for m in heard.of(UserActionNeeded)]
        assert device.user_code in pane_text(app, "flow")
        await asyncio.to_thread(approve, device.verification_uri_complete, device.user_code)
        await until(lambda: heard.of(TokenReady), pilot, seconds=20)
        await settle(pilot)
        await pick(pilot, "demo-portal")
        await press_and_wait(pilot, "2")
        await pilot.press("r")  # the portal's own flow, preset from the profile
        await until(lambda: len(heard.of(UserActionNeeded)) == 2, pilot)
        sign_in_at = heard.of(UserActionNeeded)[-1].event
        await asyncio.to_thread(finish_at_loopback, sign_in_at.url)
        await until(lambda: len(heard.of(TokenReady)) == 2, pilot, seconds=20)
        await settle(pilot)
        await pick(pilot, "demo-automation")
        await press_and_wait(pilot, "2", "r")
        flows = [m.result.flow for m in heard.of(TokenReady)]
        assert flows == ["device", "portal", "reference-token"]
        await press_and_wait(pilot, "3")
        assert "masked: a stored secret" in pane_text(app, "token")
        assert "enrt…" in pane_text(app, "token")
        assert not heard.of(RunErrored)


async def test_the_doctor_and_its_export(sandbox: Sandbox, isolated_dirs: dict[str, Path]) -> None:
    heard = Heard()
    app = _demo_app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        await pick(pilot, "demo-service-app")
        await press_and_wait(pilot, "5", "d")
        (done,) = heard.of(DoctorFinished)
        assert done.run.diagnosis.api_ok
        assert "[9/9] ✓ The first request returns HTTP 200" in pane_text(app, "doctor")
        await press_and_wait(pilot, "e")
        (report,) = (isolated_dirs["data"] / "reports").iterdir()
        assert str(report) in pane_text(app, "doctor")
        assert "demo-service-app" in report.read_text()


async def test_add_a_profile_with_its_secret_and_edit_it(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _demo_app(sandbox)
    secret = DEMO_SECRETS["com.tokenlab.demo/service-app"]
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        await press_and_wait(pilot, "6", "a")
        form = app.screen
        assert isinstance(form, ProfileFormScreen)
        for field, text in (
            ("name", "mine"),
            ("instance", sandbox.url),
            ("client_id", "com.tokenlab.demo/service-app"),
            ("secret", secret),
        ):
            form.query_one(f"#field-{field}", Input).focus()
            await pilot.press(*text)
        await press_and_wait(pilot, "ctrl+s")
        assert not isinstance(app.screen, ProfileFormScreen)
        assert "profile mine" in header_text(app)  # the new profile is the active one
        assert secret not in pane_text(app, "profiles")
        await press_and_wait(pilot, "2", "r")
        assert [m.profile.name for m in heard.of(TokenReady)] == ["mine"]  # its secret works
        await press_and_wait(pilot, "6", "e")  # edit it: a wrong secret this time
        form = app.screen
        assert isinstance(form, ProfileFormScreen)
        form.query_one("#field-secret", Input).focus()
        await pilot.press(*"not-the-secret", "ctrl+s")
        await settle(pilot)
        await press_and_wait(pilot, "2", "r")
        assert len(heard.of(TokenReady)) == 1
        assert "failed [invalid_client]" in pane_text(app, "flow")
