"""The console: profiles on the left; the selected profile, and what a run does, on the right.

Runs (a token, the doctor's checklist) are async workers on the app's loop, so the screen never
waits on the network; the core's bus events are written to the activity log as they happen.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Log, Static

from tokenlab import __version__
from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import Profile, ProfileStore, profile_summary
from tokenlab.core.redact import mask
from tokenlab.core.secrets import SecretStore

RunKind = Literal["token", "device", "doctor"]


class ProfileDetail(Static):
    """The selected profile, field by field."""

    def show(self, profile: Profile | None, secrets: SecretStore) -> None:
        if profile is None:
            self.update(
                "No profile selected.\n\nCreate one with:\n"
                "  tokenlab profiles add NAME --instance URL --scenario S --client-id ID"
            )
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


class _LogWriter:
    """A file-like front for the activity log, so the CLI's trace printer serves here too."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def write(self, text: str) -> int:
        self.log.write(text)
        return len(text)

    def flush(self) -> None:
        pass


class TokenlabApp(App[int]):
    TITLE = f"tokenlab {__version__}"
    CSS = """
    #body { height: 1fr; }
    #profiles { width: 38; }
    #right { width: 1fr; }
    ProfileDetail { height: auto; max-height: 45%; padding: 0 1; overflow-y: auto; }
    #activity { height: 1fr; border-top: solid $primary; }
    #status { height: 1; padding: 0 1; background: $boost; }
    """
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
        sandbox_url: str = "",
        subtitle: str = "",
    ) -> None:
        super().__init__()
        self.store = profiles
        self.secrets = secrets
        self.sandbox_url = sandbox_url
        self.sub_title = subtitle
        self._profiles: list[Profile] = []
        self._last_token = ""

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
        table = self.query_one(DataTable)
        table.add_columns("profile", "scenario")
        self.action_reload()

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
                f"{error.message}\n{error.hint}", title="Unreadable profile", severity="warning"
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
        self.notify(f"copied {mask(self._last_token)} to the clipboard")

    def _start(self, kind: RunKind) -> None:
        profile = self._selected()
        if profile is None:
            self.notify("no profile selected", severity="warning")
            return
        self.run_profile(profile, kind)

    @work(exclusive=True, group="run")
    async def run_profile(self, profile: Profile, kind: RunKind) -> None:
        from tokenlab.commands.trace import TracePrinter
        from tokenlab.core.events import Bus
        from tokenlab.core.flow_options import FlowOptions

        log = self.activity
        log.clear()
        bus = Bus()
        TracePrinter(_LogWriter(log)).attach(bus)
        options = FlowOptions(finish="device" if kind == "device" else None, open_browser=False)
        try:
            if kind == "doctor":
                from tokenlab.core.doctor import run_doctor
                from tokenlab.core.report import checklist_lines

                run = await run_doctor(profile, secrets=self.secrets, bus=bus, options=options)
                log.write_lines(["", *checklist_lines(run)])
                ok = run.diagnosis.api_ok
                self.notify(
                    "the API answered 200"
                    if ok
                    else "the API did not answer 200: see the checklist",
                    title=profile.name,
                    severity="information" if ok else "error",
                )
                return
            from tokenlab.core.flows.runner import run_flow

            result = await run_flow(profile, secrets=self.secrets, bus=bus, options=options)
            token = result.api_token
            if token.token_type == "reference":  # a stored secret: shown masked, never copied
                self._last_token = ""
                log.write_line(
                    f"\nreference token ready: {mask(token.access_token)} (d calls the API with it)"
                )
            else:
                self._last_token = token.access_token
                log.write_line(f"\ntoken ready: {mask(self._last_token)} (press y to copy it)")
            self.notify("token issued", title=profile.name)
        except TokenlabError as exc:
            log.write_line(f"\nerror: {exc.message}\nhint: {exc.hint}")
            self.notify(
                f"{exc.message}\n{exc.hint}", title=profile.name, severity="error", timeout=10
            )
        except asyncio.CancelledError:
            log.write_line("\ncancelled")
            raise
