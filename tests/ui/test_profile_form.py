"""Adding, editing, copying, renaming and deleting profiles in the console, by keyboard."""

from __future__ import annotations

import keyring
import pytest
from textual.widgets import DataTable, Input, Static

from tests.support.keyrings import MemoryKeyring
from tests.ui.console_pilot import pane_text, settle
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SERVICE, SecretStore
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.screens.confirm import ConfirmScreen
from tokenlab.ui.screens.name_prompt import NamePromptScreen
from tokenlab.ui.screens.profile_form import ProfileFormScreen

pytestmark = pytest.mark.slow  # each test starts the whole console

NOWHERE = "http://127.0.0.1:9"


def _app(*names: str) -> tuple[TokenlabApp, ProfileStore]:
    store = ProfileStore()
    for name in names:
        store.create(new_profile(name, NOWHERE, "service-app", client_id=f"com.{name}/svc"))
    return make_app(store, SecretStore(env={})), store


def _error_under(form: ProfileFormScreen, field: str) -> str:
    return str(form.query_one(f"#error-{field}", Static).render())


async def _type_into(pilot: object, form: ProfileFormScreen, field: str, text: str) -> None:
    form.query_one(f"#field-{field}", Input).focus()
    await pilot.press(*text)  # type: ignore[attr-defined]


async def test_the_form_checks_as_you_type_refuses_a_bad_url_and_saves_a_good_one(
    memory_keyring: MemoryKeyring,
) -> None:
    app, store = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProfileFormScreen)
        assert "not valid" in _error_under(form, "name")  # empty name: said at once
        await _type_into(pilot, form, "name", "acme")
        assert _error_under(form, "name") == ""
        await _type_into(pilot, form, "instance", "acme.example")
        assert "has no http(s) scheme and host" in _error_under(form, "instance")
        assert form.query_one("#field-instance", Input).has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and not store.exists("acme")  # refused
        field = form.query_one("#field-instance", Input)
        field.value = ""
        await _type_into(pilot, form, "instance", NOWHERE)
        assert _error_under(form, "instance") == ""
        assert "has no client id" in _error_under(form, "client_id")
        await _type_into(pilot, form, "client_id", "com.acme/svc")
        await _type_into(pilot, form, "secret", "s3cret-typed-in")
        assert form.query_one("#field-secret", Input).password  # never shown
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ProfileFormScreen)
        saved = store.load("acme")
        assert (saved.instance, saved.client_id, saved.scenario) == (
            NOWHERE,
            "com.acme/svc",
            "service-app",
        )
        assert "s3cret" not in store.path_for("acme").read_text()
        assert keyring.get_password(SERVICE, "acme:client-secret") == "s3cret-typed-in"
        assert "acme" in pane_text(app, "profiles")


async def test_the_auth_method_is_checked_against_the_scenario() -> None:
    app, _ = _app("acme")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProfileFormScreen)
        assert form.query_one("#field-name", Input).disabled  # rename is its own action
        form.query_one("#field-auth_method").value = "none"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "service-app cannot use none" in _error_under(form, "auth_method")
        await pilot.press("escape")


async def test_copy_rename_and_delete_with_a_confirmation() -> None:
    app, store = _app("acme")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6", "c")
        await pilot.pause()
        assert isinstance(app.screen, NamePromptScreen)
        await pilot.press("enter")  # the suggested name: acme-copy
        await settle(pilot)
        assert store.names() == ["acme", "acme-copy"]
        await pilot.press("n")  # rename the highlighted one (the copy, now active)
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, NamePromptScreen)
        prompt.query_one(Input).value = "acme"  # taken: refused as typed
        await pilot.press("enter")
        assert app.screen is prompt
        prompt.query_one(Input).value = "beta"
        await pilot.press("enter")
        await settle(pilot)
        assert store.names() == ["acme", "beta"]
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert store.names() == ["acme", "beta"]  # no: nothing deleted
        await pilot.press("x")
        await pilot.pause()
        assert "Delete profile beta?" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await settle(pilot)
        assert store.names() == ["acme"]
        assert app.main.query_one("#profiles-table", DataTable).row_count == 1


async def test_the_profiles_pane_says_which_keyring_holds_the_secrets() -> None:
    app, _ = _app("acme")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        words = pane_text(app, "profiles")
        assert "secrets: OS keyring" in words
        assert "never in a profile file" in words
