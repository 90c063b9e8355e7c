"""A token's claims: readable times, what each known claim means, whether each fits, what changed.

Pure functions over already-decoded claims: no keys, no network. `tokens.py` decodes the token,
checks its header and signature, and assembles the `TokenReport` from the checks here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from tokenlab.core.authority import classify

Status = Literal["pass", "warn", "fail", "skip"]
Expectation = Literal["access", "id", "refresh", "any"]  # what the token should be
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")

# Claims that hold a NumericDate (seconds since the epoch, RFC 7519 2).
TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time", "updated_at")

# Claims that differ between any two tokens by design: a change here is expected churn.
CHURN_CLAIMS = frozenset(
    {"iat", "nbf", "exp", "jti", "auth_time", "sid", "nonce", "at_hash", "c_hash", "s_hash"}
)
CHURN_HEADER = frozenset({"kid"})  # keys rotate; a different kid alone is no mistake

# What each claim means. Standard JWT/OIDC ones, then the platform's own.
KNOWN_CLAIMS: dict[str, str] = {
    "iss": "issuer: the authority that signed the token; must be the instance identity service",
    "sub": "subject: the user (or client) the token is about",
    "aud": "audience: the APIs that may accept the token",
    "exp": "expires: the API refuses the token after this time",
    "nbf": "not before: the API refuses the token before this time",
    "iat": "issued at",
    "jti": "token id: unique per token",
    "auth_time": "when the user signed in",
    "sid": "sign-in session id",
    "idp": "where the user signed in (local = the instance's own sign-in)",
    "amr": "how the user authenticated (pwd = password)",
    "acr": "authentication context class",
    "nonce": "echo of the nonce the client sent (id_token replay protection)",
    "at_hash": "hash of the access token issued with this id_token",
    "c_hash": "hash of the authorization code issued with this id_token",
    "azp": "authorized party: the client the token was issued to",
    "client_id": "the Trusted Application (ApplicationUri) that requested the token",
    "scope": "granted scopes: read = read-only API access, update = create/modify/delete",
    "scp": "granted scopes (alternative claim name)",
    "name": "user's display name",
    "email": "user's email",
    "email_verified": "whether the email was verified",
    "locale": "user's language",
    "preferred_username": "user's sign-in name",
    "id": "platform: the user's id in the instance",
    "user_type": "platform: user type (Internal users call the APIs; Community users get no API tokens)",
    "is_admin": "platform: whether the user is an instance administrator",
    "db": "platform: the instance database the user signed in to",
    "client_db": "platform: the instance database of the service application",
    "client_system_user": "platform: the Trusted Application's SystemUser that API calls run as",
    "client_system_user_type": "platform: the type of that system user",
    "client_system_user_id": "platform: the id of that system user",
    "cnf": "confirmation: the key the token is bound to (proof of possession)",
    "act": "actor: who acts on behalf of the subject (token exchange)",
}

KNOWN_HEADER: dict[str, str] = {
    "alg": "signature algorithm",
    "kid": "id of the authority's signing key (looked up in its JWKS)",
    "typ": "token type: at+jwt for access tokens (RFC 9068), JWT for id_tokens",
    "cty": "content type",
    "jku": "URL of a key set: never fetched (an attacker could point it at their own keys)",
    "x5u": "URL of a certificate: never fetched",
    "jwk": "a key embedded in the token: never trusted",
    "x5c": "certificates embedded in the token: never trusted",
    "x5t": "thumbprint of the signing certificate (SHA-1)",
    "x5t#S256": "thumbprint of the signing certificate (SHA-256)",
    "crit": "header parameters the verifier must understand",
    "enc": "content encryption algorithm (encrypted token)",
    "zip": "compression",
}


def as_time(value: Any) -> float | None:
    """A usable NumericDate, or None (bools, strings, NaN and absurd values are not times)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or not -62_135_596_800 <= number <= 253_402_300_799:
        return None  # outside years 1..9999: datetime cannot show it
    return number


def utc_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration_text(seconds: float) -> str:
    """`45 s`, `59 min`, `5 h 3 min`, `12 days`: coarse on purpose, it is for reading."""
    s = abs(seconds)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s // 60:.0f} min"
    if s < 48 * 3600:
        hours, rest = divmod(s, 3600)
        return f"{hours:.0f} h {rest // 60:.0f} min" if rest >= 60 else f"{hours:.0f} h"
    return f"{s // 86400:.0f} days"


def relative_text(timestamp: float, now: float) -> str:
    """`in 59 min`, `3 min ago`, `now`."""
    delta = timestamp - now
    if abs(delta) < 1:
        return "now"
    return f"in {duration_text(delta)}" if delta > 0 else f"{duration_text(delta)} ago"


def printable(text: str) -> str:
    """`text` with control and format characters escaped: a token's claims are attacker-written,
    and an ANSI escape or a right-to-left override in one must not reach the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def value_text(value: Any) -> str:
    """A claim's value on one line: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return printable(value)
    return printable(json.dumps(value, ensure_ascii=False, separators=(",", " ")))


def scopes_of(claims: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The granted scopes: `scope` as a space-separated string or an array (or `scp`); None if absent."""
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list):
            return tuple(str(v) for v in value)
    return None


def audiences_of(claims: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = claims.get("aud")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return None


@dataclass(frozen=True)
class ClaimRow:
    name: str
    value: str  # the value on one line
    readable: str  # times: UTC and relative; else empty
    note: str  # what the claim means, and time left for exp

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "value": self.value,
            "readable": self.readable,
            "note": self.note,
        }


def claim_row(name: str, value: Any, now: float) -> ClaimRow:
    note = KNOWN_CLAIMS.get(name, "")
    readable = ""
    if name in TIME_CLAIMS:
        when = as_time(value)
        if when is None:
            note = f"{note}; not a valid time" if note else "not a valid time"
        else:
            readable = f"{utc_text(when)} ({relative_text(when, now)})"
            if name == "exp":
                left = when - now
                note = (
                    f"{duration_text(left)} left; {note}"
                    if left >= 1
                    else f"EXPIRED {duration_text(left)} ago; {note}"
                    if left <= -1
                    else f"expires now; {note}"
                )
    return ClaimRow(name, value_text(value), readable, note)


def claim_table(claims: Mapping[str, Any], now: float) -> tuple[ClaimRow, ...]:
    """Every claim, in the token's own order, each with its meaning and readable times."""
    rows = [claim_row(name, value, now) for name, value in claims.items()]
    iat, exp = as_time(claims.get("iat")), as_time(claims.get("exp"))
    if iat is not None and exp is not None and exp >= iat:
        rows = [
            ClaimRow(r.name, r.value, r.readable, f"{r.note}; lifetime {duration_text(exp - iat)}")
            if r.name == "exp"
            else r
            for r in rows
        ]
    return tuple(rows)


# -- checks of the claims against what is expected ----------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    observed: str
    expected: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "status": self.status,
            "observed": self.observed,
            "expected": self.expected,
            "reason": self.reason,
        }


def skip_check(name: str, reason: str, observed: str = "", expected: str = "") -> Check:
    return Check(name, "skip", observed, expected, reason)


def _same_but_scheme(a: str, b: str) -> bool:
    try:
        return urlsplit(a)[1:] == urlsplit(b)[1:]
    except ValueError:
        return False


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
        return skip_check("issuer", "no expected authority: give --authority or --profile", iss)
    if iss == expected:
        return Check("issuer", "pass", iss, expected, "the instance identity service issued it")
    if iss.rstrip("/") == expected.rstrip("/"):
        reason = "differs only by a trailing slash, and the API compares the issuer exactly: set the authority to exactly the token's iss"
    elif iss.lower() == expected.lower():
        reason = "differs only in letter case, and the API compares the issuer exactly"
    elif _same_but_scheme(iss, expected):
        reason = "differs only in the scheme (http/https), and the API compares the issuer exactly"
    else:
        reason = "another authority issued it: the instance APIs accept only tokens from their own identity service"
    return Check("issuer", "fail", iss, expected, reason)


def time_checks(
    claims: Mapping[str, Any], now: float, leeway: float, skew: float, expect: Expectation
) -> list[Check]:
    """exp, nbf, iat against the server's time (this machine's clock plus the measured skew)."""
    server_now = now + skew
    clock = f"now is {utc_text(server_now)}"
    if abs(skew) >= 1:
        clock += f" by the server's clock ({skew:+.0f} s from this machine's)"
    checks: list[Check] = []

    exp_raw, exp = claims.get("exp"), as_time(claims.get("exp"))
    want = f"later than now, leeway {leeway:g} s"
    if exp_raw is None:
        checks.append(
            Check(
                "expiry",
                "fail" if expect == "access" else "warn",
                "absent",
                want,
                "the token never expires: the platform's APIs refuse access tokens without exp",
            )
        )
    elif exp is None:
        checks.append(Check("expiry", "fail", str(exp_raw), want, "exp is not a time"))
    else:
        left = exp - server_now
        seen = f"{utc_text(exp)} ({relative_text(exp, server_now)})"
        if left > 0:
            reason = f"valid for {duration_text(left)} more; {clock}"
            if exp <= now:  # fine for the server, already expired by this machine's clock
                reason += "; by this machine's clock it has expired: fix the clock (NTP)"
            checks.append(Check("expiry", "pass", seen, want, reason))
        elif left > -leeway:
            checks.append(
                Check(
                    "expiry",
                    "warn",
                    seen,
                    want,
                    f"expired {duration_text(left)} ago, accepted only within the leeway; {clock}",
                )
            )
        else:
            checks.append(
                Check(
                    "expiry",
                    "fail",
                    seen,
                    want,
                    f"expired {duration_text(left)} ago: get a new token; {clock}",
                )
            )

    nbf_raw, nbf = claims.get("nbf"), as_time(claims.get("nbf"))
    want = f"not later than now, leeway {leeway:g} s"
    if nbf_raw is None:
        checks.append(Check("not_before", "pass", "absent", want, "no nbf: valid from issue"))
    elif nbf is None:
        checks.append(Check("not_before", "fail", str(nbf_raw), want, "nbf is not a time"))
    else:
        early = nbf - server_now
        seen = f"{utc_text(nbf)} ({relative_text(nbf, server_now)})"
        if early > leeway:
            checks.append(
                Check(
                    "not_before",
                    "fail",
                    seen,
                    want,
                    f"not valid for another {duration_text(early)}: a clock is wrong (this machine's "
                    f"or the identity service's) or the token was made for later; {clock}",
                )
            )
        elif early > 1:  # NumericDates and the Date header have 1 s resolution: less is noise
            checks.append(
                Check(
                    "not_before",
                    "warn",
                    seen,
                    want,
                    f"valid only in {duration_text(early)}, accepted within the leeway; {clock}",
                )
            )
        else:
            checks.append(Check("not_before", "pass", seen, want, "already valid"))

    iat_raw, iat = claims.get("iat"), as_time(claims.get("iat"))
    want = f"not in the future, leeway {leeway:g} s"
    if iat_raw is None:
        checks.append(Check("issued_at", "pass", "absent", want, "no iat (optional)"))
    elif iat is None:
        checks.append(Check("issued_at", "fail", str(iat_raw), want, "iat is not a time"))
    elif iat - server_now > leeway:
        # APIs do not reject on iat, but a future iat is the clearest sign of a clock problem
        checks.append(
            Check(
                "issued_at",
                "warn",
                f"{utc_text(iat)} ({relative_text(iat, server_now)})",
                want,
                f"issued {duration_text(iat - server_now)} in the future: the identity service's "
                "clock and this machine's disagree (sync with NTP)",
            )
        )
    else:
        checks.append(
            Check(
                "issued_at",
                "pass",
                f"{utc_text(iat)} ({relative_text(iat, server_now)})",
                want,
                f"issued {relative_text(iat, server_now)}",
            )
        )
    return checks


def audience_check(claims: Mapping[str, Any], expected: str | None) -> Check:
    auds = audiences_of(claims)
    seen = ", ".join(auds) if auds is not None else "absent"
    if not expected:
        return skip_check(
            "audience", "no expected audience: give --audience or a profile with one", seen
        )
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
        return skip_check("scope", "no required scopes: give --scope or --profile", seen)
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
        return skip_check("client_id", "no expected client: give --client-id or --profile", seen)
    if value == expected:
        return Check("client_id", "pass", seen, expected, "issued to this Trusted Application")
    return Check(
        "client_id",
        "fail",
        seen,
        expected,
        "issued to another client: check the profile's client_id (the ApplicationUri)",
    )


# -- comparing two tokens' claims -----------------------------------------------------------


Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class ClaimDiff:
    """One difference between two tokens. `name` is `header.X` for a header parameter."""

    name: str
    change: Change
    before: Any
    after: Any
    expected: bool  # churn that every new token has (iat, exp, jti, ...), not a finding
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "expected": self.expected,
            "note": self.note,
        }


def _diff_note(name: str, before: Any, after: Any, expected: bool) -> str:
    if expected:
        t0, t1 = as_time(before), as_time(after)
        if name in TIME_CLAIMS and t0 is not None and t1 is not None:
            return f"expected: differs in every new token ({t1 - t0:+.0f} s)"
        return "expected: differs in every new token"
    if name == "scope":
        b = set(scopes_of({"scope": before}) or ())
        a = set(scopes_of({"scope": after}) or ())
        parts = []
        if a - b:
            parts.append("granted now: " + " ".join(sorted(a - b)))
        if b - a:
            parts.append("no longer granted: " + " ".join(sorted(b - a)))
        return "; ".join(parts) or "same scopes, other order or form"
    return KNOWN_CLAIMS.get(name, "")


def compare_claims(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    prefix: str = "",
    churn: frozenset[str] = CHURN_CLAIMS,
) -> list[ClaimDiff]:
    """Every added, removed and changed member, in `before`'s order then `after`'s new ones."""
    diffs: list[ClaimDiff] = []
    for name in [*before, *(n for n in after if n not in before)]:
        expected = name in churn
        if name not in after:
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "removed",
                    before[name],
                    None,
                    False,
                    _diff_note(name, before[name], None, False),
                )
            )
        elif name not in before:
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "added",
                    None,
                    after[name],
                    False,
                    _diff_note(name, None, after[name], False),
                )
            )
        elif before[name] != after[name] or type(before[name]) is not type(after[name]):
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "changed",
                    before[name],
                    after[name],
                    expected,
                    _diff_note(name, before[name], after[name], expected),
                )
            )
    return diffs
