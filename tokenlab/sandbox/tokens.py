"""Minting access tokens and id_tokens the way the instance identity service does, checking
bearer tokens, and the RFC 6750 answer when one is missing or refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import jwt

from .authority import PROTOCOL_SCOPES, Authority
from .grants import Session
from .keys import half_hash
from .registrations import TrustedApplication, User
from .server import Request, Response, json_response

API_AUDIENCES = ["DomainAPI", "TableAPI"]


def audience(authority: Authority, scopes: list[str]) -> str | list[str]:
    """API scopes give the API audiences; identity-only tokens get ``{issuer}/resources``."""
    if any(s not in PROTOCOL_SCOPES for s in scopes):
        return API_AUDIENCES
    return f"{authority.issuer}/resources"


def _timed_claims(authority: Authority, aud: str | list[str], ttl: int) -> dict[str, Any]:
    now = int(authority.now())
    return {"iss": authority.issuer, "aud": aud, "iat": now, "nbf": now, "exp": now + ttl}


def _access_claims(authority: Authority, client_id: str, scopes: list[str]) -> dict[str, Any]:
    claims = _timed_claims(
        authority, audience(authority, scopes), authority.settings.access_token_ttl
    )
    claims.update(
        {"jti": secrets.token_hex(16).upper(), "scope": list(scopes), "client_id": client_id}
    )
    return claims


def _session_claims(session: Session) -> dict[str, Any]:
    return {
        "sub": session.user.id,
        "auth_time": session.auth_time,
        "sid": session.sid,
        "idp": "local",
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
    claims = _access_claims(authority, app.client_id, scopes)
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
    authority: Authority, client_id: str, scopes: list[str], session: Session
) -> str:
    claims = _access_claims(authority, client_id, scopes)
    claims.update(_session_claims(session))
    claims.update(user_claims(authority, session.user))
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
    claims = _timed_claims(authority, client_id, authority.settings.id_token_ttl)
    claims.update(_session_claims(session))
    claims["amr"] = ["pwd"]
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


def bearer_error(status: int, error: str | None, description: str = "") -> Response:
    challenge = "Bearer"
    if error:
        safe = description.replace('"', "'").replace("\\", "/")
        challenge = f'Bearer error="{error}", error_description="{safe}"'
    body: dict[str, str] = {"error": error or "invalid_request"}
    if description:
        body["error_description"] = description
    return json_response(body, status).header("WWW-Authenticate", challenge)


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.method == "POST":
        return request.form.get("access_token") or None
    return None
