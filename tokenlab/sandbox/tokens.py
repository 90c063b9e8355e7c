"""Minting access tokens and id_tokens the way the instance identity service does."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import jwt

from .authority import PROTOCOL_SCOPES, Authority
from .grants import Session
from .keys import half_hash
from .registrations import TrustedApplication, User

API_AUDIENCES = ["DomainAPI", "TableAPI"]


def audience(authority: Authority, scopes: list[str]) -> str | list[str]:
    """API scopes give the API audiences; identity-only tokens get ``{issuer}/resources``."""
    if any(s not in PROTOCOL_SCOPES for s in scopes):
        return API_AUDIENCES
    return f"{authority.issuer}/resources"


def _base_claims(authority: Authority, client_id: str, scopes: list[str]) -> dict[str, Any]:
    now = int(authority.now())
    return {
        "iss": authority.issuer,
        "aud": audience(authority, scopes),
        "iat": now,
        "nbf": now,
        "exp": now + authority.settings.access_token_ttl,
        "jti": secrets.token_hex(16).upper(),
        "scope": list(scopes),
        "client_id": client_id,
    }


def user_claims(authority: Authority, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "email_verified": True,
        "locale": user.locale,
        "user_type": user.user_type,
        "is_admin": user.is_admin,
        "db": authority.settings.database,
    }


def service_access_token(authority: Authority, app: TrustedApplication, scopes: list[str]) -> str:
    claims = _base_claims(authority, app.client_id, scopes)
    claims.update(
        {
            "client_db": authority.settings.database,
            "client_system_user": app.system_user,
            "client_system_user_type": "Internal",
            "client_system_user_id": f"system:{app.system_user}",
        }
    )
    return authority.key.sign(claims, typ="at+jwt")


def user_access_token(
    authority: Authority, client_id: str, scopes: list[str], user: User, sid: str, auth_time: int
) -> str:
    claims = _base_claims(authority, client_id, scopes)
    claims.update({"sub": user.id, "auth_time": auth_time, "sid": sid, "idp": "local"})
    claims.update(user_claims(authority, user))
    return authority.key.sign(claims, typ="at+jwt")


def id_token(
    authority: Authority,
    client_id: str,
    session: Session,
    scopes: list[str],
    *,
    nonce: str | None = None,
    code: str | None = None,
    access_token: str | None = None,
) -> str:
    now = int(authority.now())
    claims: dict[str, Any] = {
        "iss": authority.issuer,
        "aud": client_id,
        "iat": now,
        "nbf": now,
        "exp": now + authority.settings.id_token_ttl,
        "sub": session.user.id,
        "auth_time": session.auth_time,
        "sid": session.sid,
        "idp": "local",
        "amr": ["pwd"],
    }
    if nonce:
        claims["nonce"] = nonce
    if code:
        claims["c_hash"] = half_hash(code)
    if access_token:
        claims["at_hash"] = half_hash(access_token)
    if "profile" in scopes:
        claims.update(user_claims(authority, session.user))
    return authority.key.sign(claims, typ="JWT")


class InvalidToken(Exception):
    """Why a bearer token is not acceptable; the message is safe to send back."""


def check_access_token(
    authority: Authority, token: str, audience: str | None = None
) -> dict[str, Any]:
    """Validate a JWT access token from ``authority`` against the sandbox clock."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("the token is malformed (not a JWT)") from None
    issuer = unverified.get("iss")
    if issuer != authority.issuer:
        raise InvalidToken(
            f"the issuer '{issuer}' does not match the instance identity service "
            f"'{authority.issuer}'"
        )
    if header.get("kid") != authority.key.kid:
        raise InvalidToken(f"the token is signed with an unknown key (kid '{header.get('kid')}')")
    try:
        claims = authority.key.verify(token)
    except jwt.PyJWTError:
        raise InvalidToken("the token signature is invalid") from None
    if header.get("typ") != "at+jwt":
        raise InvalidToken(
            f"the token is not an access token (typ '{header.get('typ')}'); "
            "was an id_token sent instead?"
        )
    now = authority.now()
    if float(claims.get("nbf", 0)) > now:
        raise InvalidToken("the token is not valid yet (nbf is in the future)")
    exp = float(claims.get("exp", 0))
    if exp <= now:
        when = datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise InvalidToken(f"the token expired at {when}")
    if audience is not None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if audience not in audiences:
            raise InvalidToken(f"the token audience {audiences} does not include '{audience}'")
    return claims
