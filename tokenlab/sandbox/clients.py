"""OAuth errors and client authentication: secret (basic, post) and private_key_jwt."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any
from urllib.parse import unquote_plus

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .authority import Authority
from .registrations import TrustedApplication, hash_secret
from .server import Request, Response, json_response

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGS = ["RS256", "RS384", "RS512", "PS256", "ES256"]


class OAuthError(Exception):
    """An RFC 6749 error response: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        body = {"error": self.error, "error_description": self.description}
        resp = json_response(body, self.status)
        if self.status == 401:
            resp.header("WWW-Authenticate", 'Basic realm="sandbox", charset="UTF-8"')
        return resp


def invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, 401)


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_request", "malformed Basic authorization header") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_request", "malformed Basic authorization header")
    return unquote_plus(client_id), unquote_plus(secret)


def _public_key(registered: str | dict[str, Any]) -> Any:
    if isinstance(registered, dict):
        return jwt.PyJWK(registered).key
    text = registered.strip()
    if text.startswith("{"):
        return jwt.PyJWK(json.loads(text)).key
    return load_pem_public_key(text.encode())


def _verify_assertion(authority: Authority, app: TrustedApplication, assertion: str) -> None:
    if app.public_key is None:
        raise invalid_client(f"client '{app.client_id}' has no public key for private_key_jwt")
    try:
        claims: dict[str, Any] = jwt.decode(
            assertion,
            _public_key(app.public_key),
            algorithms=ASSERTION_ALGS,
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "require": ["iss", "sub", "aud", "exp", "jti"],
            },
        )
    except jwt.PyJWTError as exc:
        raise invalid_client(f"client assertion rejected: {exc}") from None
    if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
        raise invalid_client("client assertion iss and sub must both be the client_id")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    accepted = {authority.url("/connect/token"), authority.issuer}
    if not accepted.intersection(audiences):
        raise invalid_client(f"client assertion aud must be {authority.url('/connect/token')}")
    now = authority.now()
    if float(claims["exp"]) <= now:
        raise invalid_client("client assertion expired")
    used = authority.store.used_assertions
    for key, exp in list(used.items()):
        if exp <= now:
            del used[key]
    key = f"{app.client_id}\n{claims['jti']}"
    if key in used:
        raise invalid_client("client assertion jti was already used")
    used[key] = float(claims["exp"])


def authenticate_client(authority: Authority, request: Request) -> TrustedApplication:
    """The calling client, authenticated; raises :class:`OAuthError` otherwise."""
    form = request.form
    basic = _basic(request.headers.get("authorization", ""))
    post_secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    used = [m for m, v in (("basic", basic), ("post", post_secret), ("jwt", assertion)) if v]
    if len(used) > 1:
        raise OAuthError("invalid_request", "use exactly one client authentication method")
    if assertion and form.get("client_assertion_type") != JWT_BEARER:
        raise OAuthError("invalid_request", f"client_assertion_type must be {JWT_BEARER}")
    client_id = basic[0] if basic else form.get("client_id")
    if not client_id and assertion:
        try:
            client_id = str(jwt.decode(assertion, options={"verify_signature": False}).get("sub"))
        except jwt.PyJWTError:
            raise invalid_client("client assertion is not a JWT") from None
    if basic and form.get("client_id") and form["client_id"] != basic[0]:
        raise OAuthError("invalid_request", "client_id in the body differs from Basic auth")
    if not client_id:
        raise OAuthError("invalid_request", "client_id is missing")
    app = authority.app(client_id)
    if app is None:
        raise invalid_client(f"unknown client '{client_id}' (no Trusted Application)")
    if not app.is_enabled:
        raise invalid_client(f"the Trusted Application '{client_id}' is disabled")
    if app.client_type == "None":
        raise invalid_client(f"the Trusted Application '{client_id}' has ClientType None")
    secret = basic[1] if basic else post_secret
    if app.is_public:
        if secret or assertion:
            raise invalid_client("a Public client must not send a client secret or assertion")
        return app
    if assertion:
        _verify_assertion(authority, app, assertion)
        return app
    if not secret:
        raise OAuthError("invalid_request", "client_secret is missing (confidential client)")
    expected = app.secret_hash or ""
    if not hmac.compare_digest(hash_secret(secret).encode(), expected.encode()):
        raise invalid_client("invalid client secret")
    return app
