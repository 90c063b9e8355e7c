"""Warnings before anything is sent: mistakes the seed warns about, caught early."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokenlab.core.authority import Discovery, Finding, classify, global_authority_finding
from tokenlab.core.explain import LEGACY_SCOPES, PROTOCOL_SCOPES
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.urls import is_cleartext

if TYPE_CHECKING:  # base imports this module for support_findings
    from tokenlab.core.flow_options import FlowOptions

CODE_FLOWS = ("auth-code", "portal")


def preflight(
    profile: Profile, flow: str, secrets: SecretStore, options: FlowOptions
) -> list[Finding]:
    findings: list[Finding] = []
    if (
        flow != "reference-token"
        and classify(profile.authority, options.global_authorities) == "global"
    ):
        finding = global_authority_finding(profile.authority)
        if options.allow_global_authority:
            finding = Finding(
                "warning", finding.message + " (asked for anyway)", "expect the API to answer 401"
            )
        findings.append(finding)
    if is_cleartext(profile.authority):
        findings.append(
            Finding(
                "warning" if profile.allow_insecure else "error",
                f"the authority {profile.authority} uses plain http",
                "secrets and tokens would cross the network in clear text; use https",
            )
        )
    for scope in profile.scopes:
        if scope in LEGACY_SCOPES:
            findings.append(
                Finding(
                    "warning",
                    f"the scope {scope!r} is legacy and must not be used any more",
                    "ask for 'read' and/or 'update' instead",
                )
            )
    if flow == "client-credentials":  # the portal signs in with them, then leaves them out
        protocol = [s for s in profile.scopes if s in PROTOCOL_SCOPES]
        if protocol:
            findings.append(
                Finding(
                    "warning",
                    f"client credentials with protocol scopes {' '.join(protocol)}: they never appear in service tokens",
                    "ask for 'read update' only; tokenlab leaves them out of the request",
                )
            )
    if profile.is_public_client and flow in ("auth-code", "device", "refresh"):
        where = secrets.where(profile.name, SecretKind.CLIENT_SECRET, quiet=True)
        if where.source in ("keyring", "environment"):
            findings.append(
                Finding(
                    "warning",
                    f"a client secret is available ({where.source}) but the profile is a public client (auth method none)",
                    "a public client must not send a secret (invalid_client); tokenlab will not send it",
                )
            )
    if flow in CODE_FLOWS and not profile.redirect_uri:
        findings.append(
            Finding(
                "ok",
                "no redirect URI in the profile: tokenlab listens on http://127.0.0.1:{port}/callback",
                "register that URI on the Trusted Application (ImpersonateLoginUrl); loopback URIs accept any port",
            )
        )
    return findings


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
        findings.append(
            Finding(
                "warning",
                f"the identity service does not list the client auth method {profile.auth_method}",
                f"it offers: {' '.join(methods)}; change it with `tokenlab profiles edit {profile.name} --auth-method M`",
            )
        )
    return findings
