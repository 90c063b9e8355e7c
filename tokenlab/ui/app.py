"""The console's App: bindings, the command palette's tokenlab entries, themes, styles.

Thin on purpose: the main screen (ui/screens/main.py) holds the panes and routes their messages;
`make_app` is the one factory that `run_console`, the tests and the screenshot script use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import PurePath
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tokenlab import __version__
from tokenlab.core.events import Bus
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.bridge import ConsoleBridge
from tokenlab.ui.commands import ConsoleCommands
from tokenlab.ui.screens.main import MainScreen

STYLES = ("authority", "flow", "token", "probe", "doctor", "watch", "fleet")


class TokenlabApp(App[int]):
    TITLE = f"tokenlab {__version__}"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "app.tcss",
        *(f"styles/{name}.tcss" for name in STYLES),
    ]
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+p", "command_palette", "Palette", show=False),
    ]

    def __init__(
        self,
        *,
        profiles: ProfileStore,
        secrets: SecretStore,
        bus: Bus | None = None,
        sandbox_url: str = "",
        subtitle: str = "",
        demo_sign_in: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.store = profiles
        self.secrets = secrets
        self.bus = bus or Bus()  # the console's own: the secret store's notices
        self.sandbox_url = sandbox_url
        self.sub_title = subtitle
        self.demo_sign_in = demo_sign_in
        self.main = MainScreen(
            store=profiles,
            secrets=secrets,
            bus=self.bus,
            title=self._title(),
            banner=self._banner(),
            now=now,
        )

    @property
    def bridge(self) -> ConsoleBridge:
        """The bridge into the main screen: a bus attached here reaches the panes."""
        return self.main.bridge

    def _title(self) -> str:
        return f"{self.TITLE} {self.sub_title}".strip()

    def _banner(self) -> str:
        if not self.sandbox_url:
            return ""
        sign_in = f" · sign-in: {self.demo_sign_in}" if self.demo_sign_in else ""
        return f"sandbox {self.sandbox_url}{sign_in}"

    def get_default_screen(self) -> Screen[None]:
        return self.main


def make_app(
    profiles: ProfileStore,
    secrets: SecretStore | None = None,
    *,
    bus: Bus | None = None,
    sandbox_url: str = "",
    title: str = "",
    demo_sign_in: str = "",
    now: Callable[[], float] = time.time,
) -> TokenlabApp:
    """The console as `run_console`, the tests and the screenshot script build it.

    Without `secrets`, the console gets its own store on its own bus, so a keyring warning
    reaches the console's toasts. `now` is the clock of the countdowns (fixed in snapshots)."""
    bus = bus or Bus()
    if secrets is None:
        secrets = SecretStore(bus=bus, run_id="console")
    return TokenlabApp(
        profiles=profiles,
        secrets=secrets,
        bus=bus,
        sandbox_url=sandbox_url,
        subtitle=title,
        demo_sign_in=demo_sign_in,
        now=now,
    )
