"""`?`: every binding of the console and of each pane, grouped, in a scrollable modal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

BindingGroup = tuple[str, Sequence[BindingType]]


def as_bindings(items: Iterable[BindingType]) -> list[Binding]:
    """Bindings as declared (a Binding or a (key, action[, description]) tuple)."""
    out: list[Binding] = []
    for item in items:
        if isinstance(item, Binding):
            out.append(item)
        else:
            out.append(Binding(*item))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help"),
    ]

    def __init__(self, groups: Sequence[BindingGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("Keys (esc closes)", style="bold"), id="help-title")
            for title, items in self.groups:
                yield Static(self._table(title, items), classes="help-group")

    def _table(self, title: str, items: Sequence[BindingType]) -> Text:
        text = Text(title, style="bold underline")
        for binding in as_bindings(items):
            if binding.description:
                keys = [replace(binding, key=k.strip()) for k in binding.key.split(",")]
                shown = " / ".join(self.app.get_key_display(k) for k in keys)
                text.append(f"\n  {shown:<12} ", style="bold")
                text.append(binding.description)
        return text

    def action_close(self) -> None:
        self.dismiss(None)
