"""The main screen: the header, the profiles sidebar, one tab per pane, the footer.

It routes: the bridge's messages (a run's live events) and the workers' finished results go to
the pane they concern, by calling the pane's public methods; the panes' request messages start
workers (ui/runs.py), exclusive per pane, so a slow server never blocks a key. No pane reaches
into another: they post up, this screen calls down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static, TabbedContent, TabPane

from tokenlab.core.authority import AuthorityCache
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, FlowFailed, Notice
from tokenlab.core.profiles import Profile, ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import FlowResult
from tokenlab.ui import activity, runs
from tokenlab.ui.bridge import ConsoleBridge
from tokenlab.ui.console_actions import ConsoleActions
from tokenlab.ui.messages import (
    AuthorityChecked,
    DoctorFinished,
    DoctorStepReported,
    ExchangeRecorded,
    NoticeShown,
    OtherEventArrived,
    ProbeAnswered,
    RepeatAnswered,
    RunErrored,
    RunFailed,
    RunFinished,
    RunStarted,
    SubscriberBroke,
    TokenChecked,
    TokenReady,
    TokenReceived,
    UserActionNeeded,
)
from tokenlab.ui.profile_actions import ProfileActions
from tokenlab.ui.screens.help import BindingGroup, HelpScreen
from tokenlab.ui.state import ConsoleState, load_state, save_state
from tokenlab.ui.widgets.authority_pane import AuthorityPane
from tokenlab.ui.widgets.doctor_pane import DoctorPane
from tokenlab.ui.widgets.flow_pane import FlowPane
from tokenlab.ui.widgets.header_bar import HeaderBar
from tokenlab.ui.widgets.probe_pane import ProbePane
from tokenlab.ui.widgets.profile_list import ProfileList
from tokenlab.ui.widgets.profiles_pane import ProfilesPane
from tokenlab.ui.widgets.token_pane import TokenPane

if TYPE_CHECKING:
    from tokenlab.core.doctor import DoctorRun

# The panes, in key order: (name, key, title, widget class).
PANES: tuple[tuple[str, str, str, type[Widget]], ...] = (
    ("authority", "1", "Authority", AuthorityPane),
    ("flow", "2", "Flow", FlowPane),
    ("token", "3", "Token", TokenPane),
    ("probe", "4", "Probe", ProbePane),
    ("doctor", "5", "Doctor", DoctorPane),
    ("profiles", "6", "Profiles", ProfilesPane),
)
PANE_NAMES = tuple(name for name, *_ in PANES)
RunBody = Callable[[], Awaitable[Message]]  # a run, started when its worker starts
NARROW_BELOW = 70  # columns: below this the sidebar folds away
# Which pane a notice concerns (Notice.topic); a pane without add_notice gets only the toast.
NOTICE_PANE = {"authority": "authority", "flow": "flow", "secrets": "profiles", "token": "token"}
NOTICE_PANE |= {"probe": "probe", "": "flow"}


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"show_pane('{name}')", title) for name, key, title, _ in PANES),
        Binding("p", "toggle_sidebar", "Profiles list"),
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
        self.sidebar_toggled = False  # p: flips the sidebar from what the width gives
        self.actions = ConsoleActions(self)
        self.profile_actions = ProfileActions(self)
        self._attachments = ExitStack()
        self.ready = False

    # --- shape ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.title_text, id="header-bar")
        if self.banner:
            yield Static(Text(self.banner), id="demo-banner")
        with Horizontal(id="body"):
            yield ProfileList(id="sidebar")
            with TabbedContent(id="panes"):
                for name, key, title, cls in PANES:
                    with TabPane(f"{key} {title}", id=f"tab-{name}"):
                        yield cls(id=f"{name}-pane")
        yield Footer()

    def pane(self, name: str) -> Widget:
        return self.query_one(f"#{name}-pane")

    @property
    def header_bar(self) -> HeaderBar:
        return self.query_one(HeaderBar)

    @property
    def flow_pane(self) -> FlowPane:
        return self.query_one(FlowPane)

    @property
    def token_pane(self) -> TokenPane:
        return self.query_one(TokenPane)

    @property
    def doctor_pane(self) -> DoctorPane:
        return self.query_one(DoctorPane)

    def on_mount(self) -> None:
        self._attachments.enter_context(self.bridge.attached(self.bus))
        state = load_state()
        self.reload(prefer=state.profile)
        self.show_backend()
        if state.pane in PANE_NAMES:
            self.action_show_pane(state.pane)
        self._fold(self.size.width)
        self.ready = True

    def on_unmount(self) -> None:
        self._attachments.close()

    def show_backend(self) -> None:
        status = self.secrets.backend_status()
        self.query_one(ProfilesPane).show_backend(status.describe(), status.usable)

    # --- profiles ---------------------------------------------------------------------------

    def reload(self, prefer: str = "") -> None:
        """Read every profile again (an unreadable file is listed with its error)."""
        self.profiles, errors = self.store.load_all()
        names = [p.name for p in self.profiles]
        wanted = prefer or (self.active.name if self.active else "")
        name = wanted if wanted in names else (names[0] if names else "")
        self.query_one(ProfileList).show(self.profiles, errors, name)
        self.query_one(ProfilesPane).show_profiles(self.profiles, errors, name)
        if name != (self.active.name if self.active else "") or prefer:
            self.activate(name)
        else:
            self.active = next((p for p in self.profiles if p.name == name), None)

    def activate(self, name: str) -> None:
        """Make `name` the active profile of every pane, and check its authority."""
        profile = next((p for p in self.profiles if p.name == name), None)
        self.active = profile
        self.result, self.previous_access, self.doctor_run = None, "", None
        self.query_one(HeaderBar).show_profile(profile)
        for pane_type in (AuthorityPane, FlowPane, ProbePane, DoctorPane):
            self.query_one(pane_type).show_profile(profile)  # type: ignore[attr-defined]
        errors = self.store.load_all()[1]
        self.query_one(ProfileList).show(self.profiles, errors, name)
        self.query_one(ProfilesPane).show_profiles(self.profiles, errors, name)
        self.remember()
        if profile is not None:
            self.check_authority(profile)

    def remember(self) -> None:
        if not self.ready:
            return  # still starting: the state file is read, not yet written
        pane = (self.query_one(TabbedContent).active or "tab-").removeprefix("tab-")
        save_state(ConsoleState(self.active.name if self.active else "", pane))

    def on_profile_list_chosen(self, message: ProfileList.Chosen) -> None:
        self.activate(message.name)
        if self.has_class("-narrow") and self.sidebar_toggled:
            self.action_toggle_sidebar()  # the overlay has done its job

    # --- panes, keys, folding ---------------------------------------------------------------

    def action_show_pane(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"
        self.focus_pane(name)

    def focus_pane(self, name: str) -> None:
        pane = self.pane(name)
        for widget in (pane, *pane.query("*")):
            if widget.focusable:
                widget.focus()
                return

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

    def current_pane(self) -> str:
        return (self.query_one(TabbedContent).active or "tab-flow").removeprefix("tab-")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.binding_groups()))

    def binding_groups(self) -> list[BindingGroup]:
        groups: list[BindingGroup] = [
            ("Everywhere", [*self.app.BINDINGS, *self.BINDINGS]),
            ("Profiles list (sidebar)", [("enter", "select", "Make it the active profile")]),
        ]
        groups += [(f"{title} pane ({key})", cls.BINDINGS) for _, key, title, cls in PANES]
        return groups

    def action_reload(self) -> None:
        self.reload()

    def action_cancel(self) -> None:
        self.actions.cancel(self.current_pane())

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
        self.query_one(AuthorityPane).show_checking()
        cache = self.cache
        await self.guarded(
            "authority", lambda: runs.check_authority(profile, secrets=self.secrets, cache=cache)
        )

    @work(exclusive=True, group="flow")
    async def flow_worker(self, body: RunBody, bus: Bus) -> None:
        with self.bridge.attached(bus):
            await self.guarded("flow", body)

    @work(exclusive=True, group="token")
    async def token_worker(self, body: RunBody, bus: Bus) -> None:
        with self.bridge.attached(bus):
            await self.guarded("token", body)

    @work(exclusive=True, group="probe")
    async def probe_worker(self, body: RunBody, bus: Bus) -> None:
        self.query_one(ProbePane).show_sending()
        with self.bridge.attached(bus):
            await self.guarded("probe", body)

    @work(exclusive=True, group="doctor")
    async def doctor_worker(self, body: RunBody, bus: Bus) -> None:
        self.doctor_pane.start()
        with self.bridge.attached(bus):
            await self.guarded("doctor", body)

    # --- a run's live events (from the bridge) ----------------------------------------------

    def on_run_started(self, message: RunStarted) -> None:
        self.flow_pane.run_started(message.event)

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        self.flow_pane.add_exchange(message.event)

    def on_user_action_needed(self, message: UserActionNeeded) -> None:
        self.flow_pane.show_user_action(message.event)
        self.action_show_pane("flow")
        self.app.notify(
            activity.user_action_toast(message.event), title="your turn", timeout=30, markup=False
        )

    def on_notice_shown(self, message: NoticeShown) -> None:
        notice = message.event
        pane = self.pane(NOTICE_PANE.get(notice.topic, "flow"))
        add_notice = getattr(pane, "add_notice", None)
        if add_notice is not None:
            add_notice(notice)
        self.app.notify(
            activity.notice_toast(notice),
            title=notice.topic or "note",
            severity="warning" if notice.level == "warning" else "information",
            timeout=10,
            markup=False,
        )

    def on_token_received(self, message: TokenReceived) -> None:
        self.flow_pane.token_issued(message.event)

    def on_run_failed(self, message: RunFailed) -> None:
        failure = message.event
        self.flow_pane.run_failed(failure)
        if not failure.cancelled:  # a cancel was asked for: no alarm
            self.app.notify(
                activity.failure_toast(failure),
                title="failed",
                severity="error",
                timeout=15,
                markup=False,
            )

    def on_run_finished(self, message: RunFinished) -> None:
        self.flow_pane.run_finished(message.event.ok)

    def on_doctor_step_reported(self, message: DoctorStepReported) -> None:
        self.doctor_pane.add_step(message.event)

    def on_subscriber_broke(self, message: SubscriberBroke) -> None:
        self.app.notify(
            " ".join(activity.subscriber_lines(message.event)), severity="warning", markup=False
        )

    def on_other_event_arrived(self, message: OtherEventArrived) -> None:
        self.flow_pane.add_notice(
            Notice(
                run_id=message.run_id,
                level="info",
                message=activity.other_event_lines(message.event)[0],
            )
        )

    # --- finished runs (from the workers) ---------------------------------------------------

    def on_authority_checked(self, message: AuthorityChecked) -> None:
        if self.active is not None and message.profile.name == self.active.name:
            self.query_one(AuthorityPane).show_report(message.report)

    def on_token_ready(self, message: TokenReady) -> None:
        self.actions.token_ready(message.profile, message.result)

    def on_token_checked(self, message: TokenChecked) -> None:
        self.token_pane.show_report(message.report, message.which)

    def on_probe_answered(self, message: ProbeAnswered) -> None:
        self.query_one(ProbePane).show_result(message.result)

    def on_repeat_answered(self, message: RepeatAnswered) -> None:
        self.query_one(ProbePane).show_repeat(message.result)

    def on_doctor_finished(self, message: DoctorFinished) -> None:
        self.doctor_run = message.run
        self.doctor_pane.show_run(message.run)
        ok = message.run.diagnosis.api_ok
        self.app.notify(
            "the API answered 200" if ok else "the API did not answer 200: see the checklist",
            title=message.profile.name,
            severity="information" if ok else "error",
            markup=False,
        )

    def on_run_errored(self, message: RunErrored) -> None:
        error = message.error
        if message.pane == "flow":  # the flow said so on the bus, unless it never started
            self.flow_pane.run_failed(
                FlowFailed(run_id="", message=error.message, hint=error.hint, remedy=error.remedy)
            )
        else:
            show_error = getattr(self.pane(message.pane), "show_error", None)
            if show_error is not None:
                show_error(error)
            self.app.notify(
                activity.failure_toast(
                    FlowFailed(
                        run_id="", message=error.message, hint=error.hint, remedy=error.remedy
                    )
                ),
                title="failed",
                severity="error",
                timeout=15,
                markup=False,
            )

    # --- the panes' requests ----------------------------------------------------------------

    def on_authority_pane_recheck_requested(self, message: AuthorityPane.RecheckRequested) -> None:
        self.recheck_authority()

    def recheck_authority(self) -> None:
        if self.active is not None:
            self.cache = AuthorityCache()  # a re-check asks the server again
            self.check_authority(self.active)

    def send_default_probe(self) -> None:
        """The palette's probe: the profile's own request."""
        if self.active is not None:
            probe = self.active.probe
            self.actions.probe((probe.method, probe.path, probe.headers))

    def on_flow_pane_run_requested(self, message: FlowPane.RunRequested) -> None:
        self.actions.run_flow(message.flow, message.finish)

    def on_flow_pane_cancel_requested(self, message: FlowPane.CancelRequested) -> None:
        self.actions.cancel("flow")

    def on_flow_pane_paste_submitted(self, message: FlowPane.PasteSubmitted) -> None:
        if not self.inbox.submit(message.text):
            self.app.notify("no run is waiting for a pasted URL", severity="warning")

    def on_flow_pane_copy_requested(self, message: FlowPane.CopyRequested) -> None:
        self.actions.copy(message.text, message.what)

    def on_token_pane_copy_requested(self, message: TokenPane.CopyRequested) -> None:
        self.actions.copy(message.text, message.what)

    def on_token_pane_verify_requested(self, message: TokenPane.VerifyRequested) -> None:
        self.actions.verify(message.which)

    def on_token_pane_refresh_requested(self, message: TokenPane.RefreshRequested) -> None:
        self.actions.refresh()

    def on_token_pane_compare_requested(self, message: TokenPane.CompareRequested) -> None:
        self.actions.compare()

    def on_token_pane_token_pasted(self, message: TokenPane.TokenPasted) -> None:
        self.actions.pasted(message.text)

    def on_probe_pane_send_requested(self, message: ProbePane.SendRequested) -> None:
        self.actions.probe((message.method, message.path, message.headers))

    def on_probe_pane_repeat_requested(self, message: ProbePane.RepeatRequested) -> None:
        self.actions.probe((message.method, message.path, message.headers), count=message.count)

    def on_doctor_pane_run_requested(self, message: DoctorPane.RunRequested) -> None:
        self.actions.doctor()

    def on_doctor_pane_export_requested(self, message: DoctorPane.ExportRequested) -> None:
        self.actions.export(message.fmt)

    def on_doctor_pane_copy_curl_requested(self, message: DoctorPane.CopyCurlRequested) -> None:
        self.actions.copy_curl()

    def on_profiles_pane_use_requested(self, message: ProfilesPane.UseRequested) -> None:
        self.activate(message.name)

    def on_profiles_pane_add_requested(self, message: ProfilesPane.AddRequested) -> None:
        self.profile_actions.add()

    def on_profiles_pane_edit_requested(self, message: ProfilesPane.EditRequested) -> None:
        self.profile_actions.edit(message.name)

    def on_profiles_pane_copy_requested(self, message: ProfilesPane.CopyRequested) -> None:
        self.profile_actions.copy(message.name)

    def on_profiles_pane_rename_requested(self, message: ProfilesPane.RenameRequested) -> None:
        self.profile_actions.rename(message.name)

    def on_profiles_pane_delete_requested(self, message: ProfilesPane.DeleteRequested) -> None:
        self.profile_actions.delete(message.name)
