"""The console: profiles on the left; the selected profile, and what a run does, on the right.

Runs (a token, the doctor's checklist) are async workers on the app's loop, so the screen never
waits on the network. Each run gets its own bus; the bridge turns every event on it into a
message, and the handlers below write it to the activity log (and a toast where it matters).
The console's own bus carries what is not a run's: the secret store's notices.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Log, Static

from tokenlab import __version__
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, FlowFailed
from tokenlab.core.profiles import Profile, ProfileStore, profile_summary
from tokenlab.core.redact import mask
from tokenlab.core.secrets import SecretStore
from tokenlab.ui import activity, runs
from tokenlab.ui.bridge import ConsoleBridge
from tokenlab.ui.messages import (
    DoctorFinished,
    DoctorStepReported,
    ExchangeRecorded,
    NoticeShown,
    OtherEventArrived,
    RunFailed,
    RunFinished,
    RunStarted,
    SubscriberBroke,
    TokenReady,
    TokenReceived,
    UserActionNeeded,
)

NO_PROFILE = (
    "No profile selected.\n\n"
    "Create one in a shell with `tokenlab profiles add NAME` (or try `tokenlab demo`), "
    "then press r to reload."
)


class ProfileDetail(Static):
    """The selected profile, field by field."""

    def show(self, profile: Profile | None, secrets: SecretStore) -> None:
        if profile is None:
            self.update(NO_PROFILE)
            return
        lines = []
        for key, value in profile_summary(profile).items():
            if key.endswith("_derived") or value in ("", None, [], {}):
                continue
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, list):
                value = " ".join(value)
            lines.append(f"[b]{key}[/b]: {value}")
        lines.append("")
        lines.append(f"[b]secrets[/b]: {secrets.backend_status().describe()}")
        self.update("\n".join(lines))


class TokenlabApp(App[int]):
    TITLE = f"tokenlab {__version__}"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "token", "Token"),
        Binding("v", "device", "Device code"),
        Binding("d", "doctor", "Doctor"),
        Binding("escape", "cancel", "Cancel"),
        Binding("y", "copy_token", "Copy token"),
        Binding("r", "reload", "Reload"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        *,
        profiles: ProfileStore,
        secrets: SecretStore,
        bus: Bus | None = None,
        sandbox_url: str = "",
        subtitle: str = "",
    ) -> None:
        super().__init__()
        self.store = profiles
        self.secrets = secrets
        self.bus = bus or Bus()  # the console's own: the secret store's notices
        self.bridge = ConsoleBridge(self)
        self.sandbox_url = sandbox_url
        self.sub_title = subtitle
        self._attachments = ExitStack()
        self._profiles: list[Profile] = []
        self._last_token = ""
        self._exchanges = 0  # numbers the exchanges of the current run
        self._steps_shown: set[str] = set()  # doctor steps already shown live

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield DataTable(id="profiles", cursor_type="row")
            with Vertical(id="right"):
                yield ProfileDetail(id="detail")
                yield Log(id="activity", highlight=False)
        where = f"sandbox at {self.sandbox_url}  " if self.sandbox_url else ""
        yield Static(f"{where}t token · v device code · d doctor · esc cancel", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._attachments.enter_context(self.bridge.attached(self.bus))
        table = self.query_one(DataTable)
        table.add_columns("profile", "scenario")
        self.action_reload()

    def on_unmount(self) -> None:
        self._attachments.close()

    @property
    def activity(self) -> Log:
        return self.query_one("#activity", Log)

    def action_reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self._profiles, bad = self.store.load_all()
        for p in self._profiles:
            table.add_row(p.name, p.scenario, key=p.name)
        for error in bad:
            self.notify(
                f"{error.message}\n{error.hint}",
                title="Unreadable profile",
                severity="warning",
                markup=False,
            )
        self._show(0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def _profile_at(self, index: int) -> Profile | None:
        return self._profiles[index] if 0 <= index < len(self._profiles) else None

    def _selected(self) -> Profile | None:
        return self._profile_at(self.query_one(DataTable).cursor_row)

    def _show(self, index: int) -> None:
        self.query_one(ProfileDetail).show(self._profile_at(index), self.secrets)

    # --- runs -----------------------------------------------------------------------------

    def action_token(self) -> None:
        self._start("token")

    def action_device(self) -> None:
        self._start("device")

    def action_doctor(self) -> None:
        self._start("doctor")

    def action_cancel(self) -> None:
        if self.workers.cancel_group(self, "run"):
            self.notify("cancelled")

    def action_copy_token(self) -> None:
        if not self._last_token:
            self.notify("no token yet: press t to get one", severity="warning")
            return
        self.copy_to_clipboard(self._last_token)  # OSC 52: works over SSH in most terminals
        self.notify(f"copied {mask(self._last_token)} to the clipboard", markup=False)

    def _start(self, kind: runs.RunKind) -> None:
        profile = self._selected()
        if profile is None:
            self.notify("no profile selected", severity="warning")
            return
        self.activity.clear()
        self._exchanges = 0
        self._steps_shown.clear()
        if kind == "doctor":
            self._write(activity.doctor_header(profile.name, profile.scenario, profile.authority))
        self.run_profile(profile, kind)

    @work(exclusive=True, group="run")
    async def run_profile(self, profile: Profile, kind: runs.RunKind) -> None:
        bus = Bus()  # this run's: the bridge lets go of it when the run ends
        with self.bridge.attached(bus), bus.collect(FlowFailed) as failures:
            try:
                done = await runs.run(profile, kind, secrets=self.secrets, bus=bus)
            except TokenlabError as exc:
                if not failures:  # failed before a flow could say so
                    self._fail(
                        FlowFailed(run_id="", message=exc.message, hint=exc.hint, remedy=exc.remedy)
                    )
                return
            except asyncio.CancelledError:
                if not failures:
                    self._fail(FlowFailed(run_id="", message="cancelled", cancelled=True))
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must not take the console down
                self._fail(
                    FlowFailed(
                        run_id="",
                        message=f"unexpected {type(exc).__name__}: {exc}",
                        hint="this is a bug in tokenlab; please report it",
                    )
                )
                return
        self.post_message(done)

    def _fail(self, failure: FlowFailed) -> None:
        self.post_message(RunFailed(failure))

    # --- what the runs say ----------------------------------------------------------------

    def _write(self, lines: list[str]) -> None:
        self.activity.write_lines(activity.fitted(lines, self._log_width()))

    def _log_width(self) -> int:
        width = self.activity.scrollable_content_region.width
        return width - 1 if width > 20 else 60  # before the first layout: a sane guess

    def on_run_started(self, message: RunStarted) -> None:
        self._write(activity.started_lines(message.event))

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        self._exchanges += 1
        self._write(activity.exchange_lines(message.event, self._exchanges))

    def on_user_action_needed(self, message: UserActionNeeded) -> None:
        self._write(activity.user_action_lines(message.event, self._log_width()))
        self.notify(
            activity.user_action_toast(message.event), title="your turn", timeout=30, markup=False
        )

    def on_notice_shown(self, message: NoticeShown) -> None:
        notice = message.event
        self._write(activity.notice_lines(notice))
        self.notify(
            activity.notice_toast(notice),
            title=notice.topic or "note",
            severity="warning" if notice.level == "warning" else "information",
            timeout=10,
            markup=False,
        )

    def on_token_received(self, message: TokenReceived) -> None:
        self._write(activity.token_lines(message.event))

    def on_run_failed(self, message: RunFailed) -> None:
        failure = message.event
        self._write(activity.failure_lines(failure))
        if not failure.cancelled:  # a cancel was asked for, and acknowledged already
            self.notify(
                activity.failure_toast(failure),
                title="failed",
                severity="error",
                timeout=15,
                markup=False,
            )

    def on_run_finished(self, message: RunFinished) -> None:
        self._write(activity.finished_lines(message.event))

    def on_doctor_step_reported(self, message: DoctorStepReported) -> None:
        self._steps_shown.add(message.event.key)
        self._write(activity.doctor_step_lines(message.event))

    def on_subscriber_broke(self, message: SubscriberBroke) -> None:
        self._write(activity.subscriber_lines(message.event))

    def on_other_event_arrived(self, message: OtherEventArrived) -> None:
        self._write(activity.other_event_lines(message.event))

    # --- finished runs --------------------------------------------------------------------

    def on_token_ready(self, message: TokenReady) -> None:
        token = message.result.api_token
        if token.token_type == "reference":  # a stored secret: shown masked, never copied
            self._last_token = ""
            self._write(
                ["", f"reference token ready: {mask(token.access_token)} (d calls the API with it)"]
            )
        else:
            self._last_token = token.access_token
            self._write(["", f"token ready: {mask(self._last_token)} (press y to copy it)"])
        self.notify("token issued", title=message.profile.name, markup=False)

    def on_doctor_finished(self, message: DoctorFinished) -> None:
        run = message.run
        for step in run.diagnosis.steps:  # steps the doctor did not publish live
            if step.key not in self._steps_shown:
                self._write(activity.checklist_step_lines(step))
        self._write(activity.doctor_summary_lines(run))
        ok = run.diagnosis.api_ok
        self.notify(
            "the API answered 200" if ok else "the API did not answer 200: see the checklist",
            title=message.profile.name,
            severity="information" if ok else "error",
            markup=False,
        )


def make_app(
    profiles: ProfileStore,
    secrets: SecretStore | None = None,
    *,
    bus: Bus | None = None,
    sandbox_url: str = "",
    title: str = "",
) -> TokenlabApp:
    """The console as `run_console`, the tests and the screenshot script build it.

    Without `secrets`, the console gets its own store on its own bus, so a keyring warning
    reaches the console's log and toasts."""
    bus = bus or Bus()
    if secrets is None:
        secrets = SecretStore(bus=bus, run_id="console")
    return TokenlabApp(
        profiles=profiles, secrets=secrets, bus=bus, sandbox_url=sandbox_url, subtitle=title
    )
