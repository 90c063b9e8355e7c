"""The footer: the screen's keys on one line, drawn by one widget.

Textual's Footer is a container of one widget per key and rebuilds them on every change of the
screen's bindings; every focus change signals one. Each rebuild mounts and styles a dozen
widgets and lays the screen out again: on a pane key that was a third of the time to the next
frame. Here the keys are one line of text: a change that shows the same keys does nothing, and
one that shows others only repaints this line (its size never changes, so nothing is laid out).
A click on a key presses it, as on Textual's footer; hovering shows its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

Shown = tuple[tuple[Binding, bool, str], ...]


def shown_bindings(screen: Screen[Any]) -> Shown:
    """The footer's keys for `screen` now, as Textual's Footer picks them: the bindings shown,
    the first of each action."""
    first: dict[str, tuple[Binding, bool, str]] = {}
    for _, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show:
            first.setdefault(binding.action, (binding, enabled, tooltip))
    return tuple(first.values())


@dataclass(frozen=True)
class FooterEntry:
    """One key as the footer draws it."""

    key: str
    key_display: str
    description: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: tuple[FooterEntry, ...] = ()  # the keys drawn, left to right
        self.palette: FooterEntry | None = None  # the command palette's key, on the right
        self._spans: list[tuple[int, int, FooterEntry]] = []  # columns of each key, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        entries = tuple(self._entry(b, enabled, tip) for b, enabled, tip in shown_bindings(screen))
        palette = self._palette_entry(screen)
        if (entries, palette) != (self.entries, self.palette):
            self.entries, self.palette = entries, palette
            self.refresh()  # a repaint: the footer's size does not change

    def _entry(self, binding: Binding, enabled: bool, tooltip: str) -> FooterEntry:
        display = self.app.get_key_display(binding)
        return FooterEntry(binding.key, display, binding.description, enabled, tooltip)

    def _palette_entry(self, screen: Screen[Any]) -> FooterEntry | None:
        if not self.app.ENABLE_COMMAND_PALETTE:
            return None
        found = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _, binding, enabled, tooltip = found
        return self._entry(binding, enabled, tooltip or binding.tooltip or binding.description)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        line, spans = Text(no_wrap=True, end=""), []
        for entry in self.entries:
            start = line.cell_len
            self._append(line, entry, key_style, description_style)
            spans.append((start, line.cell_len, entry))
        if self.palette is not None:  # on the right, always: the keys give way to it
            right = Text(no_wrap=True, end="")
            self._append(right, self.palette, key_style, description_style)
            room = self.size.width - right.cell_len - 1
            if line.cell_len > room > 1:
                line.truncate(room - 1)
                line.append("…")
                spans = [
                    (start, min(end, room - 1), e) for start, end, e in spans if start < room - 1
                ]
            line.append(" " * max(1, self.size.width - line.cell_len - right.cell_len))
            spans.append((line.cell_len, line.cell_len + right.cell_len, self.palette))
            line.append_text(right)
        self._spans = spans
        return line

    @staticmethod
    def _append(line: Text, entry: FooterEntry, key_style: Style, description_style: Style) -> None:
        dim = Style() if entry.enabled else Style(dim=True)
        line.append(f" {entry.key_display} ", key_style + dim)
        if entry.description:
            line.append(f"{entry.description} ", description_style + dim)

    def entry_at(self, x: int) -> FooterEntry | None:
        return next((entry for start, end, entry in self._spans if start <= x < end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        entry = self.entry_at(event.x)
        if entry is None:
            return
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self.entry_at(event.x)
        self.tooltip = (entry.tooltip or entry.description or None) if entry else None
