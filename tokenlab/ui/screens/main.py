"""The main screen: the header, the profiles sidebar, one tab per pane, the footer.

Its shape, the active profile, the keys and the folding live here; what it shares (state,
panes by name, the workers) in console_base.py, the routing of runs to the panes in
run_routing.py, and the answers to the panes' requests in pane_requests.py.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from tokenlab.core.errors import ConfigFileError
from tokenlab.core.events import Bus
from tokenlab.core.profiles import Profile, ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.console_actions import ConsoleActions
from tokenlab.ui.fleet_runs import FleetRuns
from tokenlab.ui.profile_actions import ProfileActions
from tokenlab.ui.screens.help import BindingGroup, HelpScreen
from tokenlab.ui.screens.pane_requests import PaneRequests
from tokenlab.ui.screens.pane_table import PANE_NAMES, PANES, SPEC
from tokenlab.ui.screens.run_routing import RunRouting
from tokenlab.ui.state import ConsoleState, load_state, save_state
from tokenlab.ui.watch_runs import WatchRuns
from tokenlab.ui.widgets.header_bar import HeaderBar
from tokenlab.ui.widgets.key_footer import KeyFooter
from tokenlab.ui.widgets.pane_calls import replay_deferred
from tokenlab.ui.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from tokenlab.ui.widgets.fleet_pane import FleetPane
    from tokenlab.ui.widgets.profiles_pane import ProfilesPane

__all__ = ["PANES", "PANE_NAMES", "MainScreen"]
STATE_SAVE_DELAY_S = 1.0  # pane keys in a row write the state file once
NARROW_BELOW = 70  # columns: below this the sidebar folds away
CLOCKED = ("flow", "token")  # the panes with a countdown: they get the screen's clock
# Keys of a pane's inner widgets, which its BINDINGS do not list: shown in help too.
INNER_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "flow": [
        ("enter", "details", "On a timeline row: its masked request and response"),
        ("tab", "next", "Move between the flow chooser, the timeline and the paste box"),
    ],
    "token": [("up,down", "claim", "In the claims table: the claim's meaning below it")],
    "probe": [
        ("tab", "next", "Into the request: method, path, query, repeat count, headers"),
        ("enter", "send", "In the request: send it (in the repeat count: repeat it)"),
    ],
    "watch": [("up,down", "row", "In the timeline: move through the probes and renewals")],
    "fleet": [
        ("enter", "open", "On a row: make it the active profile and show its Doctor pane"),
        ("enter", "run", "In the glob box: run the profiles it matches (empty: all)"),
        ("escape", "cancel", "Stop the run; the rows done so far stay"),
    ],
}


class MainScreen(PaneRequests, RunRouting, WatchRuns):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(p.key, f"show_pane('{p.name}')", p.title) for p in PANES),
        Binding("l", "toggle_sidebar", "Profiles list"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "cancel", "Cancel run", show=False),
        Binding("ctrl+r", "reload", "Reload profiles", show=False),
    ]

    def __init__(
        self,
        *,
        store: ProfileStore,
        secrets: SecretStore,
        bus: Bus,
        title: str,
        banner: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(store=store, secrets=secrets, bus=bus, title=title, banner=banner)
        self.now = now  # the clock of the header's and the panes' countdowns
        self.actions = ConsoleActions(self)
        self.profile_actions = ProfileActions(self)
        self.fleet = FleetRuns(self)
        self.profile_errors: list[ConfigFileError] = []  # the files the last reload could not read
        self._unsaved: ConsoleState | None = None  # the state to write, not yet written
        self._save_timer: Timer | None = None
        self._state_lock = threading.Lock()
        self._state_writes = self._state_written = 0  # numbers of the states noted, written
        self._opening = ConsoleState("", "")  # the state the console opens with (read in compose)

    # --- shape ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.title_text, id="header-bar", now=self.now)
        if self.banner:
            yield Static(Text(self.banner), id="demo-banner")
        with Horizontal(id="body"):
            yield ProfileList(id="sidebar")
            # Only the pane shown is composed now; the others just after the first screen is
            # drawn (see `_after_first_screen`): a third of the time to the first screen.
            self._opening = load_state()
            shown = self._opening.pane if self._opening.pane in PANE_NAMES else PANE_NAMES[0]
            with TabbedContent(id="panes", initial=f"tab-{shown}"):
                for spec in PANES:
                    with TabPane(f"{spec.key} {spec.title}", id=f"tab-{spec.name}"):
                        if spec.name == shown:
                            yield self.pane(spec.name)
        yield KeyFooter()

    def make_pane(self, name: str) -> Widget:
        """Make a pane (its module is imported now) and show it what the screen already has:
        the active profile, the profiles. Those with a countdown get the screen's clock."""
        cls = SPEC[name].load()
        options: dict[str, Any] = {"id": f"{name}-pane"}
        if name in CLOCKED:
            options["now"] = self.now
        pane = cls(**options)
        _show_profile_in(pane, self.active)
        if name == "profiles":
            self.show_profiles_in(pane)
        return pane

    def on_mount(self) -> None:
        self._attachments.enter_context(self.bridge.attached(self.bus))
        replay_deferred(self.pane(self.current_pane()))  # what it was told as it was made
        self.reload(prefer=self._opening.profile)
        self.focus_pane(self.current_pane())
        self._fold(self.size.width)
        self.ready = True
        self.call_after_refresh(self._after_first_screen)

    def _after_first_screen(self) -> None:
        """What the first screen does not wait for: the active profile's authority check, the
        keyring's probe, and the panes not shown yet."""
        if self.active is not None:
            self.check_authority(self.active)
        self.show_backend()
        self.run_worker(self._mount_the_other_panes(), group="panes", exit_on_error=False)

    async def _mount_the_other_panes(self) -> None:
        for name in PANE_NAMES:
            await self.mount_pane(name)  # one at a time: a key pressed meanwhile is not held up
        # The panes' objects live as long as the console: moved out of the collector's reach, a
        # full collection no longer walks them all (40 ms, which a pane key waited for).
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()  # what the console leaves behind is garbage like any other
        self._save_state(now=True)  # what a pane switch just before quitting left unwritten
        self._attachments.close()

    def show_backend(self) -> None:
        """Probe the secret store's backend in a thread: a keyring's probe takes tens of
        milliseconds (a D-Bus one can take seconds), which the first screen does not wait for."""
        self.run_worker(self._probe_backend, thread=True, group="backend", exit_on_error=False)

    def _probe_backend(self) -> None:
        status = self.secrets.backend_status()
        self.app.call_from_thread(
            lambda: self.profiles_pane.show_backend(status.describe(), status.usable)
        )

    # --- profiles ---------------------------------------------------------------------------

    @property
    def profiles_pane(self) -> ProfilesPane:
        from tokenlab.ui.widgets.profiles_pane import ProfilesPane

        return self.pane_of(ProfilesPane)

    def show_profiles_in(self, pane: Widget, active: str = "") -> None:
        """The Profiles pane shows the profiles as the last reload read them."""
        from tokenlab.ui.widgets.profiles_pane import ProfilesPane

        if isinstance(pane, ProfilesPane):
            name = active or (self.active.name if self.active else "")
            pane.show_profiles(self.profiles, self.profile_errors, name)

    def reload(self, prefer: str = "") -> None:
        """Read every profile again (an unreadable file is listed with its error)."""
        self.profiles, errors = self.store.load_all()
        self.profile_errors = errors
        names = [p.name for p in self.profiles]
        wanted = prefer or (self.active.name if self.active else "")
        name = wanted if wanted in names else (names[0] if names else "")
        if name != (self.active.name if self.active else "") or prefer:
            self.activate(name)  # which lists the profiles too
            return
        self.active = next((p for p in self.profiles if p.name == name), None)
        self.query_one(ProfileList).show(self.profiles, errors, name)
        if "profiles" in self.panes:
            self.show_profiles_in(self.panes["profiles"], name)

    def activate(self, name: str) -> None:
        """Make `name` the active profile of every pane, and check its authority."""
        profile = next((p for p in self.profiles if p.name == name), None)
        self.active = profile
        self.result, self.previous_access, self.doctor_run = None, "", None
        self.header_bar.show_profile(profile)
        self.stop_watch()  # a watch belongs to the profile it was started for
        for pane in self.panes.values():  # a pane made later is shown it as it is made
            _show_profile_in(pane, profile)
        errors = self.profile_errors  # as the last reload read them (not every file again)
        self.query_one(ProfileList).show(self.profiles, errors, name)
        if "profiles" in self.panes:
            self.show_profiles_in(self.panes["profiles"], name)
        self.remember()
        if profile is not None and self.ready:  # at start, once the first screen is drawn
            self.check_authority(profile)

    def remember(self) -> None:
        """Note the profile and pane to remember; written a moment later (or on quitting), so
        a pane key never waits for a file to reach the disk."""
        if not self.ready:
            return  # still starting: the state file is read, not yet written
        pane = (self.query_one(TabbedContent).active or "tab-").removeprefix("tab-")
        self._unsaved = ConsoleState(self.active.name if self.active else "", pane)
        if self._save_timer is None:
            self._save_timer = self.set_timer(STATE_SAVE_DELAY_S, self._save_state)

    def _save_state(self, *, now: bool = False) -> None:
        """Write the noted state: in a thread (the disk's fsync can take tens of milliseconds,
        which a key pressed meanwhile would wait for), or `now` when quitting."""
        self._save_timer = None
        state, self._unsaved = self._unsaved, None
        if state is None:
            return
        self._state_writes += 1
        if now:
            self._write_state(state, self._state_writes)
        else:
            write = partial(self._write_state, state, self._state_writes)
            self.run_worker(write, thread=True, group="state", exit_on_error=False)

    def _write_state(self, state: ConsoleState, number: int) -> None:
        with self._state_lock:  # writes in order: an older state never overwrites a newer one
            if number > self._state_written:
                save_state(state)
                self._state_written = number

    def on_profile_list_chosen(self, message: ProfileList.Chosen) -> None:
        self.activate(message.name)
        if self.has_class("-narrow") and self.sidebar_toggled:
            self.action_toggle_sidebar()  # the overlay has done its job

    def on_profiles_pane_use_requested(self, message: ProfilesPane.UseRequested) -> None:
        self.activate(message.name)

    def on_fleet_pane_run_requested(self, message: FleetPane.RunRequested) -> None:
        self.fleet.run(message.pattern)

    def on_fleet_pane_profile_chosen(self, message: FleetPane.ProfileChosen) -> None:
        self.activate(message.name)
        self.action_show_pane("doctor")

    # --- keys, folding, help ----------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if self.ready:
            self.remember()

    def on_resize(self, event: Resize) -> None:
        self._fold(event.size.width)

    def _fold(self, width: int) -> None:
        narrow = width < NARROW_BELOW
        if narrow != self.has_class("-narrow"):
            self.sidebar_toggled = False  # crossing the edge starts from what fits
        self.set_class(narrow, "-narrow")
        self._show_sidebar()

    def _show_sidebar(self) -> None:
        shown = self.has_class("-narrow") == self.sidebar_toggled
        sidebar = self.query_one(ProfileList)
        sidebar.display = shown
        if not shown and sidebar.has_focus:
            self.focus_pane(self.current_pane())

    def action_toggle_sidebar(self) -> None:
        self.sidebar_toggled = not self.sidebar_toggled
        self._show_sidebar()
        if self.query_one(ProfileList).display:
            self.query_one(ProfileList).focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.binding_groups()))

    def binding_groups(self) -> list[BindingGroup]:
        groups: list[BindingGroup] = [
            ("Everywhere", [*self.app.BINDINGS, *self.BINDINGS]),
            ("Profiles list (sidebar)", [("enter", "select", "Make it the active profile")]),
        ]
        groups += [
            (f"{p.title} pane ({p.key})", [*p.load().BINDINGS, *INNER_KEYS.get(p.name, [])])
            for p in PANES
        ]
        return groups

    def action_reload(self) -> None:
        self.reload()

    def action_cancel(self) -> None:
        self.actions.cancel(self.current_pane())


def _show_profile_in(pane: Widget, profile: Profile | None) -> None:
    """Show `profile` in a pane that shows one (the Profiles and Fleet panes list them all)."""
    if (show_profile := getattr(pane, "show_profile", None)) is not None:
        show_profile(profile)
