"""Secrets: in the OS keyring, or, where none runs, in the environment or this run's memory.

Never on disk in plain text. Lookup order for a profile's secret: this run's memory (stdin,
a rotated refresh token), the keyring, then for sandbox profiles the published demo value, else
the environment. Every value handed out is also given to the redactor, so it is masked in
anything recorded, whatever field it ends up in.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from tokenlab.core.errors import RemedyKind, SecretMissingError, SecretStoreError, remedy
from tokenlab.core.events import Bus, Notice
from tokenlab.core.redact import Redactor

SERVICE = "tokenlab"


class SecretKind(StrEnum):
    CLIENT_SECRET = "client-secret"
    REFERENCE_TOKEN = "reference-token"
    KEY_PASSPHRASE = "key-passphrase"
    REFRESH_TOKEN = "refresh-token"


ENV_VARS: dict[SecretKind, str] = {
    SecretKind.CLIENT_SECRET: "TOKENLAB_CLIENT_SECRET",
    SecretKind.REFERENCE_TOKEN: "TOKENLAB_REFERENCE_TOKEN",
    SecretKind.KEY_PASSPHRASE: "TOKENLAB_KEY_PASSPHRASE",
}

Source = Literal["memory", "keyring", "environment", "public-demo-value", "missing"]


@dataclass(frozen=True)
class BackendStatus:
    """What keyring backend this process found, and whether tokenlab can store secrets in it."""

    name: str
    usable: bool
    reason: str = ""

    def describe(self) -> str:
        if self.usable:
            return f"OS keyring ({self.name})"
        return f"no usable keyring ({self.name}: {self.reason})"


@dataclass(frozen=True)
class SecretLocation:
    """Where a profile's secret of one kind comes from; never the value."""

    kind: SecretKind
    source: Source
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "source": self.source, "detail": self.detail}


NO_SERVICE = "no keyring service is running (common over SSH)"
NO_KEYRING_FOR_DEMO = "the demo keeps its secrets in this console's memory only"
FALLBACK_HINT = "without a keyring, secrets are given for each run: in the environment, or as input"
FALLBACK_REMEDY = remedy(RemedyKind.GIVE_SECRET_FOR_RUN, env=tuple(ENV_VARS.values()))


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass
class _SharedState:
    """What every view of one store shares: this run's memory, the backend, who was told."""

    memory: dict[tuple[str, SecretKind], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    status: BackendStatus | None = None
    warned: weakref.WeakSet[Bus] = field(default_factory=weakref.WeakSet)  # buses told already
    keyring_off: bool = False  # the owner chose memory only (the demo): no fallback warning


class SecretStore:
    """Reads and writes secrets by profile and kind, with an honest fallback when no keyring runs.

    Notices ("no keyring: falling back") go to `bus`, once per bus. A long-lived owner (the
    console) keeps one store and hands each run `for_run(run_bus, run_id)`: the same secrets,
    memory and keyring, whose notices reach that run's bus.
    """

    def __init__(
        self,
        *,
        bus: Bus | None = None,
        run_id: str = "secrets",
        env: Mapping[str, str] | None = None,
        redactor: Redactor | None = None,
        use_keyring: bool = True,
    ) -> None:
        """`use_keyring=False`: never touch the keyring (the demo's secrets live and die with
        its console, like its profiles)."""
        self.bus = bus
        self.run_id = run_id
        self.env = env if env is not None else os.environ
        self.redactor = redactor if redactor is not None else Redactor()
        self._shared = _SharedState()
        if not use_keyring:
            self._shared.keyring_off = True
            self._shared.status = BackendStatus("none", False, NO_KEYRING_FOR_DEMO)

    def for_run(self, bus: Bus, run_id: str, *, redactor: Redactor | None = None) -> SecretStore:
        """This store, with its notices published on `bus` under `run_id` (once per bus).

        `redactor`: the run's own instead of the store's (the fleet gives each profile one, so
        masking stays as cheap on the 200th profile as on the first)."""
        view = SecretStore.__new__(SecretStore)  # no state of its own to make: it shares ours
        view.bus, view.run_id, view.env = bus, run_id, self.env
        view.redactor = redactor or self.redactor
        view._shared = self._shared
        return view

    # --- the backend ---------------------------------------------------------------------------

    def backend_status(self) -> BackendStatus:
        """Probe the keyring once: which backend, and can it be used."""
        shared = self._shared
        if shared.status is None:
            shared.status = self._probe()
        return shared.status

    def _probe(self) -> BackendStatus:
        from tokenlab.core.keyring_backend import FAIL_BACKEND, detect_backend, no_backend_can_run

        if no_backend_can_run():  # keyring's answer, known without importing it
            return BackendStatus(FAIL_BACKEND, False, NO_SERVICE)
        try:
            from keyring.backends import fail  # lazy: importing keyring scans entry points

            backend = detect_backend()
        except Exception as exc:  # noqa: BLE001 - any backend failure means "not usable"
            return BackendStatus("unknown", False, f"{type(exc).__name__}: {exc}")
        name = _backend_name(backend)
        if isinstance(backend, fail.Keyring):
            return BackendStatus(name, False, NO_SERVICE)
        return BackendStatus(name, True)

    def _mark_unusable(self, exc: BaseException) -> BackendStatus:
        status = self.backend_status()
        reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
        if "locked" in type(exc).__name__.lower():
            reason = f"the keyring is locked ({exc})"
        self._shared.status = BackendStatus(status.name, False, reason)
        return self._shared.status

    def _warn_once(self) -> None:
        """Say once per bus that secrets fall back to the environment or this run's memory."""
        bus, shared = self.bus, self._shared
        if bus is None or shared.keyring_off:  # chosen, not missing: nothing to warn about
            return
        with shared.lock:
            told = bus in shared.warned
            shared.warned.add(bus)
        if told:
            return
        bus.publish(
            Notice(
                run_id=self.run_id,
                level="warning",
                message=f"secrets: {self.backend_status().describe()}; using the environment or this run's memory",
                hint=FALLBACK_HINT,
                remedy=FALLBACK_REMEDY,
                topic="secrets",
            )
        )

    def _keyring_get(self, account: str) -> str | None:
        if not self.backend_status().usable:
            return None
        import keyring

        try:
            return keyring.get_password(SERVICE, account)
        except Exception as exc:  # noqa: BLE001 - locked, dbus errors, ...: fall back, say so
            self._mark_unusable(exc)
            return None

    # --- reading -------------------------------------------------------------------------------

    def lookup(
        self, profile_name: str, kind: SecretKind, public_value: str = "", *, quiet: bool = False
    ) -> tuple[str | None, SecretLocation]:
        """The secret and where it came from; `(None, missing)` when no source has it.

        `quiet`: a look that needs no secret (is there one?) does not warn about the keyring."""
        with self._shared.lock:
            value = self._shared.memory.get((profile_name, kind))
        if value is not None:
            return self._hand_out(value, SecretLocation(kind, "memory", "this run only"))
        value = self._keyring_get(_account(profile_name, kind))
        if value is not None:
            return self._hand_out(
                value, SecretLocation(kind, "keyring", self.backend_status().name)
            )
        if public_value:  # a sandbox profile: the published demo value needs no keyring
            return public_value, SecretLocation(
                kind, "public-demo-value", "published sandbox demo value"
            )
        if not self.backend_status().usable and not quiet:
            self._warn_once()  # only now does the missing keyring matter
        env_name = ENV_VARS.get(kind)
        if env_name and self.env.get(env_name):
            return self._hand_out(self.env[env_name], SecretLocation(kind, "environment", env_name))
        return None, SecretLocation(kind, "missing")

    def _hand_out(self, value: str, where: SecretLocation) -> tuple[str, SecretLocation]:
        self.redactor.add_known(value)
        return value, where

    def get(self, profile_name: str, kind: SecretKind, public_value: str = "") -> str | None:
        return self.lookup(profile_name, kind, public_value)[0]

    def require(self, profile_name: str, kind: SecretKind, public_value: str = "") -> str:
        value = self.get(profile_name, kind, public_value)
        if value is None:
            raise self.missing(profile_name, kind)
        return value

    def missing(
        self, profile_name: str, kind: SecretKind, *, what: str = "", more: str = ""
    ) -> SecretMissingError:
        """`missing_secret`, with the ways to give one that work with this machine's keyring."""
        usable = self.backend_status().usable
        return missing_secret(profile_name, kind, what=what, more=more, keyring_usable=usable)

    def where(
        self, profile_name: str, kind: SecretKind, public_value: str = "", *, quiet: bool = False
    ) -> SecretLocation:
        return self.lookup(profile_name, kind, public_value, quiet=quiet)[1]

    # --- writing -------------------------------------------------------------------------------

    def remember(self, profile_name: str, kind: SecretKind, value: str) -> SecretLocation:
        """Keep a value for this run only (read from stdin, or no keyring to put it in)."""
        self.redactor.add_known(value)
        with self._shared.lock:
            self._shared.memory[(profile_name, kind)] = value
        return SecretLocation(kind, "memory", "this run only")

    def store(
        self, profile_name: str, kind: SecretKind, value: str, *, memory_fallback: bool = False
    ) -> SecretLocation:
        """Put a secret in the keyring. Without one, keep it in memory if allowed, else refuse."""
        self.redactor.add_known(value)
        status = self.backend_status()
        if status.usable:
            import keyring

            try:
                keyring.set_password(SERVICE, _account(profile_name, kind), value)
            except Exception as exc:  # noqa: BLE001 - locked or failing backend
                status = self._mark_unusable(exc)
            else:
                with self._shared.lock:
                    self._shared.memory.pop((profile_name, kind), None)
                return SecretLocation(kind, "keyring", status.name)
        if memory_fallback:
            self._warn_once()
            return self.remember(profile_name, kind, value)
        raise SecretStoreError(
            f"cannot store the {kind.value}: {status.describe()}",
            f"nothing was written to disk; {FALLBACK_HINT}",
            remedy=FALLBACK_REMEDY,
        )

    def delete(self, profile_name: str, kind: SecretKind) -> bool:
        """Remove a secret from the keyring and memory; True when something was removed."""
        with self._shared.lock:
            removed = self._shared.memory.pop((profile_name, kind), None) is not None
        status = self.backend_status()
        if not status.usable:
            if removed:
                return True
            raise SecretStoreError(
                f"cannot remove the {kind.value}: {status.describe()}",
                "nothing is stored there to remove",
            )
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(SERVICE, _account(profile_name, kind))
        except PasswordDeleteError:
            return removed
        except Exception as exc:  # noqa: BLE001
            status = self._mark_unusable(exc)
            raise SecretStoreError(
                f"cannot remove the {kind.value}: {status.describe()}",
                "unlock the keyring and try again",
            ) from None
        return True

    def status(
        self, profile_name: str, public_values: Mapping[SecretKind, str] | None = None
    ) -> list[SecretLocation]:
        """Where each kind of secret of a profile comes from; never the values."""
        public_values = public_values or {}
        return [self.where(profile_name, kind, public_values.get(kind, "")) for kind in SecretKind]


def missing_secret(
    profile_name: str,
    kind: SecretKind,
    *,
    what: str = "",
    more: str = "",
    keyring_usable: bool = True,
) -> SecretMissingError:
    """No source has this secret: say where tokenlab looks, and how to give one that works on
    this machine (without a usable keyring, storing one would only fail)."""
    env_name = ENV_VARS.get(kind, "")
    if not keyring_usable:
        where = env_name or "nowhere else"
        return SecretMissingError(
            f"profile {profile_name!r} has no {what or kind.value}",
            f"there is no usable keyring here: tokenlab looks in this run's input, then {where}"
            f"{more}",
            remedy=remedy(
                RemedyKind.GIVE_SECRET_FOR_RUN,
                env=(env_name,) if env_name else (),
                kind=kind.value,
            ),
        )
    where = f"the OS keyring or {env_name}" if env_name else "the OS keyring"
    return SecretMissingError(
        f"profile {profile_name!r} has no {what or kind.value}",
        f"tokenlab looks in this run's input, then {where}{more}",
        remedy=remedy(RemedyKind.STORE_SECRET, profile=profile_name, kind=kind.value, env=env_name),
    )


def _account(profile_name: str, kind: SecretKind) -> str:
    return f"{profile_name}:{kind.value}"
