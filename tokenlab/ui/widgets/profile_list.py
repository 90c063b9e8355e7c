"""The profiles sidebar: every profile, the active one marked, and each unreadable file's error.

An unreadable profile file is listed with its error (a disabled row), never hiding the others.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tokenlab.core.errors import ConfigFileError
from tokenlab.core.profiles import Profile

ACTIVE_MARK = "●"
ERROR_MARK = "!"


def error_text(error: ConfigFileError) -> str:
    """One unreadable file: its error's words, as the core wrote them (they name the file)."""
    return " ".join(part for part in (error.message, error.hint) if part)


class ProfileList(OptionList):
    """Enter (or a click) makes the highlighted profile the active one."""

    class Chosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def show(self, profiles: list[Profile], errors: list[ConfigFileError], active: str) -> None:
        self.clear_options()
        for p in profiles:
            line = Text(
                f"{ACTIVE_MARK if p.name == active else ' '} ", no_wrap=True, overflow="ellipsis"
            )
            line.append(p.name, style="bold" if p.name == active else "")
            self.add_option(Option(line, id=p.name))
        for error in errors:
            where = Path(error.path).name
            line = Text(f"{ERROR_MARK} {where}: unreadable (6 Profiles)", style="red")
            self.add_option(Option(line, disabled=True))
        names = [p.name for p in profiles]
        if active in names:
            self.highlighted = names.index(active)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
