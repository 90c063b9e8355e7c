"""The Trusted Application card of one profile, and its check against the instance's registration.

The card is built before the screen opens (no network); `c` asks to copy it as text. The check
needs an administrator profile: the list offers the other profiles, and `k` (or enter on one)
asks the main screen to run the check in its worker; the result comes back by `show_check`
or `show_error`. Escape closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from tokenlab.core.terminal_text import inert_line
from tokenlab.core.trusted_app import DEFAULT_ENTITY
from tokenlab.ui.messages import CopyRequest
from tokenlab.ui.remedies import render_remedy

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from tokenlab.core.errors import TokenlabError
    from tokenlab.core.trusted_app import AppCheck, TrustedAppCard

STATUS_STYLE = {"ok": "green", "mismatch": "bold red", "extra": "yellow", "unknown": "dim"}


def card_view(card: TrustedAppCard) -> Text:
    """The card for an 80-column screen: the fields and their values, the notes below (the
    copied text, `card.text()`, has each field's note on its line)."""
    rows = card.fields()
    width = max(len(r.name) for r in rows)
    text = Text(f"Trusted Application for profile {card.profile!r}\n", style="bold")
    for row in rows:
        text.append(f"{row.name.ljust(width)}  ", style="bold")
        text.append(f"{row.value or '-'}\n")
    for note in card.notes:
        text.append(f"note: {note}\n", style="dim")
    return text


def check_text(check: AppCheck) -> Text:
    """The comparisons, mismatches first, each on its own line with what differs."""
    text = Text()
    if check.ok:
        text.append("the registration matches the card\n", style="bold green")
    else:
        kinds = ", ".join(check.kinds())
        text.append(f"{len(check.mismatches)} mismatch(es): {kinds}\n", style="bold red")
    order = {"mismatch": 0, "extra": 1, "unknown": 2, "ok": 3}
    for c in sorted(check.comparisons, key=lambda c: order[c.status]):
        text.append(f"{c.status:<8} ", style=STATUS_STYLE[c.status])
        text.append(f"{c.field}: {c.registered or '-'}")
        if c.status != "ok" and c.expected and c.expected != c.registered:
            text.append(f" (card: {c.expected})")
        text.append("\n")
        if c.detail and c.status in ("mismatch", "extra"):
            text.append(f"         {inert_line(c.detail)}\n", style="dim")
    return text


class AppCardScreen(ModalScreen[None]):
    """The card, and the check when an administrator profile is chosen."""

    DEFAULT_CSS = """
    AppCardScreen { align: center middle; }
    #app-card-box {
        width: 100%; max-width: 100; height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    #app-card-admins { height: auto; max-height: 6; }
    #app-card-entity { height: 3; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("c", "copy", "Copy card"),
        Binding("k", "check", "Check"),
    ]

    class CopyRequested(CopyRequest):
        """Copy the card's text."""

    class CheckRequested(Message):
        """Read the registration of `profile` with `admin`'s token (entity set `entity`)."""

        def __init__(self, screen: AppCardScreen, profile: str, admin: str, entity: str) -> None:
            super().__init__()
            self.screen = screen
            self.profile = profile
            self.admin = admin
            self.entity = entity

    def __init__(self, card: TrustedAppCard, admins: list[str], requests: MessagePump) -> None:
        super().__init__()
        self.card = card
        self.admins = admins
        self.requests = requests  # the main screen: it copies, and runs the check

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="app-card-box"):
            yield Static(card_view(self.card), id="app-card-text")
            yield Static(self._chooser_title(), id="app-card-hint")
            yield OptionList(*self.admins, id="app-card-admins")
            yield Input(DEFAULT_ENTITY, id="app-card-entity", placeholder="entity set")
            yield Static(id="app-card-check")

    def _chooser_title(self) -> Text:
        if not self.admins:
            return Text("no other profile to read the registration with", style="dim")
        return Text.assemble(
            ("Check against the registration: ", "bold"),
            "choose the administrator profile (k or enter runs it; c copies the card)",
        )

    def on_mount(self) -> None:
        if self.admins:
            self.query_one(OptionList).focus(scroll_visible=False)  # the card's top stays in view

    def chosen_admin(self) -> str:
        admins = self.query_one(OptionList)
        index = admins.highlighted
        return self.admins[index] if index is not None and 0 <= index < len(self.admins) else ""

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_check()

    def action_check(self) -> None:
        admin = self.chosen_admin()
        if not admin:
            self.notify("choose an administrator profile first", severity="warning")
            return
        entity = self.query_one(Input).value.strip() or DEFAULT_ENTITY
        self.query_one("#app-card-check", Static).update(
            Text(f"reading {entity} as {admin}...", style="dim")
        )
        self.requests.post_message(self.CheckRequested(self, self.card.profile, admin, entity))

    def action_copy(self) -> None:
        self.requests.post_message(self.CopyRequested(self.card.text(), "Trusted Application card"))

    def show_check(self, check: AppCheck) -> None:
        self._show_result(check_text(check))

    def _show_result(self, text: Text) -> None:
        shown = self.query_one("#app-card-check", Static)
        shown.update(text)
        self.call_after_refresh(shown.scroll_visible)

    def show_error(self, error: TokenlabError) -> None:
        text = Text(error.message, style="bold red")
        words = "; ".join(w for w in (error.hint, render_remedy(error.remedy)) if w)
        if words:
            text.append(f"\n{words}")
        self._show_result(text)

    def check_shown(self) -> str:
        """What the check area shows, as plain text."""
        return str(self.query_one("#app-card-check", Static).content)

    def action_close(self) -> None:
        self.dismiss(None)
