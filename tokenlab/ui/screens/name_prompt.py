"""Ask for a name, checked as it is typed: a profile name (copy, rename: valid and not yet
taken) by default, or what `check` accepts (a file name for the share bundle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tokenlab.core.errors import ProfileError
from tokenlab.core.profiles import check_name


class NamePromptScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        question: str,
        suggestion: str,
        taken: frozenset[str],
        check: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.suggestion = suggestion
        self.taken = taken
        self.check = check  # name -> what is wrong with it ("" when nothing)

    def compose(self) -> ComposeResult:
        with Vertical(id="name-prompt"):
            yield Static(Text(self.question), id="name-question")
            yield Input(self.suggestion, id="name-input")
            yield Static(id="name-error", classes="field-error")

    def problem(self, name: str) -> str:
        if self.check is not None:
            return self.check(name)
        try:
            check_name(name)
        except ProfileError as exc:
            return f"{exc.message}: {exc.hint}"
        return f"profile {name!r} already exists" if name in self.taken else ""

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#name-error", Static).update(Text(self.problem(event.value.strip())))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if self.problem(name):
            self.notify(self.problem(name), severity="error", markup=False)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
