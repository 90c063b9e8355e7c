"""The Profiles pane's requests carried out: the form, the name prompt, the confirmation, and
the store and keyring calls behind them. Errors are notifications; nothing is half done.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from tokenlab.core.errors import TokenlabError
from tokenlab.core.secrets import SecretKind
from tokenlab.ui.screens.confirm import ConfirmScreen
from tokenlab.ui.screens.name_prompt import NamePromptScreen
from tokenlab.ui.screens.profile_form import FormResult, ProfileFormScreen

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile
    from tokenlab.ui.screens.main import MainScreen


class ProfileActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def _taken(self) -> frozenset[str]:
        return frozenset(self.screen.store.names())

    def _find(self, name: str) -> Profile | None:
        return next((p for p in self.screen.profiles if p.name == name), None)

    def _fail(self, exc: TokenlabError) -> None:
        words = f"{exc.message}\n{exc.hint}" if exc.hint else exc.message
        self.screen.app.notify(words, title="profile", severity="error", markup=False)

    def _form(self, base: Profile | None) -> None:
        backend = self.screen.secrets.backend_status().describe()
        form = ProfileFormScreen(base, backend=backend, taken=self._taken)
        self.screen.app.push_screen(form, self._saved)

    def add(self) -> None:
        self._form(None)

    def edit(self, name: str) -> None:
        profile = self._find(name)
        if profile is not None:
            self._form(profile)

    def _saved(self, result: FormResult | None) -> None:
        if result is None:
            return
        s = self.screen
        try:
            path = s.store.save(result.profile)
        except TokenlabError as exc:
            self._fail(exc)
            return
        said = f"saved {path}"
        if result.secret and result.secret_kind is not None:
            said += "; " + self._store_secret(
                result.profile.name, result.secret_kind, result.secret
            )
        s.app.notify(said, title=result.profile.name, markup=False)
        s.reload(prefer=result.profile.name)

    def _store_secret(self, name: str, kind: SecretKind, value: str) -> str:
        try:
            where = self.screen.secrets.store(name, kind, value, memory_fallback=True)
        except TokenlabError as exc:
            return f"the {kind.value} was not stored: {exc.message}"
        if where.source == "keyring":
            return f"the {kind.value} is in the OS keyring"
        return f"the {kind.value} is kept until the console closes (no usable keyring)"

    def copy(self, name: str) -> None:
        def copied(new: str | None) -> None:
            if new:
                try:
                    self.screen.store.copy(name, new)
                except TokenlabError as exc:
                    self._fail(exc)
                    return
                self.screen.reload(prefer=new)

        prompt = NamePromptScreen(f"Copy profile {name} to:", f"{name}-copy", self._taken)
        self.screen.app.push_screen(prompt, copied)

    def rename(self, name: str) -> None:
        def renamed(new: str | None) -> None:
            if new:
                try:
                    self.screen.store.copy(name, new)
                    self.screen.store.delete(name)
                except TokenlabError as exc:
                    self._fail(exc)
                    return
                self._move_secrets(name, new)
                self.screen.reload(prefer=new)

        prompt = NamePromptScreen(f"Rename profile {name} to:", name, self._taken)
        self.screen.app.push_screen(prompt, renamed)

    def _move_secrets(self, old: str, new: str) -> None:
        """The keyring's secrets follow the profile to its new name."""
        secrets = self.screen.secrets
        for kind in SecretKind:
            value, where = secrets.lookup(old, kind, quiet=True)
            if value is not None and where.source in ("keyring", "memory"):
                with contextlib.suppress(TokenlabError):
                    secrets.store(new, kind, value, memory_fallback=True)
                    secrets.delete(old, kind)

    def delete(self, name: str) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.screen.store.delete(name)
            except TokenlabError as exc:
                self._fail(exc)
                return
            for kind in SecretKind:  # its secrets go with it
                with contextlib.suppress(TokenlabError):
                    self.screen.secrets.delete(name, kind)
            self.screen.app.notify(f"deleted profile {name}", markup=False)
            self.screen.reload()

        question = (
            f"Delete profile {name}?\n\nIts file {self.screen.store.path_for(name)} is removed, "
            "and its secrets in the keyring with it."
        )
        self.screen.app.push_screen(ConfirmScreen(question), answered)
