"""A token's claims made readable: times in UTC and relative, one-line values, what each known
claim and header parameter means, the granted scopes and audiences.

Pure functions over already-decoded claims: nothing here judges a claim (see `claim_checks`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tokenlab.core.terminal_text import inert_line

# Claims that hold a NumericDate (seconds since the epoch, RFC 7519 2).
TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time", "updated_at")

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


_FIRST_TIME, _LAST_TIME = -62_135_596_800, 253_402_300_799  # years 1 and 9999: datetime's range


def time_problem(value: Any) -> str | None:
    """Why `value` is not a usable NumericDate, in a few words (None when it is one)."""
    if type(value) in (int, float) and _FIRST_TIME <= value <= _LAST_TIME:
        return None  # the usual case (NaN fails the comparison and is judged below)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"it is {type(value).__name__ if value is not None else 'null'}, not a number"
    if isinstance(value, float) and math.isnan(value):
        return "it is NaN, not a number"
    if (isinstance(value, int) and value.bit_length() > 64) or not math.isfinite(value):
        return "the number is too large to be a time"
    if not _FIRST_TIME <= value <= _LAST_TIME:
        return "the number is outside the years 1 to 9999"
    return None


def as_time(value: Any) -> float | None:
    """A usable NumericDate, or None (bools, strings, NaN, numbers too large to be a time and
    times outside the years 1..9999 are not times: `time_problem` says which)."""
    return None if time_problem(value) is not None else float(value)


def utc_text(timestamp: float) -> str:
    """`2026-12-03 19:40:29 UTC`: the second the time falls in."""
    if 0 <= timestamp < _YEAR_10000:  # without datetime (4 per check): C's strftime, numbers only
        whole = timestamp
        if timestamp % 1 and round(timestamp % 1 * 1e6) >= 1_000_000:
            whole = timestamp // 1 + 1  # datetime rounds to microseconds first
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(whole))
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_YEAR_10000 = 253_402_300_800


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
    return inert_line(text)  # the one rule for text on its way to a terminal


def value_text(value: Any) -> str:
    """A claim's value on one line: strings as they are, a number of more digits than any
    time or count has shortened, everything else as compact JSON."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[:12]}... ({len(digits)} digits)"
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
            why = f"not a valid time: {time_problem(value)}"
            note = f"{note}; {why}" if note else why
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


def header_row(name: str, value: Any) -> ClaimRow:
    return ClaimRow(name, value_text(value), "", KNOWN_HEADER.get(name, ""))
