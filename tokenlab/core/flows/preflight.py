"""Warnings before anything is sent: mistakes the seed warns about, caught early.

Each check looks at one thing and returns its findings; `preflight` runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tokenlab.core.authority import Discovery, Finding, classify, global_authority_finding
from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.profiles import AUTH_METHODS, Profile
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.urls import is_cleartext, join_url

if TYPE_CHECKING:  # base imports this module for support_findings
    from tokenlab.core.flow_options import FlowOptions

CODE_FLOWS = ("auth-code", "portal")

Check = Callable[[Profile, str, SecretStore, "FlowOptions"], list[Finding]]


def _scopes_without(profile: Profile, dropped: tuple[str, ...], fallback: str) -> str:
    kept = [s for s in profile.scopes if s not in dropped] or [fallback]
    return "'" + " ".join(kept) + "'"


def _global_authority(p: Profile, flow: str, _s: SecretStore, o: FlowOptions) -> list[Finding]:
    if flow == "reference-token" or classify(p.authority, o.global_authorities) != "global":
        return []
    finding = global_authority_finding(
        p.authority, instance_authority=join_url(p.instance, "id"), profile=p.name
    )
    if o.allow_global_authority:
        return [
            Finding(
                "warning", finding.message + " (asked for anyway)", "expect the API to answer 401"
            )
        ]
    return [finding]


def _cleartext(p: Profile, _f: str, _s: SecretStore, _o: FlowOptions) -> list[Finding]:
    if not is_cleartext(p.authority):
        return []
    return [
        Finding(
            "warning" if p.allow_insecure else "error",
            f"the authority {p.authority} uses plain http",
            "secrets and tokens would cross the network in clear text; use https",
            None
            if p.allow_insecure
            else remedy(RemedyKind.ALLOW_INSECURE, url=p.authority, profile=p.name),
        )
    ]


def _legacy_scopes(p: Profile, _f: str, _s: SecretStore, _o: FlowOptions) -> list[Finding]:
    if not any(scope in LEGACY_SCOPES for scope in p.scopes):
        return []
    fixed = _scopes_without(p, LEGACY_SCOPES, "read")
    return [
        Finding(
            "warning",
            f"the scope {scope!r} is legacy and must not be used any more",
            "ask for 'read' and/or 'update' instead",
            remedy(RemedyKind.SET_PROFILE_FIELD, profile=p.name, field="scopes", example=fixed),
        )
        for scope in p.scopes
        if scope in LEGACY_SCOPES
    ]


def _protocol_scopes(p: Profile, flow: str, _s: SecretStore, _o: FlowOptions) -> list[Finding]:
    protocol = [s for s in p.scopes if s in PROTOCOL_SCOPES]
    if flow != "client-credentials" or not protocol:  # the portal signs in with them
        return []
    fixed = _scopes_without(p, PROTOCOL_SCOPES, "read update")
    return [
        Finding(
            "warning",
            f"client credentials with protocol scopes {' '.join(protocol)}: they never appear in service tokens",
            "ask for 'read update' only; tokenlab leaves them out of the request",
            remedy(RemedyKind.SET_PROFILE_FIELD, profile=p.name, field="scopes", example=fixed),
        )
    ]


def _public_client_secret(p: Profile, flow: str, s: SecretStore, _o: FlowOptions) -> list[Finding]:
    if not p.is_public_client or flow not in ("auth-code", "device", "refresh"):
        return []
    where = s.where(p.name, SecretKind.CLIENT_SECRET, quiet=True)
    if where.source not in ("keyring", "environment"):
        return []
    stored = where.source == "keyring"
    return [
        Finding(
            "warning",
            f"a client secret is available ({where.source}) but the profile is a public client (auth method none)",
            "a public client must not send a secret (invalid_client); tokenlab will not send it",
            remedy(RemedyKind.REMOVE_SECRET, profile=p.name, kind=SecretKind.CLIENT_SECRET.value)
            if stored
            else None,
        )
    ]


def _default_redirect(p: Profile, flow: str, _s: SecretStore, _o: FlowOptions) -> list[Finding]:
    if flow not in CODE_FLOWS or p.redirect_uri:
        return []
    return [
        Finding(
            "ok",
            "no redirect URI in the profile: tokenlab listens on http://127.0.0.1:{port}/callback",
            "register that URI on the Trusted Application (ImpersonateLoginUrl); loopback URIs accept any port",
        )
    ]


# Each check with the topic of what it finds (a face may show authority findings with the
# authority, secret findings with the secrets).
CHECKS: tuple[tuple[str, Check], ...] = (
    ("authority", _global_authority),
    ("authority", _cleartext),
    ("flow", _legacy_scopes),
    ("flow", _protocol_scopes),
    ("secrets", _public_client_secret),
    ("flow", _default_redirect),
)


def preflight_by_topic(
    profile: Profile, flow: str, secrets: SecretStore, options: FlowOptions
) -> list[tuple[str, Finding]]:
    """(topic, finding) for every finding, in the order a user should read them."""
    return [
        (topic, finding)
        for topic, check in CHECKS
        for finding in check(profile, flow, secrets, options)
    ]


def preflight(
    profile: Profile, flow: str, secrets: SecretStore, options: FlowOptions
) -> list[Finding]:
    return [finding for _, finding in preflight_by_topic(profile, flow, secrets, options)]


_GRANT_OF_FLOW = {
    "client-credentials": "client_credentials",
    "auth-code": "authorization_code",
    "portal": "authorization_code",
    "device": "urn:ietf:params:oauth:grant-type:device_code",
    "refresh": "refresh_token",
}


def support_findings(discovery: Discovery, profile: Profile, flow: str) -> list[Finding]:
    """What the identity service says it does not support, for this profile and flow."""
    findings: list[Finding] = []
    grants = discovery.list("grant_types_supported")
    grant = _GRANT_OF_FLOW.get(flow)
    if grant and grants and grant not in grants:
        findings.append(
            Finding(
                "warning",
                f"the identity service does not list the grant {grant} in its discovery",
                f"it offers: {' '.join(grants)}; the request may fail with unsupported_grant_type",
            )
        )
    methods = discovery.list("token_endpoint_auth_methods_supported")
    if profile.auth_method != "none" and methods and profile.auth_method not in methods:
        usable = next((m for m in methods if m in AUTH_METHODS), "")
        findings.append(
            Finding(
                "warning",
                f"the identity service does not list the client auth method {profile.auth_method}",
                f"it offers: {' '.join(methods)}; change the profile's auth method to one of them",
                remedy(
                    RemedyKind.SET_PROFILE_FIELD,
                    profile=profile.name,
                    field="auth_method",
                    example=usable,
                ),
            )
        )
    return findings
