"""What every part of the main screen shares: its state, the panes by name, and the workers.

The workers run the core, one exclusive group per pane, so a slow server never blocks a key;
each posts what its run returned (or the run's error) back to the screen. The screen's message
routing (run_routing.py), its answers to the panes' requests (pane_requests.py) and its shape
(main.py) build on this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, TypeVar

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tokenlab.core.authority import AuthorityCache
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus
from tokenlab.core.profiles import Profile, ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import FlowResult
from tokenlab.ui import runs
from tokenlab.ui.bridge import ConsoleBridge
from tokenlab.ui.messages import RunErrored
from tokenlab.ui.screens.pane_table import PANE_OF_CLASS
from tokenlab.ui.widgets.header_bar import HeaderBar
from tokenlab.ui.widgets.pane_calls import replay_deferred

if TYPE_CHECKING:  # the panes load when they are made (see MainScreen.make_pane)
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.ui.console_actions import ConsoleActions
    from tokenlab.ui.profile_actions import ProfileActions
    from tokenlab.ui.widgets.authority_pane import AuthorityPane
    from tokenlab.ui.widgets.doctor_pane import DoctorPane
    from tokenlab.ui.widgets.flow_pane import FlowPane
    from tokenlab.ui.widgets.probe_pane import ProbePane
    from tokenlab.ui.widgets.token_pane import TokenPane

RunBody = Callable[[], Awaitable[Message]]  # a run, started when its worker starts
PaneT = TypeVar("PaneT", bound=Widget)


class ConsoleScreen(Screen[None]):
    actions: ConsoleActions  # what the panes' requests do (made by the main screen)
    profile_actions: ProfileActions

    def __init__(
        self,
        *,
        store: ProfileStore,
        secrets: SecretStore,
        bus: Bus,
        title: str,
        banner: str = "",
    ) -> None:
        super().__init__()
        self.store = store
        self.secrets = secrets
        self.bus = bus  # the console's own: the secret store's notices
        self.bridge = ConsoleBridge(self)
        self.title_text = title
        self.banner = banner
        self.cache = AuthorityCache()
        self.inbox = runs.PasteInbox()
        self.profiles: list[Profile] = []
        self.active: Profile | None = None
        self.result: FlowResult | None = None  # the active profile's current token
        self.previous_access = ""  # the access token before it, to compare with
        self.pasted = ""  # the last token pasted into the Token pane
        self.doctor_run: DoctorRun | None = None
        self.flow_failure_shown = False  # the flow run's failure came on the bus: shown once
        self.sidebar_toggled = False  # l: flips the sidebar from what the width gives
        self._attachments = ExitStack()
        self.ready = False
        self.panes: dict[str, Widget] = {}  # the panes made so far, on the screen or not yet

    # --- the panes by name ------------------------------------------------------------------

    def pane(self, name: str) -> Widget:
        """The pane `name`, made now if it was not yet (mounted or not: calls to it wait for
        its mount)."""
        if name not in self.panes:
            self.panes[name] = self.make_pane(name)
        return self.panes[name]

    def make_pane(self, name: str) -> Widget:
        raise NotImplementedError  # the main screen makes them

    def pane_of(self, kind: type[PaneT]) -> PaneT:
        pane = self.pane(PANE_OF_CLASS[kind.__name__])
        if not isinstance(pane, kind):
            raise TypeError(f"the {kind.__name__} is a {type(pane).__name__}")
        return pane

    @property
    def header_bar(self) -> HeaderBar:
        return self.query_one(HeaderBar)

    # Each pane's module is imported here, when the pane is first asked for (see pane_table.py).

    @property
    def authority_pane(self) -> AuthorityPane:
        from tokenlab.ui.widgets.authority_pane import AuthorityPane

        return self.pane_of(AuthorityPane)

    @property
    def flow_pane(self) -> FlowPane:
        from tokenlab.ui.widgets.flow_pane import FlowPane

        return self.pane_of(FlowPane)

    @property
    def token_pane(self) -> TokenPane:
        from tokenlab.ui.widgets.token_pane import TokenPane

        return self.pane_of(TokenPane)

    @property
    def probe_pane(self) -> ProbePane:
        from tokenlab.ui.widgets.probe_pane import ProbePane

        return self.pane_of(ProbePane)

    @property
    def doctor_pane(self) -> DoctorPane:
        from tokenlab.ui.widgets.doctor_pane import DoctorPane

        return self.pane_of(DoctorPane)

    def action_show_pane(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"
        pane = self.pane(name)
        if pane.is_mounted:
            self.focus_pane(name)
        elif not pane.is_attached:  # its key came before its turn to be mounted
            self.call_next(self.mount_pane, name)
        # else: it is being mounted, and is focused when it is

    async def mount_pane(self, name: str) -> None:
        """Put a pane on the screen (once), make the calls it kept meanwhile, and focus it if
        it is the pane shown."""
        pane = self.pane(name)
        if pane.is_attached:
            return
        await self.query_one(f"#tab-{name}", TabPane).mount(pane)
        replay_deferred(pane)
        if self.current_pane() == name:
            self.focus_pane(name)

    def focus_pane(self, name: str) -> None:
        pane = self.pane(name)
        if not pane.is_mounted:
            return  # mount_pane focuses it
        for widget in (pane, *pane.query("*")):
            if widget.focusable:
                widget.focus()
                return

    def current_pane(self) -> str:
        return (self.query_one(TabbedContent).active or "tab-flow").removeprefix("tab-")

    # --- workers: one exclusive group per pane ----------------------------------------------

    async def guarded(self, pane: str, body: RunBody) -> None:
        """Await a run's body and post what it returned; its error goes to `pane`."""
        try:
            self.post_message(await body())
        except TokenlabError as exc:
            self.post_message(RunErrored(pane, exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not take the console down
            bug = TokenlabError(
                f"unexpected {type(exc).__name__}: {exc}",
                "this is a bug in tokenlab; please report it",
            )
            self.post_message(RunErrored(pane, bug))

    @work(exclusive=True, group="authority")
    async def check_authority(self, profile: Profile) -> None:
        self.authority_pane.show_checking()
        cache = self.cache
        await self.guarded(
            "authority", lambda: runs.check_authority(profile, secrets=self.secrets, cache=cache)
        )

    @work(exclusive=True, group="flow")
    async def flow_worker(self, body: RunBody, bus: Bus) -> None:
        self.flow_failure_shown = False
        with self.bridge.attached(bus):
            await self.guarded("flow", body)

    @work(exclusive=True, group="token")
    async def token_worker(self, body: RunBody, bus: Bus) -> None:
        with self.bridge.attached(bus):
            await self.guarded("token", body)

    @work(exclusive=True, group="probe")
    async def probe_worker(self, body: RunBody, bus: Bus) -> None:
        self.probe_pane.show_sending()
        with self.bridge.attached(bus):
            await self.guarded("probe", body)

    @work(exclusive=True, group="doctor")
    async def doctor_worker(self, body: RunBody, bus: Bus) -> None:
        self.doctor_pane.start()
        with self.bridge.attached(bus):
            await self.guarded("doctor", body)
