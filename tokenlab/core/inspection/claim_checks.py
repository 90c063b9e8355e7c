"""Checks of a token's claims against what is expected: issuer, times, audience, type, scope,
client. Pure functions over already-decoded claims: no keys, no network.

An expectation that was not given makes its check `skip`, with a `GIVE_EXPECTATION` remedy
naming what to give; the face decides how it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tokenlab.core.authority_kind import classify
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.inspection.checks import Check, Expectation, skip_check
from tokenlab.core.inspection.claims import (
    as_time,
    audiences_of,
    duration_text,
    relative_text,
    scopes_of,
    time_problem,
    utc_text,
    value_text,
)

ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


def _give(what: str) -> Remedy:
    return remedy(RemedyKind.GIVE_EXPECTATION, what=what)


def _same_but_scheme(a: str, b: str) -> bool:
    try:
        return urlsplit(a)[1:] == urlsplit(b)[1:]
    except ValueError:
        return False


def _issuer_mismatch(iss: str, expected: str) -> str:
    if iss.rstrip("/") == expected.rstrip("/"):
        return (
            "differs only by a trailing slash, and the API compares the issuer exactly: set the "
            "authority to exactly the token's iss"
        )
    if iss.lower() == expected.lower():
        return "differs only in letter case, and the API compares the issuer exactly"
    if _same_but_scheme(iss, expected):
        return "differs only in the scheme (http/https), and the API compares the issuer exactly"
    return "another authority issued it: the instance APIs accept only tokens from their own identity service"


def issuer_check(
    claims: Mapping[str, Any], expected: str | None, global_authorities: tuple[str, ...]
) -> Check:
    iss = claims.get("iss")
    want = expected or "the instance identity service, https://{instance}/id"
    if not isinstance(iss, str) or not iss:
        return Check("issuer", "fail", "absent", want, "the token names no issuer (iss)")
    if classify(iss, global_authorities) == "global":  # safe on any string: iss is untrusted
        return Check(
            "issuer",
            "fail",
            iss,
            want,
            "issued by a global authority: it signs people in but never issues tokens the instance "
            "APIs accept (the most common mistake); get the token from the instance identity service",
        )
    if not expected:
        return skip_check("issuer", "no expected authority", iss, remedy=_give("issuer"))
    if iss == expected:
        return Check("issuer", "pass", iss, expected, "the instance identity service issued it")
    return Check("issuer", "fail", iss, expected, _issuer_mismatch(iss, expected))


# -- times: each claim read against the server's time (this machine's clock plus the skew) -----


@dataclass(frozen=True)
class ServerTime:
    now: float  # this machine's clock
    skew: float  # the server's clock minus this machine's
    leeway: float

    @property
    def server_now(self) -> float:
        return self.now + self.skew

    @property
    def clock(self) -> str:
        text = f"now is {utc_text(self.server_now)}"
        if abs(self.skew) >= 1:
            text += f" by the server's clock ({self.skew:+.0f} s from this machine's)"
        return text

    def seen(self, when: float) -> str:
        return f"{utc_text(when)} ({relative_text(when, self.server_now)})"


def _not_a_time(name: str, value: Any) -> str:
    return f"{name} is not a time: {time_problem(value)}"


def expiry_check(exp_raw: Any, t: ServerTime, expect: Expectation) -> Check:
    want = f"later than now, leeway {t.leeway:g} s"
    exp = as_time(exp_raw)
    if exp_raw is None:
        return Check(
            "expiry",
            "fail" if expect == "access" else "warn",
            "absent",
            want,
            "the token never expires: the platform's APIs refuse access tokens without exp",
        )
    if exp is None:
        return Check("expiry", "fail", value_text(exp_raw), want, _not_a_time("exp", exp_raw))
    left, seen = exp - t.server_now, t.seen(exp)
    if left > 0:
        reason = f"valid for {duration_text(left)} more; {t.clock}"
        if exp <= t.now:  # fine for the server, already expired by this machine's clock
            reason += "; by this machine's clock it has expired: fix the clock (NTP)"
        return Check("expiry", "pass", seen, want, reason)
    if left > -t.leeway:
        return Check(
            "expiry",
            "warn",
            seen,
            want,
            f"expired {duration_text(left)} ago, accepted only within the leeway; {t.clock}",
        )
    return Check(
        "expiry",
        "fail",
        seen,
        want,
        f"expired {duration_text(left)} ago: get a new token; {t.clock}",
    )


def not_before_check(nbf_raw: Any, t: ServerTime, expect: Expectation) -> Check:
    want = f"not later than now, leeway {t.leeway:g} s"
    nbf = as_time(nbf_raw)
    if nbf_raw is None:
        return Check("not_before", "pass", "absent", want, "no nbf: valid from issue")
    if nbf is None:
        return Check("not_before", "fail", value_text(nbf_raw), want, _not_a_time("nbf", nbf_raw))
    early, seen = nbf - t.server_now, t.seen(nbf)
    if early > t.leeway:
        return Check(
            "not_before",
            "fail",
            seen,
            want,
            f"not valid for another {duration_text(early)}: a clock is wrong (this machine's "
            f"or the identity service's) or the token was made for later; {t.clock}",
        )
    if early > 1:  # NumericDates and the Date header have 1 s resolution: less is noise
        return Check(
            "not_before",
            "warn",
            seen,
            want,
            f"valid only in {duration_text(early)}, accepted within the leeway; {t.clock}",
        )
    return Check("not_before", "pass", seen, want, "already valid")


def issued_at_check(iat_raw: Any, t: ServerTime, expect: Expectation) -> Check:
    want = f"not in the future, leeway {t.leeway:g} s"
    iat = as_time(iat_raw)
    if iat_raw is None:
        return Check("issued_at", "pass", "absent", want, "no iat (optional)")
    if iat is None:
        return Check("issued_at", "fail", value_text(iat_raw), want, _not_a_time("iat", iat_raw))
    ahead = iat - t.server_now
    if ahead > t.leeway:
        # APIs do not reject on iat, but a future iat is the clearest sign of a clock problem
        return Check(
            "issued_at",
            "warn",
            t.seen(iat),
            want,
            f"issued {duration_text(ahead)} in the future: the identity service's "
            "clock and this machine's disagree (sync with NTP)",
        )
    return Check(
        "issued_at", "pass", t.seen(iat), want, f"issued {relative_text(iat, t.server_now)}"
    )


TIME_CHECKS: tuple[tuple[str, Callable[[Any, ServerTime, Expectation], Check]], ...] = (
    ("exp", expiry_check),
    ("nbf", not_before_check),
    ("iat", issued_at_check),
)


def time_checks(
    claims: Mapping[str, Any], now: float, leeway: float, skew: float, expect: Expectation
) -> list[Check]:
    """exp, nbf, iat against the server's time (this machine's clock plus the measured skew)."""
    t = ServerTime(now, skew, leeway)
    return [check(claims.get(name), t, expect) for name, check in TIME_CHECKS]


# -- what the token is for ------------------------------------------------------------------


def audience_check(claims: Mapping[str, Any], expected: str | None) -> Check:
    auds = audiences_of(claims)
    seen = ", ".join(auds) if auds is not None else "absent"
    if not expected:
        return skip_check("audience", "no expected audience", seen, remedy=_give("audience"))
    if auds is None:
        return Check("audience", "fail", seen, expected, "the token names no audience (aud)")
    if expected in auds:
        return Check("audience", "pass", seen, expected, "issued for this API")
    return Check(
        "audience",
        "fail",
        seen,
        expected,
        f"issued for {seen}, not {expected}: the API refuses tokens meant for another audience",
    )


def _looks_like_id_token(claims: Mapping[str, Any]) -> bool:
    return any(k in claims for k in ("nonce", "at_hash", "c_hash")) or (
        "scope" not in claims and "auth_time" in claims
    )


def type_check(header: Mapping[str, Any], claims: Mapping[str, Any], expect: Expectation) -> Check:
    typ = header.get("typ")
    seen = str(typ) if typ is not None else "absent"
    is_access = isinstance(typ, str) and typ.lower() in ACCESS_TOKEN_TYPES
    if expect == "access":
        if is_access:
            return Check("type", "pass", seen, "at+jwt", "marked as an access token (RFC 9068)")
        reason = f"typ is {seen}, not at+jwt"
        if _looks_like_id_token(claims):
            reason += ": this looks like an id_token (it proves a sign-in); send the access token to the API"
        else:
            reason += ": not marked as an access token; the platform's identity service marks its access tokens at+jwt"
        return Check("type", "warn", seen, "at+jwt", reason)
    if expect == "id":
        if is_access:
            return Check("type", "fail", seen, "JWT", "this is an access token, not an id_token")
        return Check("type", "pass", seen, "JWT", "not an access token")
    return skip_check("type", f"no type expected for a {expect} token", seen)


def scope_check(claims: Mapping[str, Any], required: Sequence[str]) -> Check:
    granted = scopes_of(claims)
    seen = " ".join(granted) if granted is not None else "absent"
    want = " ".join(required)
    if not required:
        return skip_check("scope", "no required scopes", seen, remedy=_give("scopes"))
    if granted is None:
        return Check("scope", "fail", seen, want, "the token grants no scope (no scope claim)")
    missing = [s for s in required if s not in granted]
    if missing:
        return Check(
            "scope",
            "fail",
            seen,
            want,
            f"missing {' '.join(missing)}: request it, and allow it in the Trusted Application's "
            "Scope (scopes are case-sensitive)",
        )
    return Check("scope", "pass", seen, want, "every required scope is granted")


def client_check(claims: Mapping[str, Any], expected: str | None) -> Check:
    value = claims.get("client_id", claims.get("azp"))
    seen = str(value) if value is not None else "absent"
    if not expected:
        return skip_check("client_id", "no expected client", seen, remedy=_give("client_id"))
    if value == expected:
        return Check("client_id", "pass", seen, expected, "issued to this Trusted Application")
    return Check(
        "client_id",
        "fail",
        seen,
        expected,
        "issued to another client: check the profile's client_id (the ApplicationUri)",
    )
