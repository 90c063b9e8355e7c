"""The Profiles pane: the list with the active one marked, the highlighted one's fields, the
unreadable files with their errors, and where secrets are kept (the keyring, or the fallback).

It changes nothing itself: each key posts a request that the main screen carries out.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tokenlab.core.errors import ConfigFileError
from tokenlab.core.events import Notice
from tokenlab.core.profiles import Profile, profile_summary
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.profile_list import ACTIVE_MARK, error_text

BACKEND_MEANING = {
    True: "secrets you enter are stored there, never in a profile file",
    False: (
        "secrets cannot be stored: give them for each run (TOKENLAB_CLIENT_SECRET and friends "
        "in the environment); a secret typed in the form is kept only until the console closes"
    ),
}


class ProfileRequest(Message):
    """A request about one profile (`name`), or about none (add)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ProfilesPane(Widget):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "use", "Use"),
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("c", "copy", "Copy"),
        Binding("n", "rename", "Rename"),
        Binding("x,delete", "delete", "Delete"),
        Binding("t", "app_card", "App card"),
    ]

    class UseRequested(ProfileRequest):
        """Make it the active profile."""

    class AddRequested(ProfileRequest):
        """Open the form for a new profile."""

    class EditRequested(ProfileRequest):
        """Open the form on this profile."""

    class CopyRequested(ProfileRequest):
        """Ask a name, then copy this profile to it."""

    class RenameRequested(ProfileRequest):
        """Ask a new name for this profile."""

    class DeleteRequested(ProfileRequest):
        """Delete this profile (after a confirmation)."""

    class AppCardRequested(ProfileRequest):
        """Show this profile's Trusted Application card (and check it against the instance)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._profiles: list[Profile] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="profiles-table", cursor_type="row")
        with VerticalScroll(id="profiles-detail-box"):
            yield Static(id="profiles-errors")
            yield Static(id="profiles-detail")
            yield Static(id="profiles-backend")
            yield Static(id="profiles-notices")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(" ", "profile", "scenario", "client id")

    @until_mounted
    def show_profiles(
        self, profiles: list[Profile], errors: list[ConfigFileError], active: str
    ) -> None:
        self._profiles = profiles
        table = self.query_one(DataTable)
        table.clear()
        for p in profiles:
            mark = ACTIVE_MARK if p.name == active else ""
            table.add_row(mark, p.name, p.scenario, p.client_id, key=p.name)
        names = [p.name for p in profiles]
        if active in names:
            table.move_cursor(row=names.index(active))
        lines = Text()
        for error in errors:
            lines.append(f"unreadable: {error_text(error)}\n", style="red")
        self.query_one("#profiles-errors", Static).update(lines)
        self._show_detail()

    @until_mounted
    def show_backend(self, described: str, usable: bool) -> None:
        text = Text("secrets: ", style="bold")
        text.append(f"{described}\n  {BACKEND_MEANING[usable]}")
        self.query_one("#profiles-backend", Static).update(text)

    @until_mounted
    def add_notice(self, event: Notice) -> None:
        self.query_one("#profiles-notices", Static).update(
            Text(f"{event.level}: {event.message}\n{event.hint}".rstrip())
        )

    def highlighted(self) -> str:
        table = self.query_one(DataTable)
        row = table.cursor_row
        return self._profiles[row].name if 0 <= row < len(self._profiles) else ""

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_use()

    def _show_detail(self) -> None:
        name = self.highlighted()
        profile = next((p for p in self._profiles if p.name == name), None)
        text = Text()
        if profile is None:
            text.append("No profile yet: press a to add one.")
        else:
            for key, value in profile_summary(profile).items():
                if key.endswith("_derived") or value in ("", None, [], {}):
                    continue
                if key == "assertion_audience" and profile.auth_method != "private_key_jwt":
                    continue  # a default that only a client assertion uses
                if isinstance(value, dict):
                    value = ", ".join(f"{k}={v}" for k, v in value.items())
                elif isinstance(value, list):
                    value = " ".join(str(v) for v in value)
                text.append(f"{key}: ", style="bold")
                text.append(f"{value}\n")
        self.query_one("#profiles-detail", Static).update(text)

    def _request(self, kind: type[ProfileRequest], needs_one: bool = True) -> None:
        name = self.highlighted()
        if needs_one and not name:
            self.notify("no profile highlighted", severity="warning")
            return
        self.post_message(kind(name))

    def action_use(self) -> None:
        self._request(self.UseRequested)

    def action_add(self) -> None:
        self._request(self.AddRequested, needs_one=False)

    def action_edit(self) -> None:
        self._request(self.EditRequested)

    def action_copy(self) -> None:
        self._request(self.CopyRequested)

    def action_rename(self) -> None:
        self._request(self.RenameRequested)

    def action_delete(self) -> None:
        self._request(self.DeleteRequested)

    def action_app_card(self) -> None:
        self._request(self.AppCardRequested)
