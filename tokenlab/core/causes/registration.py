"""Causes the Trusted Application's registration states outright (an administrator's token read
it): "the registration says X" instead of "X may be".

Each rule is one kind of mismatch (`core/trusted_app/compare.py`). When the token endpoint
refused, the registration is the strongest evidence there is and supersedes the guesses the
refusal alone allows; when nothing was refused, a mismatch is only abnormal.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.causes.evidence import Evidence, RegistrationEvidence, RegistrationFact
from tokenlab.core.causes.model import ABNORMAL, REGISTERED, MakeRemedy, Meaning, Rule, Values
from tokenlab.core.errors import Remedy, RemedyKind, remedy

STEPS = ("trusted-app", "token-issued")


def _fact(e: Evidence, kind: str) -> RegistrationFact:
    assert e.registration is not None  # every rule checks it first
    fact = e.registration.says(kind)
    assert fact is not None
    return fact


def _fix(setting: str, value: str = "") -> MakeRemedy:
    def make(e: Evidence, v: Values) -> Remedy:
        return remedy(
            RemedyKind.FIX_TRUSTED_APPLICATION, client_id=e.client_id, setting=setting, value=value
        )

    return make


def _fix_scope(e: Evidence, v: Values) -> Remedy:
    return remedy(
        RemedyKind.FIX_TRUSTED_APPLICATION,
        client_id=e.client_id,
        setting="Scope",
        value=v.get("expected", ""),
    )


# kind -> (cause key, meaning); the title always starts with what the registration says
MEANINGS_BY_KIND: dict[str, tuple[str, Meaning]] = {
    "not-registered": (
        "registration-missing",
        Meaning(
            "The registration says no Trusted Application has ApplicationUri {client_id!r}",
            "register it on the instance, or set the profile's client id to the ApplicationUri "
            "that is registered (exact, case-sensitive)",
            lambda e, v: remedy(
                RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field="client_id"
            ),
            ("invalid-client", "unauthorized-client", "no-service-access"),
        ),
    ),
    "disabled": (
        "registration-disabled",
        Meaning(
            "The registration says {app} is disabled (IsEnabled is off)",
            "turn IsEnabled on for {app}",
            _fix("IsEnabled", "true"),
            ("invalid-client", "unauthorized-client"),
        ),
    ),
    "client-type": (
        "registration-client-type",
        Meaning(
            "The registration says {app} is {registered}; this scenario needs {expected}",
            "set ClientType of {app} to {expected}",
            lambda e, v: remedy(
                RemedyKind.FIX_TRUSTED_APPLICATION,
                client_id=e.client_id,
                setting="ClientType",
                value=v.get("expected", ""),
            ),
            ("invalid-client", "public-client-no-service-access", "public-client-sent-secret"),
        ),
    ),
    "system-user": (
        "registration-no-system-user",
        Meaning(
            "The registration says {app} has no service access ({field} is {registered})",
            "client credentials need SystemUserAllowed on and a SystemUser set on {app}",
            _fix("SystemUserAllowed and SystemUser"),
            ("no-service-access", "unauthorized-client"),
        ),
    ),
    "impersonation": (
        "registration-no-impersonation",
        Meaning(
            "The registration says {app} may not sign users in "
            "(ImpersonateAsInternalUserAllowed is {registered})",
            "turn ImpersonateAsInternalUserAllowed on for {app}",
            _fix("ImpersonateAsInternalUserAllowed", "true"),
            ("unauthorized-client",),
        ),
    ),
    "redirect-uri": (
        "registration-redirect-uri",
        Meaning(
            "The registration says the redirect URI is {registered}, not {expected}",
            "add {expected} to the ImpersonateLoginUrl of {app} exactly (case-sensitive), or use "
            "the registered one in the profile",
            _fix("ImpersonateLoginUrl"),
            ("redirect-uri-not-registered",),
        ),
    ),
    "scope-missing": (
        "registration-scope",
        Meaning(
            "The registration says {app} allows only the scopes {registered}",
            "add the missing scopes to the Scope list of {app} (space-delimited, "
            "case-sensitive), or stop asking for them",
            _fix_scope,
            ("invalid-scope",),
        ),
    ),
    "secret-hash": (
        "registration-secret",
        Meaning(
            "The registration says {app} stores another secret (its hash is not the hash of "
            "the profile's secret)",
            "store the right secret for the profile, or set a new secret on {app}",
            lambda e, v: remedy(
                RemedyKind.STORE_SECRET, profile=v.get("profile", ""), kind="client-secret"
            ),
            ("invalid-client",),
        ),
    ),
}

MEANINGS: dict[str, Meaning] = {key: meaning for key, meaning in MEANINGS_BY_KIND.values()}


def _says(kind: str) -> Callable[[Evidence], bool]:
    return lambda e: e.registration is not None and e.registration.says(kind) is not None


def _strength(e: Evidence) -> int:
    """Decisive when no token was issued; only abnormal when one was."""
    refused = e.token_endpoint is not None or e.error("flow") is not None
    return REGISTERED if refused else ABNORMAL


def _evidence(kind: str) -> Callable[[Evidence], str]:
    def said(e: Evidence) -> str:
        fact = _fact(e, kind)
        reg: RegistrationEvidence | None = e.registration
        where = f" ({reg.url})" if reg is not None and reg.url else ""
        said = f"{fact.field} is {fact.registered or '(none)'}"
        return f"the registration{where}: {said}" + (f"; {fact.detail}" if fact.detail else "")

    return said


def _values(kind: str) -> Callable[[Evidence], Values]:
    def values(e: Evidence) -> Values:
        fact = _fact(e, kind)
        return {
            "field": fact.field,
            "expected": fact.expected,
            "registered": fact.registered or "(none)",
            "detail": fact.detail or f"{fact.field} is {fact.registered or '(none)'}",
        }

    return values


RULES: tuple[Rule, ...] = tuple(
    Rule(key, _says(kind), _evidence(kind), _strength, STEPS, _values(kind))
    for kind, (key, _) in MEANINGS_BY_KIND.items()
)
