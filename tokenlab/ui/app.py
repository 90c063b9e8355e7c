"""The console. For now: the profiles and where their secrets live; flows arrive with later issues."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static

from tokenlab import __version__
from tokenlab.core.profiles import Profile, ProfileStore, profile_summary
from tokenlab.core.secrets import SecretStore


class ProfileDetail(Static):
    """The selected profile, field by field."""

    def show(self, profile: Profile | None, secrets: SecretStore) -> None:
        if profile is None:
            self.update(
                "No profile selected.\n\nCreate one with:\n  tokenlab profiles add NAME --instance URL --scenario S --client-id ID"
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
        backend = secrets.backend_status()
        lines.append("")
        lines.append(f"[b]secrets[/b]: {backend.describe()}")
        self.update("\n".join(lines))


class TokenlabApp(App[int]):
    TITLE = f"tokenlab {__version__}"
    CSS = """
    #body { height: 1fr; }
    #profiles { width: 40%; min-width: 30; }
    ProfileDetail { width: 1fr; padding: 0 1; overflow-y: auto; }
    #status { height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload profiles"),
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

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield DataTable(id="profiles", cursor_type="row")
            yield ProfileDetail(id="detail")
        status = (
            f"sandbox at {self.sandbox_url}"
            if self.sandbox_url
            else "flows, inspection and probing arrive in the next releases"
        )
        yield Static(status, id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("profile", "scenario")
        self.action_reload()

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
        self._show(0 if self._profiles else None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def _show(self, index: int | None) -> None:
        profile = (
            self._profiles[index] if index is not None and index < len(self._profiles) else None
        )
        self.query_one(ProfileDetail).show(profile, self.secrets)
