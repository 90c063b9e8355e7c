"""The footer: Textual's, with its keys updated in place rather than rebuilt.

Textual's Footer removes and mounts all its key widgets (each then styled anew) on every change
of the screen's bindings, and every focus change signals one, so a pane key paid for two or
three rebuilds of the footer. Here a change that shows the same keys does nothing, and one
that shows others relabels the key widgets there are, mounting or removing only the
difference. Grouped bindings (none in the console today) still take Textual's own rebuild.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[tuple[Binding, bool, str], ...]


def shown_bindings(screen: Screen[Any]) -> Shown:
    """The footer's keys for `screen` now, as Textual's Footer picks them: the bindings shown,
    the first of each action."""
    first: dict[str, tuple[Binding, bool, str]] = {}
    for _, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show:
            first.setdefault(binding.action, (binding, enabled, tooltip))
    return tuple(first.values())


def _signature(shown: Shown) -> tuple[tuple[object, ...], ...]:
    return tuple(
        (b.key, b.key_display, b.description, b.action, b.group, enabled, tooltip)
        for b, enabled, tooltip in shown
    )


class KeyFooter(Footer):
    _signature: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._show_keys)

    def _key_widgets(self) -> list[FooterKey]:
        return [
            w
            for w in self.children
            if isinstance(w, FooterKey) and not w.has_class("-command-palette")
        ]

    async def _show_keys(self) -> None:
        if not self.is_attached:
            return
        shown = shown_bindings(self.screen)
        signature = _signature(shown)
        if signature == self._signature:
            return  # the same keys: nothing to do
        widgets = self._key_widgets()
        rebuild = (
            self._signature is None
            or len(widgets) != len(self._signature)
            or any(binding.group is not None for binding, _, _ in shown)
        )
        self._signature = signature
        if rebuild:
            await self.recompose()
            return
        for widget, (binding, enabled, tooltip) in zip(widgets, shown, strict=False):
            self._relabel(widget, binding, enabled, tooltip)
        if len(widgets) > len(shown):
            await self.remove_children(widgets[len(shown) :])
        elif len(shown) > len(widgets):
            palette = [w for w in self.children if w.has_class("-command-palette")]
            await self.mount_all(
                [self._new_key(b, enabled, tip) for b, enabled, tip in shown[len(widgets) :]],
                before=palette[0] if palette else None,
            )

    def _new_key(self, binding: Binding, enabled: bool, tooltip: str) -> FooterKey:
        return FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            disabled=not enabled,
            tooltip=tooltip,
        ).data_bind(compact=Footer.compact)

    def _relabel(self, widget: FooterKey, binding: Binding, enabled: bool, tooltip: str) -> None:
        key_display = self.app.get_key_display(binding)
        same = (widget.key, widget.key_display, widget.description, widget.action) == (
            binding.key,
            key_display,
            binding.description,
            binding.action,
        )
        resized = (len(widget.key_display), len(widget.description)) != (
            len(key_display),
            len(binding.description),
        )
        widget.key, widget.key_display = binding.key, key_display
        widget.description, widget.action = binding.description, binding.action
        widget._disabled = not enabled
        widget.set_class(not enabled, "-disabled")
        widget.tooltip = tooltip or None
        if not same:
            widget.refresh(layout=resized)  # its width follows its label
