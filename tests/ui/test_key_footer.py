"""The footer relabels its keys in place: after any pane switch it shows exactly the keys the
screen's bindings give, as Textual's own footer would."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.ui.console_pilot import settle
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.app import make_app
from tokenlab.ui.widgets.key_footer import KeyFooter, shown_bindings

pytestmark = pytest.mark.slow  # starts the whole console


def _footer_keys(footer: KeyFooter) -> list[tuple[str, str, bool]]:
    return [
        (k.key, k.description, k.has_class("-disabled"))
        for k in footer.query_children(FooterKey)
        if not k.has_class("-command-palette")
    ]


async def test_the_footer_shows_each_panes_keys_after_a_switch() -> None:
    store = ProfileStore()
    store.create(new_profile("acme", "http://127.0.0.1:9", "service-app", client_id="c/s"))
    app = make_app(store, SecretStore(env={}))
    async with app.run_test(size=(100, 30)) as pilot:
        footer = app.main.query_one(KeyFooter)
        seen: set[tuple[str, ...]] = set()
        for key in "3456123":
            await pilot.press(key)
            await settle(pilot)
            await pilot.pause()
            expected = [
                (b.key, b.description, not enabled) for b, enabled, _ in shown_bindings(app.screen)
            ]
            assert _footer_keys(footer) == expected, key
            seen.add(tuple(k for k, _, _ in expected))
        assert len(seen) > 2  # the panes' keys really differ: the footer was relabelled
