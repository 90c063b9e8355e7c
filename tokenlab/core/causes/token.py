"""What is wrong with the token itself: the API's words about it, and our own checks of it.

The same key whichever way it was found (the API said "expired", our expiry check failed), so
the probe's verdict and the doctor's causes agree; the API's words rank above our checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tokenlab.core.authority import classify
from tokenlab.core.causes.evidence import Evidence, quote_scopes
from tokenlab.core.causes.model import ABNORMAL, CHECKED, Meaning, Rule, Test, Values
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES
from tokenlab.core.urls import join_url


def _new_token(e: Evidence, v: Values) -> Remedy:
    return remedy(RemedyKind.GET_NEW_TOKEN, profile=v.get("profile", ""))


def _verified_by_authority(e: Evidence) -> bool:
    """Our signature check passed with the authority's published keys."""
    return e.check_is("signature", "pass")


def _clock_or_new_token(e: Evidence, v: Values) -> Remedy:
    if e.clocks is not None and e.clocks.odd:
        return remedy(RemedyKind.FIX_CLOCK, clock=e.clocks.odd, offset_s=e.clocks.offset_s)
    return _new_token(e, v)


def _reference(e: Evidence) -> bool:
    if e.api is not None and e.api.reference_token:
        return True
    return (e.token is not None and e.token.token.kind == "reference") or (
        e.profile is not None and e.profile.scenario == "automation"
    )


def _new_reference_or_token(e: Evidence, v: Values) -> Remedy:
    if _reference(e):
        data = {"profile": v.get("profile", ""), "kind": "reference-token"}
        return Remedy(RemedyKind.STORE_SECRET, data)
    return _new_token(e, v)


def _send_in(what: str) -> Callable[[Evidence, Values], Remedy]:
    return lambda e, v: remedy(RemedyKind.FIX_REQUEST, what=what)


def _instance_authority(e: Evidence, v: Values) -> Remedy:
    url = e.profile.authority if e.profile is not None else ""
    if e.profile is not None and classify(url) == "global":
        url = join_url(e.profile.instance, "id")  # the instance's own identity service
    return remedy(RemedyKind.FIX_AUTHORITY, url=url)


def _scopes_remedy(e: Evidence, v: Values) -> Remedy:
    """Ask for a missing scope the profile does not request; else allow it on the app."""
    needed = tuple(v.get("needed_list", "").split())
    asked = e.requested_scopes
    if needed and all(s in asked for s in needed):
        return remedy(
            RemedyKind.FIX_TRUSTED_APPLICATION,
            client_id=e.client_id,
            setting="Scope",
            value=" ".join(needed),
        )
    wanted = tuple(dict.fromkeys((*asked, *needed))) or ("read", "update")
    return remedy(RemedyKind.REQUEST_SCOPES, scopes=wanted, profile=v.get("profile", ""))


def _global_title(e: Evidence, v: Values) -> str:
    token_from_it = (e.api is not None and bool(e.api.token_issuer)) or e.check_is("issuer", "fail")
    if token_from_it:
        return "The token comes from a global authority"
    return "The authority is a global authority: it never issues tokens for instance APIs"


MEANINGS: dict[str, Meaning] = {
    "token-missing": Meaning(
        "No token was sent: the API asks for one",
        "send the token as Authorization: Bearer <token> (or X-Api-Key for a reference token)",
        _send_in("header"),
    ),
    "global-authority": Meaning(
        _global_title,
        "global authorities sign people in but never issue tokens for instance APIs: get the "
        "token from the instance identity service, https://{{instance}}/id (set the profile's "
        "authority to it, or leave it derived from the instance)",
        _instance_authority,
        supersedes=("wrong-issuer",),
    ),
    "wrong-issuer": Meaning(
        "The token's issuer is not the instance identity service",
        "request the token from exactly the instance's authority ({authority}); the API "
        "compares iss exactly (a trailing slash counts)",
        _instance_authority,
    ),
    "token-expired": Meaning(
        "The token has expired",
        "get a new token (access tokens live about an hour); if it was just issued, a clock is wrong",
        _new_token,
    ),
    "token-not-yet-valid": Meaning(
        "The token is not yet valid (nbf is in the future)",
        "a clock is wrong (the identity service's, the API's or this machine's) or the token was "
        "made for later: compare the clocks",
        _clock_or_new_token,
    ),
    "token-no-expiry": Meaning(
        "The token has no expiry (exp)",
        "the platform's APIs refuse access tokens without exp: use a token the instance issued",
        _new_token,
    ),
    "wrong-audience": Meaning(
        "The token is for another audience",
        "ask for the API's scopes (read/update) so the token is issued for it; the API expects "
        "the audience {audience}",
        lambda e, v: remedy(
            RemedyKind.REQUEST_SCOPES, scopes=("read", "update"), profile=v.get("profile", "")
        ),
    ),
    "bad-signature": Meaning(
        "The token's signature does not verify",
        "the token was changed after it was signed, or another authority signed it: use the "
        "token exactly as issued by the instance identity service",
        _new_token,
    ),
    "signing-key-unknown": Meaning(
        "The token is signed with a key the API does not know",
        lambda e, v: (
            "the token verifies with the keys the authority publishes, so the API trusts other "
            "keys (stale after a key rotation, or another identity service's): the instance's "
            "administrators must refresh the API's signing keys"
            if _verified_by_authority(e)
            else "another identity service issued it, or the keys were rotated since: get a new "
            "token from the instance identity service; if a fresh one is refused too, the API "
            "trusts other keys than the authority publishes"
        ),
        lambda e, v: (
            remedy(
                RemedyKind.ASK_ADMINISTRATORS,
                about="the API's signing keys (they differ from the authority's JWKS)",
                profile=v.get("profile", ""),
            )
            if _verified_by_authority(e)
            else _new_token(e, v)
        ),
    ),
    "bad-algorithm": Meaning(
        "The token's signing algorithm is not allowed",
        "use the token exactly as issued by the instance (RS256): an unsigned or HMAC-signed "
        "token is never accepted",
        _new_token,
    ),
    "wrong-token-type": Meaning(
        "The token is not an access token (an id_token?)",
        "send the access_token from the token response, not the id_token",
        _new_token,
    ),
    "token-malformed": Meaning(
        "The token is malformed (not a JWT, or cut short)",
        "copy the whole access_token value",
        _new_token,
    ),
    "token-revoked": Meaning(
        "The token was revoked, or is no longer active",
        "a revoked token stays refused: for a reference token, create a new one in the instance "
        "and store it; for an access token, get a new one",
        _new_reference_or_token,
    ),
    "reference-token-unknown": Meaning(
        "The instance does not know this reference token",
        "check the value (copied whole?) and the instance it belongs to; or create a new "
        "reference token in the instance and store it",
        _new_reference_or_token,
    ),
    "x-api-key-not-reference": Meaning(
        "X-Api-Key takes only reference tokens (enrt_...)",
        "send an access token (JWT) as Authorization: Bearer ...",
        _send_in("header"),
    ),
    "wrong-scheme": Meaning(
        "The Authorization header does not use the Bearer scheme",
        "send Authorization: Bearer <token>",
        _send_in("header"),
    ),
    "insufficient-scope": Meaning(
        "The token lacks the scope {needed}",
        "allow {needed_quoted} in the Trusted Application's Scope, request it in the profile's "
        "scopes, and get a new token",
        _scopes_remedy,
    ),
    "wrong-client": Meaning(
        "The token was issued to another client",
        "check the profile's client_id (the Trusted Application's ApplicationUri)",
        lambda e, v: remedy(
            RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field="client_id"
        ),
    ),
    "user-type": Meaning(
        "The user type {user_type!r} may not call this API",
        "community (external) users get identity tokens only; sign in as an internal user",
        lambda e, v: remedy(RemedyKind.SIGN_IN_FIRST, profile=v.get("profile", "")),
    ),
    "token-check-failed": Meaning(
        "A check of the token failed",
        "see the token report for what was observed and expected",
        lambda e, v: remedy(RemedyKind.VERIFY_WITH_AUTHORITY),
    ),
}

# Our own checks, by the key they point at. A check's reason may sharpen the key.
_NOT_A_TIME = re.compile(r"\bis not a time\b")
_UNKNOWN_KEY = re.compile(r"\bunknown key\b|\bnot in the authority's JWKS\b", re.IGNORECASE)


def check_key(e: Evidence, name: str) -> str:
    """The cause key a failed (or warned) check of the token points at."""
    c = e.check(name)
    if c is None:
        return ""
    if name == "issuer":
        return (
            "global-authority"
            if c.observed and classify(c.observed) == "global"
            else "wrong-issuer"
        )
    if name == "signature":
        if e.check_is("algorithm", "fail"):
            return "bad-algorithm"
        return "signing-key-unknown" if _UNKNOWN_KEY.search(c.reason) else "bad-signature"
    if name in ("expiry", "not_before", "issued_at") and c.status == "fail":
        if c.observed == "absent":
            return "token-no-expiry"  # only exp is required
        if _NOT_A_TIME.search(c.reason):
            return "token-malformed"
    return CHECK_KEYS.get(name, "token-check-failed")


CHECK_KEYS = {
    "format": "token-malformed",
    "algorithm": "bad-algorithm",
    "expiry": "token-expired",
    "not_before": "token-not-yet-valid",
    "issued_at": "clock-skew",  # a future iat (a warning): the clocks disagree
    "audience": "wrong-audience",
    "type": "wrong-token-type",
    "scope": "insufficient-scope",
    "client_id": "wrong-client",
    "introspection": "token-revoked",
}
CHECK_STEPS = {
    "issuer": "issuer",
    "algorithm": "signature",
    "signature": "signature",
    "expiry": "time",
    "not_before": "time",
    "issued_at": "time",
    "scope": "scopes",
}


def check_text(e: Evidence, name: str) -> str:
    c = e.check(name)
    if c is None:
        return ""
    return (
        f"our {name} check: {c.reason} (observed {c.observed or '-'}, expected {c.expected or '-'})"
    )


def _missing_scopes(e: Evidence) -> tuple[str, ...]:
    """What our scope check found missing; never a legacy or protocol scope (the preflight
    says to remove those, so no cause may say to allow them)."""
    c = e.check("scope")
    expected = (c.expected if c else "").split()
    granted = (c.observed if c else "").split()
    special = (*LEGACY_SCOPES, *PROTOCOL_SCOPES)
    return tuple(s for s in expected if s not in granted and s not in special)


def _missing_scope_values(e: Evidence) -> Values:
    needed = _missing_scopes(e)
    return {
        "needed": " ".join(needed),
        "needed_list": " ".join(needed),
        "needed_quoted": quote_scopes(needed),
    }


def _check_rule(name: str, key: str, status: str, strength: int) -> Rule:
    step = CHECK_STEPS.get(name)
    test: Test = lambda e: (  # noqa: E731
        e.check_is(name, status)
        and check_key(e, name) == key
        and (name != "scope" or bool(_missing_scopes(e)))
    )
    return Rule(
        key,
        test,
        lambda e: check_text(e, name),
        strength,
        (step,) if step else (),
        _missing_scope_values if name == "scope" else None,
    )


# (check, the key it points at, the check's status): a failed check is our own finding; a
# warning only makes its checklist step abnormal (the time step: leeway, a future iat).
CHECK_RULES = (
    ("format", "token-malformed", "fail"),
    ("issuer", "global-authority", "fail"),
    ("issuer", "wrong-issuer", "fail"),
    ("algorithm", "bad-algorithm", "fail"),
    ("signature", "bad-algorithm", "fail"),
    ("signature", "signing-key-unknown", "fail"),
    ("signature", "bad-signature", "fail"),
    ("expiry", "token-expired", "fail"),
    ("expiry", "token-no-expiry", "fail"),
    ("not_before", "token-not-yet-valid", "fail"),
    *((time, "token-malformed", "fail") for time in ("expiry", "not_before", "issued_at")),
    ("audience", "wrong-audience", "fail"),
    ("type", "wrong-token-type", "fail"),
    ("scope", "insufficient-scope", "fail"),
    ("client_id", "wrong-client", "fail"),
    ("expiry", "token-expired", "warn"),
    ("not_before", "token-not-yet-valid", "warn"),
    ("issued_at", "clock-skew", "warn"),
)

RULES: tuple[Rule, ...] = tuple(
    _check_rule(name, key, status, CHECKED if status == "fail" else ABNORMAL)
    for name, key, status in CHECK_RULES
)
