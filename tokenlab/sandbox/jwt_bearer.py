"""How an ASP.NET Core API with JwtBearer (``IncludeErrorDetails`` on) checks an access token.

The platform's APIs run on .NET and trust the instance's IdentityServer, so a refused token comes
back the way ``JwtBearerHandler`` words it. This module reproduces that answer, in the order
``Microsoft.IdentityModel``'s ``JsonWebTokenHandler`` (7.x) checks a token:

1. read it: a value that is not a JWT fails with the library's ``IDX141xx`` message (stock
   JwtBearer leaves that one out of the header; the sandbox reports it, as an API whose
   ``OnChallenge`` passes ``AuthenticateFailure.Message`` on does);
2. the signature: a known ``kid`` that does not verify is "The signature is invalid"; an unknown
   ``kid`` (after trying every key) first re-checks the lifetime and the issuer, whose failure wins,
   and only then is "The signature key was not found" (so a foreign authority's token is named for
   its issuer);
3. the lifetime, allowing the API's ClockSkew; 4. the audience; 5. the issuer; 6. ``typ``.

Stock JwtBearer words only the failures named here; others (a ``typ`` mismatch, an
encrypted token) come back as a bare ``error="invalid_token"``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from .keys import SigningKey

CLOCK_SKEW = 300.0  # TokenValidationParameters.ClockSkew default
_FORMAT = (
    "The token needs to be in JWS or JWE Compact Serialization Format. "
    "(JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. "
    "(JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector."
    "EncodedCiphertext.EncodedAuthenticationTag'."
)
_HIDDEN = (
    "[PII of type 'Microsoft.IdentityModel.Logging.SecurityArtifact' is hidden. "
    "For more details, see https://aka.ms/IdentityModel/PII.]"
)
# The messages of Microsoft.IdentityModel.JsonWebTokens for a value that is not a JWT.
NO_DOTS = f"IDX14100: JWT is not well formed, there are no dots (.). {_FORMAT}"
ONE_DOT = f"IDX14120: JWT is not well formed, there is only one dot (.). {_FORMAT}"
THREE_DOTS = f"IDX14121: JWT is not a well formed JWE, there must be four dots (.). {_FORMAT}"
TOO_MANY_DOTS = (
    "IDX14122: JWT is not a well formed JWE, there are more than four dots (.) "
    f"a JWE can have at most 4 dots. {_FORMAT}"
)
BAD_HEADER = f"IDX14102: Unable to decode the header '{_HIDDEN}' as Base64Url encoded string."
BAD_PAYLOAD = f"IDX14101: Unable to decode the payload '{_HIDDEN}' as Base64Url encoded string."
SIGNATURE_INVALID = "The signature is invalid"
KEY_NOT_FOUND = "The signature key was not found"
NO_EXPIRATION = "The token has no expiration"


class TokenRejected(Exception):
    """A check failed; ``description`` is what JwtBearer says about it ("" when it says nothing)."""

    def __init__(self, description: str) -> None:
        super().__init__(description or "(no description)")
        self.description = description


@dataclass(frozen=True)
class Validation:
    """One API's ``TokenValidationParameters``."""

    issuer: str
    audiences: tuple[str, ...]
    keys: tuple[SigningKey, ...]
    types: tuple[str, ...] = ("at+jwt",)  # IdentityServer's access-token typ
    clock_skew: float = CLOCK_SKEW


def dotnet_time(timestamp: float) -> str:
    """``DateTime.ToString(CultureInfo.InvariantCulture)`` of a UTC instant."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%m/%d/%Y %H:%M:%S")


def validate(token: str, rules: Validation, now: float) -> dict[str, Any]:
    """The token's claims, or :class:`TokenRejected` in JwtBearer's words for the first failure."""
    header, claims = _read(token)
    _check_signature(token, header, claims, rules, now)
    _check_lifetime(claims, rules, now)
    _check_audience(claims, rules)
    _check_issuer(claims, rules)
    if header.get("typ") not in rules.types:
        raise TokenRejected("")  # IDX10257: not among the descriptions JwtBearer writes
    return claims


def _segment(text: str) -> dict[str, Any]:
    data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _read(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    dots = token.count(".")
    if dots == 0 or (token.endswith(".") and dots == 1):
        raise TokenRejected(NO_DOTS)
    if dots == 1:
        raise TokenRejected(ONE_DOT)
    if dots == 3:
        raise TokenRejected(THREE_DOTS)
    if dots > 4:
        raise TokenRejected(TOO_MANY_DOTS)
    if dots == 4:
        raise TokenRejected("")  # an encrypted token (JWE): this API holds no decryption key
    head, payload, _ = token.split(".")
    try:
        header = _segment(head)
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8 or JSON
        raise TokenRejected(BAD_HEADER) from None
    try:
        claims = _segment(payload)
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8 or JSON
        raise TokenRejected(BAD_PAYLOAD) from None
    return header, claims


def _verifies(token: str, key: SigningKey) -> bool:
    try:
        key.verify(token)
    except jwt.PyJWTError:
        return False
    return True


def _check_signature(
    token: str, header: dict[str, Any], claims: dict[str, Any], rules: Validation, now: float
) -> None:
    if token.endswith("."):  # unsigned (alg none): IDX10504, RequireSignedTokens
        raise TokenRejected(SIGNATURE_INVALID)
    named = [k for k in rules.keys if k.kid == header.get("kid")]
    if named:
        if not _verifies(token, named[0]):
            raise TokenRejected(SIGNATURE_INVALID)
        return
    if any(_verifies(token, key) for key in rules.keys):  # TryAllIssuerSigningKeys
        return
    # InternalValidators.ValidateLifetimeAndIssuerAfterSignatureFailed: their failure wins.
    _check_lifetime(claims, rules, now)
    _check_issuer(claims, rules)
    raise TokenRejected(KEY_NOT_FOUND)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _check_lifetime(claims: dict[str, Any], rules: Validation, now: float) -> None:
    nbf, exp = _number(claims.get("nbf")), _number(claims.get("exp"))
    if exp is None:
        raise TokenRejected(NO_EXPIRATION)
    if nbf is not None and nbf > now + rules.clock_skew:
        raise TokenRejected(f"The token is not valid before '{dotnet_time(nbf)}'")
    if exp < now - rules.clock_skew:
        raise TokenRejected(f"The token expired at '{dotnet_time(exp)}'")


def _check_audience(claims: dict[str, Any], rules: Validation) -> None:
    aud = claims.get("aud")
    audiences = [str(a) for a in (aud if isinstance(aud, list) else [aud] if aud else [])]
    if not any(a in rules.audiences for a in audiences):
        shown = ", ".join(audiences) if audiences else "(null)"
        raise TokenRejected(f"The audience '{shown}' is invalid")


def _check_issuer(claims: dict[str, Any], rules: Validation) -> None:
    issuer = claims.get("iss")
    if issuer != rules.issuer:
        raise TokenRejected(f"The issuer '{issuer if issuer is not None else '(null)'}' is invalid")


def quoted(value: str) -> str:
    """An RFC 7230 quoted-string; characters a header cannot carry become '?'."""
    safe = "".join(c if " " <= c <= "~" else "?" for c in value)
    return '"' + safe.replace("\\", "\\\\").replace('"', '\\"') + '"'


def challenge(description: str | None, *, include_error_details: bool = True) -> str:
    """``WWW-Authenticate`` as JwtBearer writes it: ``None`` for a request without a token."""
    if description is None or not include_error_details:
        return "Bearer"
    if not description:
        return 'Bearer error="invalid_token"'
    return f'Bearer error="invalid_token", error_description={quoted(description)}'
