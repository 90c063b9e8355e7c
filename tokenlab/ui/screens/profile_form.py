"""Add or edit a profile in a modal form, validated as you type by the core's own rules.

Every change rebuilds the profile and runs `tokenlab.core.profiles.validate`; the field the core
names is marked and its error shown under it. Save is refused while any error stands. The secret
field is a password input: what is typed goes to the keyring (by the main screen), never to the
profile file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tokenlab.core.errors import ProfileError
from tokenlab.core.profiles import (
    AUTH_METHODS,
    DEFAULT_AUTH_METHOD,
    DEFAULT_SCOPES,
    FIELD_BY_PATH,
    SCENARIOS,
    Profile,
    new_profile,
    validate,
)
from tokenlab.core.secrets import SecretKind

# The inputs of the form, by profile field path; each has an error line under it.
TEXT_FIELDS = (
    "name",
    "instance",
    "client_id",
    "scopes",
    "redirect_uri",
    "authority_url",
    "api_url",
)
CHOICES = {"scenario": SCENARIOS, "auth_method": AUTH_METHODS}
PLACEHOLDERS = {
    "instance": "https://acme.my.erp.net",
    "client_id": "com.vendor/app (the Trusted Application's ApplicationUri)",
    "scopes": "read update (words, space separated)",
    "redirect_uri": "https://app.example/callback (web app, SPA)",
    "authority_url": "empty: {instance}/id",
    "api_url": "empty: {instance}/api/domain/odata/",
}
# Which client auth methods a scenario can use (platform-identity.md, "The scenarios"): a public
# client (SPA, automation by reference token) has no secret, a confidential one needs one.
CONFIDENTIAL = ("client_secret_basic", "client_secret_post", "private_key_jwt")
AUTH_FOR_SCENARIO: dict[str, tuple[str, ...]] = {
    "web-app": CONFIDENTIAL,
    "web-portal": CONFIDENTIAL,
    "service-app": CONFIDENTIAL,
    "spa": ("none",),
    "automation": ("none",),
}


def secret_kind(profile: Profile) -> SecretKind | None:
    """The secret this profile needs, if any: what the form's secret field stores."""
    if profile.scenario == "automation":
        return SecretKind.REFERENCE_TOKEN
    if profile.auth_method == "private_key_jwt":
        return SecretKind.KEY_PASSPHRASE
    if profile.auth_method == "none":
        return None
    return SecretKind.CLIENT_SECRET


def auth_error(profile: Profile) -> ProfileError | None:
    allowed = AUTH_FOR_SCENARIO.get(profile.scenario, AUTH_METHODS)
    if profile.auth_method in allowed:
        return None
    return ProfileError(
        f"a {profile.scenario} cannot use {profile.auth_method}",
        f"use {' or '.join(allowed)}",
        field="auth_method",
    )


@dataclass(frozen=True)
class FormResult:
    profile: Profile
    secret: str  # "" when none was typed (an edit keeps the stored one)
    secret_kind: SecretKind | None


class ProfileFormScreen(ModalScreen[FormResult | None]):
    """`base` given: edit it (its name is fixed; rename is its own action). None: a new one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self, base: Profile | None = None, *, backend: str = "", taken: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.base = base
        self.backend = backend
        self.taken = taken  # names already used: a new profile must not take one
        self.error: ProfileError | None = None

    def compose(self) -> ComposeResult:
        title = f"Edit profile {self.base.name}" if self.base else "Add a profile"
        start = self.base or new_profile("", "", "service-app")
        with VerticalScroll(id="form"):
            yield Static(Text(title, style="bold"), id="form-title")
            for path in ("name", "instance", "scenario", "auth_method", *TEXT_FIELDS[2:]):
                yield Label(FIELD_BY_PATH[path].label)
                yield self._input(path, start)
                yield Static(id=f"error-{path}", classes="field-error")
            yield Label("secret (stored in the keyring, never in the file)", id="secret-label")
            yield Input(password=True, id="field-secret", placeholder=self._secret_placeholder())
            yield Static(id="form-error", classes="field-error")
            with Horizontal(id="form-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def _input(self, path: str, start: Profile) -> Input | Select[str]:
        if path in CHOICES:
            return Select(
                [(v, v) for v in CHOICES[path]],
                value=str(getattr(start, path)),
                allow_blank=False,
                id=f"field-{path}",
            )
        value: Any = getattr(start, path)
        text = " ".join(value) if isinstance(value, tuple) else str(value)
        field = Input(text, id=f"field-{path}", placeholder=PLACEHOLDERS.get(path, ""))
        field.disabled = path == "name" and self.base is not None
        return field

    def _secret_placeholder(self) -> str:
        where = self.backend or "the keyring"
        keep = " (leave empty to keep the stored one)" if self.base else ""
        return f"goes to {where}{keep}"

    def on_mount(self) -> None:
        self.check()

    # --- as you type ------------------------------------------------------------------------

    def value(self, path: str) -> str:
        if path in CHOICES:
            return str(self.query_one(f"#field-{path}", Select).value)
        return self.query_one(f"#field-{path}", Input).value

    def candidate(self) -> Profile:
        """The profile the form holds now (not yet validated)."""
        scenario = self.value("scenario")
        start = self.base or new_profile("", "", scenario)
        return replace(
            start,
            name=self.value("name").strip(),
            instance=self.value("instance").strip(),
            scenario=scenario,  # type: ignore[arg-type]
            auth_method=self.value("auth_method"),  # type: ignore[arg-type]
            client_id=self.value("client_id").strip(),
            scopes=tuple(self.value("scopes").split()),
            redirect_uri=self.value("redirect_uri").strip(),
            authority_url=self.value("authority_url").strip(),
            api_url=self.value("api_url").strip(),
        )

    def check(self) -> ProfileError | None:
        """Validate, and show the first error under its field; returns it."""
        profile = self.candidate()
        try:
            validate(profile)
            self.error = auth_error(profile) or self._name_taken(profile.name)
        except ProfileError as exc:
            self.error = exc
        for path in ("name", "instance", "scenario", "auth_method", *TEXT_FIELDS[2:]):
            self._mark(path, self.error if self.error and self.error.field == path else None)
        shown = self.error and f"#error-{self.error.field}" in self._error_ids()
        general = "" if shown or self.error is None else f"{self.error.message}: {self.error.hint}"
        self.query_one("#form-error", Static).update(Text(general))
        kind = secret_kind(profile)
        self.query_one("#field-secret", Input).disabled = kind is None
        self.query_one("#secret-label", Label).update(
            f"{kind.value} (stored in the keyring, never in the file)"
            if kind
            else "secret: none (a public client has no secret)"
        )
        return self.error

    def _name_taken(self, name: str) -> ProfileError | None:
        if self.base is not None or name not in self.taken:
            return None
        return ProfileError(f"profile {name!r} already exists", "pick another name", field="name")

    def _error_ids(self) -> set[str]:
        return {
            f"#error-{p}" for p in ("name", "instance", "scenario", "auth_method", *TEXT_FIELDS[2:])
        }

    def _mark(self, path: str, error: ProfileError | None) -> None:
        words = f"{error.message}: {error.hint}" if error else ""
        self.query_one(f"#error-{path}", Static).update(Text(words))
        self.query_one(f"#field-{path}").set_class(error is not None, "-invalid")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "field-secret":
            self.check()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "field-scenario" and self.base is None:
            scenario = str(event.value)  # a new profile takes the scenario's defaults
            self.query_one("#field-auth_method", Select).value = DEFAULT_AUTH_METHOD[scenario]
            self.query_one("#field-scopes", Input).value = " ".join(DEFAULT_SCOPES[scenario])
        self.check()

    # --- done -------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        error = self.check()
        if error is not None:
            self.notify(f"not saved: {error.message}", severity="error", markup=False)
            return
        profile = self.candidate()
        secret = self.query_one("#field-secret", Input).value
        self.dismiss(FormResult(profile, secret, secret_kind(profile)))

    def action_cancel(self) -> None:
        self.dismiss(None)
