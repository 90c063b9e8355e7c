"""The Trusted Application card in the Profiles pane (t), copied (c), and checked against the
sandbox's registration with the demo administrator profile (k), at 80x24 (issue 13)."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from tests.ui.console_pilot import Heard, pane_text, select, settle, until
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_SECRETS, Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.screens.app_card import AppCardScreen

pytestmark = pytest.mark.slow


def demo_app(sandbox: Sandbox) -> TokenlabApp:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return make_app(store, SecretStore(env={}), sandbox_url=sandbox.url, title="demo")


async def open_card(pilot, app: TokenlabApp, profile: str) -> AppCardScreen:  # type: ignore[no-untyped-def]
    select(app, profile)
    await pilot.press("6")
    await pilot.pause()
    assert app.main.query_one("#profiles-pane").highlighted() == profile  # type: ignore[attr-defined]
    await pilot.press("t")
    await until(lambda: isinstance(app.screen, AppCardScreen), pilot)
    assert isinstance(app.screen, AppCardScreen)
    return app.screen


async def test_the_card_shows_copies_and_checks_a_mismatch(sandbox: Sandbox) -> None:
    app, heard = demo_app(sandbox), Heard()
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        screen = await open_card(pilot, app, "demo-redirect-mismatch")
        card = str(screen.query_one("#app-card-text").render())
        assert "ImpersonateLoginUrl" in card and "http://127.0.0.1/callback" in card
        await pilot.press("c")
        await pilot.pause()
        copied = heard.of(AppCardScreen.CopyRequested)[-1]
        assert copied.text == screen.card.text() and app.clipboard == copied.text
        admins = screen.query_one(OptionList)
        assert "demo-redirect-mismatch" not in screen.admins
        admins.highlighted = screen.admins.index("demo-admin")  # the person's arrow keys
        await pilot.press("k")
        await settle(pilot)
        await until(lambda: "mismatch(es)" in screen.check_shown(), pilot)
        shown = screen.check_shown()
        assert "1 mismatch(es): redirect-uri" in shown
        assert "'c' here, 'C' registered" in shown
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, AppCardScreen), pilot)


async def test_a_matching_registration_and_the_secret_never_shown(sandbox: Sandbox) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, app, "demo-service-app")
        screen.query_one(OptionList).highlighted = screen.admins.index("demo-admin")
        await pilot.press("enter")
        await settle(pilot)
        await until(lambda: "matches" in screen.check_shown(), pilot)
        everything = str(screen.query_one("#app-card-text").render()) + screen.check_shown()
        assert DEMO_SECRETS["com.tokenlab.demo/service-app"] not in everything


async def test_a_profile_that_cannot_read_the_registration_says_why(sandbox: Sandbox) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, app, "demo-disabled")
        screen.query_one(OptionList).highlighted = screen.admins.index("demo-service-app")
        await pilot.press("k")
        await settle(pilot)
        await until(lambda: "HTTP 403" in screen.check_shown(), pilot)
        assert "ask the instance's administrators" in screen.check_shown()


async def test_after_a_check_the_doctor_says_what_the_registration_says(
    sandbox: Sandbox,
) -> None:
    # the check's administrator is remembered for the profile: its doctor reads the
    # registration too, and the first cause is the registration's words, not a guess
    app = demo_app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, app, "demo-redirect-mismatch")
        screen.query_one(OptionList).highlighted = screen.admins.index("demo-admin")
        await pilot.press("k")
        await until(lambda: "mismatch(es)" in screen.check_shown(), pilot)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, AppCardScreen), pilot)
        await pilot.press("5", "d")
        await until(lambda: app.main.doctor_run is not None, pilot, seconds=20)
        shown = pane_text(app, "doctor")
        assert "The registration says the redirect URI is http://127.0.0.1/Callback" in shown
