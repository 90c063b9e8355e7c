"""The first screen makes only the pane it shows; the others come once it is drawn, or at once
when their key is pressed first, and show what they would have shown had they been there."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.console_pilot import pane_text, settle
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.app import make_app
from tokenlab.ui.screens.pane_table import PANE_NAMES
from tokenlab.ui.widgets.pane_calls import replay_deferred, until_mounted

pytestmark = pytest.mark.slow  # starts the console


class Shelf(Static):
    """A widget whose `show` is kept until it is mounted."""

    def __init__(self) -> None:
        super().__init__("")
        self.shown: list[str] = []

    @until_mounted
    def show(self, text: str) -> None:
        self.shown.append(text)
        self.update(" ".join(self.shown))


class ShelfApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("nothing yet")


async def test_calls_before_the_mount_are_made_in_order_after_it() -> None:
    shelf = Shelf()
    shelf.show("one")
    shelf.show("two")
    assert shelf.shown == []  # not mounted: kept
    async with ShelfApp().run_test() as pilot:
        await pilot.app.mount(shelf)
        shelf.show("three")  # mounted, yet "one" and "two" still wait: it waits behind them
        assert shelf.shown == []
        replay_deferred(shelf)
        assert shelf.shown == ["one", "two", "three"]
        shelf.show("four")  # nothing kept any more: made at once
        assert shelf.shown == ["one", "two", "three", "four"]
        assert str(shelf.render()) == "one two three four"


def _store() -> ProfileStore:
    store = ProfileStore()
    for name in ("acme-service", "zeta-service"):
        api = f"http://127.0.0.1:9/{name}-api/"
        store.create(
            new_profile(name, "http://127.0.0.1:9", "service-app", client_id="c/s", api_url=api)
        )
    return store


async def test_a_pane_key_pressed_at_once_shows_its_pane_with_the_active_profile() -> None:
    app = make_app(_store(), SecretStore(env={}))
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.activate("zeta-service")  # before any pane but the first was mounted
        await pilot.press("5")
        await pilot.pause()
        assert app.main.current_pane() == "doctor"
        assert app.main.pane("doctor").is_mounted
        assert "zeta-service" in pane_text(app, "doctor")
        await settle(pilot)
        for name in PANE_NAMES:  # once the first screen is drawn, every pane comes
            assert app.main.pane(name).is_mounted, name
        assert "zeta-service-api" in pane_text(app, "probe")  # told before it was mounted


async def test_the_console_gives_the_collector_back_what_it_froze() -> None:
    app = make_app(_store(), SecretStore(env={}))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 0  # the panes' objects, out of the collector's walks
    assert gc.get_freeze_count() == 0  # a console that quit leaves no frozen garbage


def test_the_first_screen_loads_no_other_pane_and_no_http_client(tmp_path: Path) -> None:
    """In a fresh process: what is imported when the first frame is drawn."""
    script = textwrap.dedent(
        """
        import asyncio, json, os, sys
        from textual.screen import Screen
        from tokenlab.core.profiles import ProfileStore
        from tokenlab.core.secrets import SecretStore
        from tokenlab.ui.app import make_app

        draw = Screen._compositor_refresh

        def drawn(screen):
            draw(screen)
            if screen is screen.app.screen and screen.size.area:
                loaded = [m for m in sys.modules if m.startswith(("tokenlab.ui.widgets", "httpx"))]
                os.write(1, json.dumps(sorted(loaded)).encode())  # Textual holds print()
                os._exit(0)

        Screen._compositor_refresh = drawn

        async def main():
            app = make_app(ProfileStore(), SecretStore(env={}))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()

        asyncio.run(main())
        """
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "TOKENLAB_CONFIG_DIR": str(tmp_path / "config"),
        "TOKENLAB_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "tokenlab.ui.widgets.authority_pane" in loaded  # the pane shown
    others = {f"tokenlab.ui.widgets.{name}_pane" for name in PANE_NAMES if name != "authority"}
    assert loaded & others == set()
    assert not any(m.startswith("httpx") for m in loaded)
