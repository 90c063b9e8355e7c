"""The card beside the registration, field by field: what differs, in the platform's names.

Each comparison has a `kind` (stable, for the table of causes and for tests): `not-registered`,
`disabled`, `client-type`, `system-user`, `impersonation`, `scope-missing`, `scope-extra`,
`redirect-uri`, `secret-hash`. A redirect URI that is not registered exactly is shown with the
nearest registered one and the first character where they differ.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tokenlab.core.trusted_app.card import TrustedAppCard
from tokenlab.core.trusted_app.registration import Registration

Status = Literal["ok", "mismatch", "extra", "unknown"]


@dataclass(frozen=True)
class Comparison:
    field: str  # the platform's field name
    kind: str
    status: Status
    expected: str
    registered: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kind": self.kind,
            "status": self.status,
            "expected": self.expected,
            "registered": self.registered,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class AppCheck:
    """The card, the registration (None: not registered) and their comparisons."""

    card: TrustedAppCard
    registration: Registration | None
    comparisons: tuple[Comparison, ...]
    entity: str = ""
    admin_profile: str = ""

    @property
    def mismatches(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.status == "mismatch")

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.kind for c in self.mismatches))

    def says(self, kind: str) -> Comparison | None:
        """The first mismatch of `kind`, if the registration shows one."""
        return next((c for c in self.mismatches if c.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entity": self.entity,
            "admin_profile": self.admin_profile,
            "card": self.card.to_json(),
            "registration": self.registration.to_json() if self.registration else None,
            "comparisons": [c.to_json() for c in self.comparisons],
            "mismatches": [c.kind for c in self.mismatches],
        }


def _shown(value: object) -> str:
    if value is None:
        return "(not shown)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return " ".join(value) if value else "(empty)"
    return str(value)


def first_difference(wanted: str, got: str) -> tuple[int, str, str]:
    """The 1-based position of the first character that differs, and both characters there
    ("end" where one string stops)."""
    for i, (a, b) in enumerate(zip(wanted, got, strict=False)):
        if a != b:
            return i + 1, a, b
    i = min(len(wanted), len(got))
    return (
        i + 1,
        wanted[i] if i < len(wanted) else "end",
        got[i] if i < len(got) else "end",
    )


def nearest(uri: str, registered: tuple[str, ...]) -> str | None:
    """The registered URI closest to `uri` (case folded for the likeness, not for the match)."""
    if not registered:
        return None
    folded = {r.lower(): r for r in registered}
    close = difflib.get_close_matches(uri.lower(), list(folded), n=1, cutoff=0.0)
    return folded[close[0]] if close else registered[0]


def redirect_detail(uri: str, registered: tuple[str, ...]) -> str:
    near = nearest(uri, registered)
    if near is None:
        return f"{uri} is not registered; no redirect URI is registered at all"
    pos, a, b = first_difference(uri, near)
    what = "differs only by case" if uri.lower() == near.lower() else "differs"
    return (
        f"{uri} is not registered exactly; nearest registered: {near} ({what}: at character "
        f"{pos}, {a!r} here, {b!r} registered)"
    )


def _flag(field: str, kind: str, wanted: bool, got: bool | None) -> Comparison:
    if got is None:
        return Comparison(field, kind, "unknown", _shown(wanted), _shown(got))
    status: Status = "ok" if got == wanted or not wanted else "mismatch"
    return Comparison(field, kind, status, _shown(wanted), _shown(got))


def _enabled(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    c = _flag("IsEnabled", "disabled", True, reg.is_enabled)
    detail = "the Trusted Application is disabled" if c.status == "mismatch" else ""
    return [Comparison(c.field, c.kind, c.status, c.expected, c.registered, detail)]


def _client_type(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    got = reg.client_type
    if got is None:
        return [Comparison("ClientType", "client-type", "unknown", card.client_type, _shown(got))]
    same = got.lower() == card.client_type.lower()
    detail = "" if same else f"registered as {got}, the scenario needs {card.client_type}"
    status: Status = "ok" if same else "mismatch"
    return [Comparison("ClientType", "client-type", status, card.client_type, got, detail)]


def _system_user(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    if not card.system_user_allowed:
        return []
    rows = [_flag("SystemUserAllowed", "system-user", True, reg.system_user_allowed)]
    if reg.system_user_allowed is not None or reg.system_user is not None:
        status: Status = "ok" if reg.system_user else "mismatch"
        detail = "" if reg.system_user else "client_credentials needs a SystemUser"
        rows.append(
            Comparison(
                "SystemUser", "system-user", status, "(set)", reg.system_user or "(none)", detail
            )
        )
    return rows


def _impersonation(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    if not card.impersonate_internal:
        return []
    field = "ImpersonateAsInternalUserAllowed"
    return [_flag(field, "impersonation", True, reg.impersonate_internal)]


def _redirects(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    if not card.impersonate_internal:
        return []
    got = reg.redirect_uris
    field = "ImpersonateLoginUrl"
    if got is None:
        return [Comparison(field, "redirect-uri", "unknown", ",".join(card.redirect_uris), "")]
    rows = []
    for uri in card.redirect_uris:
        if uri in got:
            rows.append(Comparison(field, "redirect-uri", "ok", uri, uri))
        else:
            near = nearest(uri, got) or ""
            detail = redirect_detail(uri, got)
            rows.append(Comparison(field, "redirect-uri", "mismatch", uri, near, detail))
    return rows


def _scopes(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    got = reg.scopes
    if got is None:
        return [Comparison("Scope", "scope-missing", "unknown", _shown(card.scopes), "")]
    missing = tuple(s for s in card.scopes if s not in got)  # case-sensitive, as the platform
    extra = tuple(s for s in got if s not in card.scopes)
    rows = [
        Comparison(
            "Scope",
            "scope-missing",
            "mismatch" if missing else "ok",
            _shown(card.scopes),
            _shown(got),
            f"not allowed: {' '.join(missing)}" if missing else "",
        )
    ]
    if extra:
        detail = f"allowed but not asked for: {' '.join(extra)}"
        rows.append(Comparison("Scope", "scope-extra", "extra", "", _shown(extra), detail))
    return rows


def _secret(card: TrustedAppCard, reg: Registration) -> list[Comparison]:
    if not card.needs_secret:
        return []
    field = "client secret (stored form)"
    if card.secret_hash is None or reg.secret_hash is None:
        why = "no secret in the store" if card.secret_hash is None else "the API does not show it"
        return [Comparison(field, "secret-hash", "unknown", "", "", why)]
    same = card.secret_hash == reg.secret_hash
    detail = "" if same else "the stored secret's hash is not the hash of the profile's secret"
    status: Status = "ok" if same else "mismatch"
    return [Comparison(field, "secret-hash", status, card.secret_hash, reg.secret_hash, detail)]


COMPARISONS: tuple[Callable[[TrustedAppCard, Registration], list[Comparison]], ...] = (
    _enabled,
    _client_type,
    _system_user,
    _impersonation,
    _redirects,
    _scopes,
    _secret,
)


def compare(
    card: TrustedAppCard,
    registration: Registration | None,
    *,
    entity: str = "",
    admin_profile: str = "",
) -> AppCheck:
    if registration is None:
        missing = Comparison(
            "ApplicationUri",
            "not-registered",
            "mismatch",
            card.client_id,
            "",
            f"no Trusted Application has ApplicationUri {card.client_id!r} (exact, case-sensitive)",
        )
        return AppCheck(card, None, (missing,), entity, admin_profile)
    rows = [Comparison("ApplicationUri", "not-registered", "ok", card.client_id, card.client_id)]
    for check in COMPARISONS:
        rows += check(card, registration)
    return AppCheck(card, registration, tuple(rows), entity, admin_profile)
