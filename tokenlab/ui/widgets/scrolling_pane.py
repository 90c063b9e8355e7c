"""A pane that scrolls by keyboard when focused, and whose focus restyles it alone.

Textual restyles a widget and every widget inside it when its focus changes, as the focused
widget's style may reach its children. A pane's focus shows on its own scrollbar only (see
app.tcss), so restyling its twenty-odd children twice on every pane key (the pane left, the
pane shown) was wasted: a fifth of the time a pane key took.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class ScrollingPane(VerticalScroll):
    def watch_has_focus(self, _has_focus: bool) -> None:
        self.app.stylesheet.update_nodes([self], animate=True)
