"""The footer: one line showing exactly the keys the screen's bindings give after any pane
switch, as Textual's own footer would; a click on a key presses it."""

from __future__ import annotations

import pytest

from tests.ui.console_pilot import settle
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.app import make_app
from tokenlab.ui.widgets.key_footer import KeyFooter, shown_bindings

pytestmark = pytest.mark.slow  # starts the whole console


def _store() -> ProfileStore:
    store = ProfileStore()
    store.create(new_profile("acme", "http://127.0.0.1:9", "service-app", client_id="c/s"))
    return store


def _footer_line(footer: KeyFooter) -> str:
    return footer.render().plain


async def test_the_footer_shows_each_panes_keys_after_a_switch() -> None:
    app = make_app(_store(), SecretStore(env={}))
    async with app.run_test(size=(220, 30)) as pilot:  # wide enough for every key
        footer = app.main.query_one(KeyFooter)
        seen: set[tuple[str, ...]] = set()
        for key in "3456123":
            await pilot.press(key)
            await settle(pilot)
            await pilot.pause()
            shown = shown_bindings(app.screen)
            expected = " ".join(
                f" {app.get_key_display(b)} {b.description}" for b, _, _ in shown
            ).split()
            line = _footer_line(footer)
            words = line.split()
            assert words[: len(expected)] == expected, key  # every key, in order, nothing else
            assert line.rstrip().endswith("^p Palette")  # the palette's key on the right
            disabled = [b.key for b, enabled, _ in shown if not enabled]
            dim = {e.key for e in footer.entries if not e.enabled}
            assert dim == set(disabled), key
            seen.add(tuple(b.key for b, _, _ in shown))
        assert len(seen) > 2  # the panes' keys really differ: the footer was redrawn


async def test_a_click_on_a_footer_key_presses_it() -> None:
    app = make_app(_store(), SecretStore(env={}))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        footer = app.main.query_one(KeyFooter)
        line = _footer_line(footer)
        column = line.index(" 3 Token") + 1
        await pilot.click(KeyFooter, offset=(column, 0))
        await pilot.pause()
        assert app.main.current_pane() == "token"


async def test_at_80_columns_the_keys_give_way_to_the_palettes_key() -> None:
    app = make_app(_store(), SecretStore(env={}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = _footer_line(app.main.query_one(KeyFooter))
        assert len(line) == 80
        assert line.rstrip().endswith("^p Palette")
        assert "…" in line  # the keys that do not fit are cut, and that shows
