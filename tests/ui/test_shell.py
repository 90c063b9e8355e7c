"""The console's shell, by keyboard: panes, profiles, header, help, palette, state, folding.

Profiles here point at 127.0.0.1:9 (nothing listens): the authority check that follows a profile
choice fails at once, on this machine only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, OptionList, TabbedContent

from tests.ui.console_pilot import (
    Heard,
    active_pane,
    header_text,
    pane_text,
    settle,
    text_of,
    until,
)
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.messages import AuthorityChecked, RunErrored
from tokenlab.ui.screens.help import HelpScreen
from tokenlab.ui.state import state_path
from tokenlab.ui.widgets.profile_list import ProfileList

pytestmark = pytest.mark.slow  # each test starts the whole console

NOWHERE = "http://127.0.0.1:9"


def _store(*names: str) -> ProfileStore:
    store = ProfileStore()
    for name in names:
        store.create(new_profile(name, NOWHERE, "service-app", client_id=f"com.{name}/svc"))
    return store


def _app(store: ProfileStore) -> TokenlabApp:
    return make_app(store, SecretStore(env={}))


async def test_each_pane_has_its_key_and_takes_the_focus() -> None:
    app = _app(_store("acme"))
    async with app.run_test(size=(100, 30)) as pilot:
        for key, pane in zip(
            "123456", ("authority", "flow", "token", "probe", "doctor", "profiles"), strict=True
        ):
            await pilot.press(key)
            await pilot.pause()
            assert active_pane(app) == pane
            focused = app.focused
            assert focused is not None
            assert app.main.query_one(f"#{pane}-pane") in (focused, *focused.ancestors)


async def test_choosing_a_profile_updates_the_header_and_every_pane() -> None:
    heard = Heard()
    app = _app(_store("acme", "beta"))
    async with app.run_test(size=(100, 30), message_hook=heard.keep) as pilot:
        await settle(pilot)
        assert "profile acme" in header_text(app)
        assert "instance identity service" in header_text(app)
        await pilot.press("l", "l")  # the sidebar: hidden and shown again, focused
        sidebar = app.main.query_one(ProfileList)
        assert sidebar.has_focus
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "profile beta" in header_text(app)
        assert "beta" in pane_text(app, "flow")
        assert "beta" in pane_text(app, "doctor")
        # the authority of each chosen profile was checked (here: refused, on this machine)
        assert [m.pane for m in heard.of(RunErrored)] == ["authority", "authority"]
        assert not heard.of(AuthorityChecked)


async def test_a_corrupt_profile_file_shows_its_error_and_the_others_stay_listed() -> None:
    store = _store("acme")
    (store.dir / "broken.toml").write_text("schema = [")
    app = _app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        assert app.main.query_one("#profiles-table", DataTable).row_count == 1
        assert "broken.toml" in pane_text(app, "profiles")
        options = app.main.query_one(ProfileList)
        assert options.option_count == 2  # acme, and the unreadable file's line
        assert "broken.toml" in str(options.get_option_at_index(1).prompt)


async def test_the_console_remembers_the_last_profile_and_pane(
    isolated_dirs: dict[str, Path],
) -> None:
    store = _store("acme", "beta")
    app = _app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.activate("beta")
        await pilot.press("4")
        await settle(pilot)
    saved = json.loads(state_path().read_text())
    assert saved == {"profile": "beta", "pane": "probe"}
    assert state_path().parent == isolated_dirs["data"]
    again = _app(store)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "profile beta" in header_text(again)
        assert active_pane(again) == "probe"
    state_path().write_text("{not json")  # a corrupt state file is the same as none
    third = _app(store)
    async with third.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "profile acme" in header_text(third)


async def test_the_palette_lists_every_action_and_each_profile() -> None:
    app = _app(_store("acme", "beta"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette), pilot)
        options = app.screen.query_one(OptionList)
        await until(lambda: options.option_count > 20, pilot)
        shown = " | ".join(
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        )
        for entry in (
            "Run flow",
            "Run doctor",
            "Send probe",
            "Copy token",
            "Export report (Markdown)",
            "Theme",
            "Switch profile: acme",
            "Switch profile: beta",
            "Show pane: Token",
            "Revoke tokens",
            "Sign out",
        ):
            assert entry in shown, entry
        await pilot.press(*"switch profile: beta", "enter")
        await settle(pilot)
        assert "profile beta" in header_text(app)


async def test_question_mark_shows_every_binding_grouped() -> None:
    app = _app(_store("acme"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        words = text_of(app.screen.query_one("#help"))
        for group in ("Everywhere", "Flow pane (2)", "Token pane (3)", "Profiles pane (6)"):
            assert group in words
        for action in ("Re-check", "Run", "Verify", "Send", "Export Markdown", "Delete", "Quit"):
            assert action in words, action
        for action in ("Next flow", "Paste box", "Paste a token", "Profiles list", "Repeat ×N"):
            assert action in words, action  # every pane's own keys, and the shell's
        assert "On a timeline row: its masked request and response" in words
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_at_60x20_the_sidebar_folds_away_and_l_brings_it_back() -> None:
    app = _app(_store("acme", "beta"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        sidebar = app.main.query_one(ProfileList)
        assert not sidebar.display
        assert app.main.query_one(TabbedContent).region.width >= 58  # the panes take the room
        await pilot.press("l")
        assert sidebar.display and sidebar.has_focus
        await pilot.press("down", "enter")  # choosing folds it away again
        await settle(pilot)
        assert not sidebar.display
        assert "profile beta" in header_text(app)
    wide = _app(ProfileStore())
    async with wide.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert wide.main.query_one(ProfileList).display
