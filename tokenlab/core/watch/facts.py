"""What watch mode knows about a token without ever keeping it: its id, key, times and scopes.

A token is named by its `jti` claim, else by a short hash of its value: enough to tell "the same
token" from "a new one" in a timeline, useless to anyone who reads the timeline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch.times import time_fields

JTI_CHARS = 16  # a jti is often a 32-hex GUID: its start tells tokens apart in a table
HASH_CHARS = 10


def _claims_and_header(value: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        decoded = decode_token(value)
    except TokenFormatError:
        return {}, {}
    return dict(decoded.claims), dict(decoded.header)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def token_id(value: str, claims: dict[str, Any] | None = None) -> str:
    """`jti:…` when the token names itself, else `sha256:…` of its value (never the value)."""
    jti = (claims if claims is not None else _claims_and_header(value)[0]).get("jti")
    if isinstance(jti, str) and jti.strip():
        return f"jti:{jti.strip()[:JTI_CHARS]}"
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:HASH_CHARS]


@dataclass(frozen=True)
class TokenFacts:
    """One token as the timeline shows it."""

    token_id: str
    kid: str  # the signing key it names ("" for an opaque or reference token)
    expires_at: float | None
    scopes: tuple[str, ...]
    has_refresh_token: bool
    refresh_expires_at: float | None  # known when the refresh token is a JWT (its exp)
    signed_in_at: float | None  # auth_time: when the user signed in (a sign-in session's start)

    def to_json(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "kid": self.kid,
            **time_fields("expires_at", self.expires_at),
            "scopes": list(self.scopes),
            "has_refresh_token": self.has_refresh_token,
            **time_fields("refresh_expires_at", self.refresh_expires_at),
            **time_fields("signed_in_at", self.signed_in_at),
        }


def token_facts(token: TokenSet) -> TokenFacts:
    claims, header = _claims_and_header(token.access_token)
    refresh_exp = None
    if token.refresh_token:
        refresh_exp = _number(_claims_and_header(token.refresh_token)[0].get("exp"))
    signed_in = _number(claims.get("auth_time"))
    if signed_in is None and token.id_token:
        signed_in = _number(_claims_and_header(token.id_token)[0].get("auth_time"))
    kid = header.get("kid")
    return TokenFacts(
        token_id=token_id(token.access_token, claims),
        kid=kid if isinstance(kid, str) else "",
        expires_at=token.expires_at if token.expires_at is not None else _number(claims.get("exp")),
        scopes=token.scope,
        has_refresh_token=bool(token.refresh_token),
        refresh_expires_at=refresh_exp,
        signed_in_at=signed_in,
    )
