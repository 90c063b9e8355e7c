"""Token endpoint refusals in the platform's terms (platform-identity.md, "Token endpoint errors").

A scope the profile asks for is judged as the preflight warned about it: a legacy scope is to be
removed from the request, never added to the Trusted Application; a protocol scope is never
configured on the Trusted Application either.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.causes.evidence import Evidence, TokenEndpointEvidence
from tokenlab.core.causes.model import (
    DIRECT,
    SPECIFIC,
    MakeRemedy,
    Meaning,
    Rule,
    Test,
    Values,
    all_of,
    not_,
)
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.refresh_evidence import says_reused
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES

STEPS = ("trusted-app", "token-issued")
INVALID_CLIENT_FIX = (
    "check that {app} exists and IsEnabled is on, that the secret is right (stored as "
    "base64(sha256(secret)) on the server; you send the plain secret) and that ClientType is "
    "Confidential"
)


def _te(e: Evidence) -> TokenEndpointEvidence:
    assert e.token_endpoint is not None  # every rule here checks it first
    return e.token_endpoint


def _error(*codes: str) -> Test:
    return lambda e: e.token_endpoint is not None and e.token_endpoint.error in codes


def _says_reused(e: Evidence) -> bool:
    """The refusal says the refresh token was spent already (a race, or a copy used elsewhere)."""
    return e.token_endpoint is not None and says_reused(e.token_endpoint.description)


def _fix_app(setting: str, value: str = "") -> MakeRemedy:
    def make(e: Evidence, v: Values) -> Remedy:
        return remedy(
            RemedyKind.FIX_TRUSTED_APPLICATION, client_id=e.client_id, setting=setting, value=value
        )

    return make


def _refused_scope(e: Evidence) -> str:
    """The scope the refusal is about: the one it names, else a legacy one that was asked.

    (Client credentials never send protocol scopes, so an unnamed refusal is not about them.)"""
    te = _te(e)
    return te.named_scope or next((s for s in te.scopes if s in LEGACY_SCOPES), "")


def _scope_values(e: Evidence) -> Values:
    te = _te(e)
    scope = _refused_scope(e)
    which = (
        f"the scope {scope!r}"
        if scope
        else f"one of the scopes {' '.join(te.scopes) or '(none asked)'}"
    )
    return {"scope": scope, "which": which, "Which": which[0].upper() + which[1:]}


def _without(scopes: tuple[str, ...], drop: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in scopes if s not in drop)


def _request_without(drop: tuple[str, ...]) -> MakeRemedy:
    def make(e: Evidence, v: Values) -> Remedy:
        kept = _without(e.requested_scopes, drop) or ("read", "update")
        return remedy(RemedyKind.REQUEST_SCOPES, scopes=kept, profile=v.get("profile", ""))

    return make


def _not_oauth_values(e: Evidence) -> Values:
    te = _te(e)
    titled = f" titled {te.snippet!r}" if te.snippet else ""
    shown = f": {te.snippet!r}" if te.snippet else ""
    return {"titled": titled, "shown": shown}


def _is_scope(kind: tuple[str, ...]) -> Test:
    return lambda e: (
        e.token_endpoint is not None
        and e.token_endpoint.error == "invalid_scope"
        and _refused_scope(e) in kind
    )


def _kind(kind: str) -> Test:
    return lambda e: e.token_endpoint is not None and e.token_endpoint.answer_kind == kind


def _said(e: Evidence) -> str:
    te = _te(e)
    return te.said if te.error else f"HTTP {te.status}, {te.answer_kind} answer"


def _fix_authority(e: Evidence, v: Values) -> Remedy:
    return remedy(RemedyKind.FIX_AUTHORITY, url=e.profile.authority if e.profile else "")


def _new_token(e: Evidence, v: Values) -> Remedy:
    return remedy(RemedyKind.GET_NEW_TOKEN, profile=v.get("profile", ""))


def _assertion_values(e: Evidence) -> Values:
    """What the refused client assertion carried: its kid and its audience."""
    te = _te(e)
    kid = f"kid {te.key_id!r}" if te.key_id else "no kid"
    aud = "the issuer" if te.assertion_audience == "issuer" else "the token endpoint"
    other = "the token endpoint" if te.assertion_audience == "issuer" else "the issuer"
    return {"kid": kid, "aud": aud, "other_aud": other}


def _set_key_id(e: Evidence, v: Values) -> Remedy:
    field = "assertion_audience" if _te(e).key_id else "key_id"
    example = "issuer" if _te(e).key_id else "KID"
    return remedy(
        RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field=field, example=example
    )


def _sign_in(e: Evidence, v: Values) -> Remedy:
    return remedy(RemedyKind.SIGN_IN_FIRST, profile=v.get("profile", ""))


MEANINGS: dict[str, Meaning] = {
    "token-endpoint-html": Meaning(
        "The token endpoint answered HTTP {te_status} with an HTML page{titled}, not an OAuth answer",
        "a proxy, a sign-in page or a wrong URL is in the way: check the authority URL "
        "(https://{{instance}}/id) and any proxy",
        _fix_authority,
    ),
    "token-endpoint-empty": Meaning(
        "The token endpoint answered HTTP {te_status} with an empty body",
        "check the authority URL; a 401/403 with no body often means a proxy or firewall "
        "refused the request",
        _fix_authority,
    ),
    "token-endpoint-not-oauth": Meaning(
        "The token endpoint answered HTTP {te_status} without an OAuth error{shown}",
        "check the authority URL and the instance's status",
        _fix_authority,
    ),
    "public-client-no-service-access": Meaning(
        "{App} is a public client, which cannot use this grant",
        "{app} must be Confidential for client credentials",
        _fix_app("ClientType", "Confidential"),
    ),
    "public-client-sent-secret": Meaning(
        "{App} is a public client, but it was authenticated like a confidential one",
        "{app} is Public: it must send no secret; remove the secret or make it Confidential. "
        + INVALID_CLIENT_FIX,
        _fix_app("ClientType", "Confidential"),
    ),
    "client-assertion-refused": Meaning(
        "The client assertion (private_key_jwt) of {app} was refused with HTTP {te_status}",
        "the usual suspects, in order: the key id (it carried {kid}; a provider that picks the "
        "client's key by kid refuses an assertion without the right one); the audience (aud was "
        "{aud}; some providers want {other_aud}); the algorithm (RS256 for an RSA key, ES256 for "
        "P-256: the client's registered key must allow it); the clock (iat and exp come from this "
        "machine's clock and the assertion lives 60 s: a skew beyond that makes it expired or not "
        "yet valid); and that the public key registered for {app} matches the private key",
        _set_key_id,
    ),
    "invalid-client": Meaning(
        "{App} is unknown or disabled, or its secret is wrong",
        INVALID_CLIENT_FIX,
        _fix_app("IsEnabled", "true"),
    ),
    "unauthorized-client": Meaning(
        "{App} may not use this flow",
        "check that {app} is enabled and allows interactive access (ImpersonateAsInternalUserAllowed)",
        _fix_app("ImpersonateAsInternalUserAllowed", "true"),
    ),
    "no-service-access": Meaning(
        "{App} has no service access",
        "client credentials need SystemUserAllowed and a SystemUser on {app}",
        _fix_app("SystemUserAllowed and SystemUser"),
    ),
    "legacy-scope": Meaning(
        "The legacy scope {scope!r} is requested",
        "remove {scope!r} from the profile's scopes: it is legacy and must not be used any more; "
        "ask for 'read' and/or 'update' instead",
        _request_without(LEGACY_SCOPES),
    ),
    "protocol-scope": Meaning(
        "The protocol scope {scope!r} is requested with client credentials",
        "remove {scope!r} from the request: protocol scopes (openid, profile, offline_access) "
        "are not configured on the Trusted Application and never appear in client-credentials "
        "tokens; ask for 'read update'",
        _request_without(PROTOCOL_SCOPES),
    ),
    "protocol-scope-refused": Meaning(
        "The identity service refused the protocol scope {scope!r} for {app}",
        "remove {scope!r} from the request: protocol scopes are not configured on the Trusted "
        "Application (a public client, for one, gets no refresh token, so no offline_access)",
        _request_without(("offline_access",)),
    ),
    "invalid-scope": Meaning(
        "{Which} is not allowed for {app}",
        "add it to the Trusted Application's Scope list (space-delimited, case-sensitive), or "
        "stop asking for it",
        lambda e, v: remedy(
            RemedyKind.FIX_TRUSTED_APPLICATION,
            client_id=e.client_id,
            setting="Scope",
            value=v.get("scope", ""),
        ),
    ),
    "device-code-refused": Meaning(
        "The device code was refused",
        "it is unknown, already used, or belongs to another client: start the device flow again",
        _new_token,
    ),
    "refresh-token-reused": Meaning(
        "The refresh token was already used (by another process or a copy of it), and the "
        "identity service revoked the whole token family",
        "every refresh rotates the token and a reused one revokes all its successors: sign in "
        "again, and let one process at a time refresh a profile",
        _sign_in,
    ),
    "refresh-token-refused": Meaning(
        "The refresh token is expired, revoked or already used",
        "sign in again to get a new refresh token (every refresh rotates it)",
        _sign_in,
    ),
    "code-refused": Meaning(
        "The code was refused",
        "PKCE verification failed, the code expired or was already used, or the redirect URI "
        "differs from the authorize request",
        _new_token,
    ),
    "grant-refused": Meaning("The request was refused", "check the grant parameters", _new_token),
    "redirect-uri-not-registered": Meaning(
        "The redirect URI is not registered",
        "add it to {app}'s ImpersonateLoginUrl exactly (case-sensitive, comma-separated list)",
        _fix_app("ImpersonateLoginUrl"),
    ),
    "unsupported-grant-type": Meaning(
        "The identity service does not allow this grant",
        "this identity service or {app} does not allow this grant; use the flow of your scenario",
        lambda e, v: remedy(
            RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field="scenario"
        ),
    ),
    "invalid-request": Meaning(
        "The request is missing or repeats a parameter",
        "check client_id and client_secret (and the client auth method)",
        lambda e, v: remedy(
            RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field="client_id"
        ),
    ),
    "access-denied": Meaning(
        "The user or the server refused", "sign in again and approve the request", _sign_in
    ),
    "device-code-expired": Meaning(
        "The device code expired before it was approved",
        "start the device flow again and approve sooner",
        _new_token,
    ),
    "unknown-oauth-error": Meaning(
        "The identity service refused with an error not known here",
        "this error is not one the platform's table lists; it is shown as it came",
        lambda e, v: remedy(RemedyKind.ASK_ADMINISTRATORS, about=f"the error {v.get('error')}"),
    ),
}


def _rule(
    key: str,
    when: Test,
    strength: int = DIRECT,
    values: Callable[[Evidence], Values] | None = None,
) -> Rule:
    return Rule(key, when, _said, strength, STEPS, values)


def _flow_is(*flows: str) -> Test:
    return lambda e: _te(e).flow in flows


def _public(e: Evidence) -> bool:
    return _te(e).public_client


def _interactive(e: Evidence) -> bool:
    return _te(e).interactive


def _not_oauth(e: Evidence) -> bool:
    te = e.token_endpoint
    return te is not None and te.answer_kind in ("text", "json") and not te.error


def _assertion_refused(e: Evidence) -> bool:
    """A private_key_jwt client refused: invalid_client, or an empty 401/403 (a provider or its
    gateway that will not say why an assertion failed)."""
    te = e.token_endpoint
    if te is None or te.client_auth != "private_key_jwt" or te.public_client:
        return False
    return te.error == "invalid_client" or (te.answer_kind == "empty" and te.status in (401, 403))


def _unknown_error(e: Evidence) -> bool:
    te = e.token_endpoint
    return te is not None and bool(te.error) and te.error not in KNOWN


_GRANT_FLOWS = ("device", "refresh", "auth-code", "portal")
_SPECIAL_SCOPES = (*LEGACY_SCOPES, *PROTOCOL_SCOPES)
KNOWN = (
    "invalid_client", "unauthorized_client", "invalid_scope", "invalid_grant",
    "invalid_redirect_uri", "redirect_uri_mismatch", "unsupported_grant_type",
    "invalid_request", "access_denied", "expired_token",
)  # fmt: skip

# Exclusive by construction: one refusal gets one meaning.
RULES: tuple[Rule, ...] = (
    _rule("token-endpoint-html", _kind("html"), values=_not_oauth_values),
    _rule("client-assertion-refused", _assertion_refused, SPECIFIC, _assertion_values),
    _rule(
        "token-endpoint-empty",
        all_of(_kind("empty"), not_(_assertion_refused)),
        values=_not_oauth_values,
    ),
    _rule("token-endpoint-not-oauth", _not_oauth, values=_not_oauth_values),
    _rule(
        "public-client-no-service-access",
        all_of(_error("invalid_client"), _public, not_(_interactive)),
        SPECIFIC,
    ),
    _rule(
        "public-client-sent-secret",
        all_of(_error("invalid_client"), _public, _interactive),
        SPECIFIC,
    ),
    _rule(
        "invalid-client",
        all_of(_error("invalid_client"), not_(_public), not_(_assertion_refused)),
    ),
    _rule("unauthorized-client", all_of(_error("unauthorized_client"), _interactive)),
    _rule("no-service-access", all_of(_error("unauthorized_client"), not_(_interactive))),
    _rule("legacy-scope", _is_scope(LEGACY_SCOPES), SPECIFIC, _scope_values),
    _rule(
        "protocol-scope",
        all_of(_is_scope(PROTOCOL_SCOPES), not_(_interactive)),
        SPECIFIC,
        _scope_values,
    ),
    _rule(
        "protocol-scope-refused",
        all_of(_is_scope(PROTOCOL_SCOPES), _interactive),
        SPECIFIC,
        _scope_values,
    ),
    _rule(
        "invalid-scope",
        all_of(_error("invalid_scope"), lambda e: _refused_scope(e) not in _SPECIAL_SCOPES),
        values=_scope_values,
    ),
    _rule("device-code-refused", all_of(_error("invalid_grant"), _flow_is("device"))),
    _rule(
        "refresh-token-reused",
        all_of(_error("invalid_grant"), _flow_is("refresh"), _says_reused),
        SPECIFIC,
    ),
    _rule(
        "refresh-token-refused",
        all_of(_error("invalid_grant"), _flow_is("refresh"), not_(_says_reused)),
    ),
    _rule("code-refused", all_of(_error("invalid_grant"), _flow_is("auth-code", "portal"))),
    _rule("grant-refused", all_of(_error("invalid_grant"), not_(_flow_is(*_GRANT_FLOWS)))),
    _rule("redirect-uri-not-registered", _error("invalid_redirect_uri", "redirect_uri_mismatch")),
    _rule("unsupported-grant-type", _error("unsupported_grant_type")),
    _rule("invalid-request", _error("invalid_request")),
    _rule("access-denied", _error("access_denied")),
    _rule("device-code-expired", _error("expired_token")),
    _rule("unknown-oauth-error", _unknown_error),
)
