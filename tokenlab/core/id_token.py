"""Validation of an OpenID Connect id_token (OIDC Core 3.1.3.7, 3.3.2.11): signature and claims.

The signature is checked with the authority's published keys only: the algorithm must fit the
key's type, and `none` and HMAC are refused outright, because a client that accepts them accepts
tokens anyone can forge. Claims are checked one by one so that each failure names what differs.
Messages never carry the token, the code, the nonce or an access token, only claim names and
public values (issuer, audience, times).
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import httpx

from tokenlab.core.authority import AuthorityCache, Discovery
from tokenlab.core.errors import TokenlabError
from tokenlab.core.tokens import CURVE_FOR_ALG, KEY_TYPE_FOR_ALG

# at_hash / c_hash use the hash of the signing algorithm (OIDC Core 3.1.3.6, 3.3.2.11).
_HALF_HASH = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


class IdTokenError(TokenlabError):
    """The id_token is not acceptable: forged, for someone else, replayed or out of date."""


def half_hash(value: str, algorithm: str = "RS256") -> str:
    """`at_hash` / `c_hash`: the left half of the hash of the ASCII value, base64url."""
    digest_fn = hashlib.sha512 if algorithm == "EdDSA" else _HALF_HASH.get(algorithm[-3:])
    if digest_fn is None:
        raise IdTokenError(
            f"cannot compute a hash claim for the algorithm {algorithm}",
            "the identity service signs with an algorithm tokenlab does not know",
        )
    digest = digest_fn(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _header(id_token: str) -> dict[str, Any]:
    import jwt

    try:
        header: dict[str, Any] = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise IdTokenError(
            "the id_token is not a JWT", "the identity service sent something that is not a token"
        ) from None
    return header


def _refuse_forgeable_algorithm(alg: str) -> None:
    if alg == "none" or alg.startswith("HS"):
        raise IdTokenError(
            f"the id_token uses the algorithm {alg!r}, which tokenlab never accepts",
            "an unsigned or HMAC-signed id_token can be forged; the identity service must sign with "
            "its published keys (RS256)",
        )


def _check_algorithm(alg: str, jwk: dict[str, Any], kid: str) -> None:
    """Does `alg` fit the key it names? (A mismatch is algorithm confusion.)"""
    wanted_kty = KEY_TYPE_FOR_ALG.get(alg)
    if wanted_kty is None:
        raise IdTokenError(
            f"the id_token uses the unknown algorithm {alg!r}", "expect RS256 from this platform"
        )
    kty = str(jwk.get("kty", ""))
    if kty != wanted_kty:
        raise IdTokenError(
            f"the id_token says {alg} but the key {kid!r} is of type {kty or '(none)'}",
            "a token whose algorithm does not fit its key is refused (algorithm confusion)",
        )
    key_alg = jwk.get("alg")
    if isinstance(key_alg, str) and key_alg and key_alg != alg:
        raise IdTokenError(
            f"the id_token says {alg} but the key {kid!r} is published for {key_alg}",
            "a token whose algorithm differs from its key's is refused",
        )
    if kty == "EC" and jwk.get("crv") != CURVE_FOR_ALG.get(alg):
        raise IdTokenError(
            f"the id_token says {alg} but the key {kid!r} is on the curve {jwk.get('crv')}",
            "a token whose algorithm does not fit its key is refused",
        )


def _verify_signature(id_token: str, jwk: dict[str, Any], alg: str) -> dict[str, Any]:
    import jwt

    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
    except jwt.PyJWTError as exc:
        raise IdTokenError(
            f"the identity service's key {jwk.get('kid', '')!r} cannot be used: {exc}",
            "its JWKS is malformed; see `tokenlab authority`",
        ) from None
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[alg],
            # every claim is checked below, by hand, to say exactly which one is wrong
            options={
                "verify_signature": True,
                "verify_aud": False,
                "verify_iss": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise IdTokenError(
            "the id_token's signature does not verify with the identity service's key",
            "the token was altered, or comes from another identity service",
        ) from None
    except jwt.PyJWTError as exc:
        raise IdTokenError(f"the id_token cannot be read: {exc}", "see the trace") from None
    return claims


def _check_claims(
    claims: dict[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    leeway: float,
    now: float,
) -> None:
    iss = claims.get("iss")
    if iss != issuer:
        raise IdTokenError(
            f"the id_token's issuer {iss!r} is not the authority's issuer {issuer!r}",
            "the comparison is exact (a trailing slash counts): the token comes from another "
            "identity service, or the profile's authority is wrong",
        )
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise IdTokenError(
            f"the id_token is for {audiences!r}, not for the client {client_id!r}",
            "the token was issued to another Trusted Application; check the profile's client id",
        )
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise IdTokenError(
            f"the id_token's authorized party (azp) is {azp!r}, not {client_id!r}",
            "a token with several audiences must name this client as azp (OIDC Core 3.1.3.7)",
        )
    if nonce is not None and claims.get("nonce") != nonce:
        what = "has no nonce" if "nonce" not in claims else "has another nonce"
        raise IdTokenError(
            f"the id_token {what} than the one this sign-in sent",
            "it belongs to another sign-in (a replay or a mix-up); sign in again",
        )
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), int | float):
            raise IdTokenError(
                f"the id_token has no usable {name!r} claim", "an id_token must say when it expires"
            )
    if float(claims["exp"]) + leeway < now:
        ago = now - float(claims["exp"])
        raise IdTokenError(
            f"the id_token expired {ago:.0f} s ago",
            "sign in again; if it keeps happening, compare this machine's clock with the server's",
        )
    if float(claims["iat"]) - leeway > now:
        ahead = float(claims["iat"]) - now
        raise IdTokenError(
            f"the id_token was issued {ahead:.0f} s in the future",
            "this machine's clock is behind the server's: sync it (NTP)",
        )


def _check_hash(claims: dict[str, Any], name: str, value: str | None, alg: str) -> None:
    expected = claims.get(name)
    if value is None or expected is None:
        return
    if expected != half_hash(value, alg):
        what = "authorization code" if name == "c_hash" else "access token"
        raise IdTokenError(
            f"the id_token's {name} does not match the {what} it came with",
            f"the {what} was swapped or altered on the way; do not use it",
        )


async def validate_id_token(
    id_token: str,
    *,
    discovery: Discovery,
    client: httpx.AsyncClient,
    cache: AuthorityCache,
    client_id: str,
    nonce: str | None,
    access_token: str | None = None,
    code: str | None = None,
    require_c_hash: bool = False,
    leeway: float = 60,
    now: float | None = None,
) -> dict[str, Any]:
    """The id_token's claims once its signature and claims check out; else an `IdTokenError`.

    `nonce=None` skips the nonce check (a refreshed id_token need not carry one). `at_hash` and
    `c_hash` are checked when present and the value is given; `require_c_hash` demands `c_hash`,
    as a hybrid (`code id_token`) response must carry it.
    """
    header = _header(id_token)
    alg = str(header.get("alg", ""))
    _refuse_forgeable_algorithm(alg)  # before any key is looked up
    kid = header.get("kid")
    jwk = await cache.key_for(client, discovery, kid if isinstance(kid, str) else None)
    if jwk is None:
        raise IdTokenError(
            f"the id_token is signed with a key ({kid!r}) the identity service does not publish",
            "even after fetching its JWKS again; the token comes from elsewhere or keys rotated "
            "badly",
        )
    _check_algorithm(alg, jwk, str(kid or jwk.get("kid", "")))
    claims = _verify_signature(id_token, jwk, alg)
    _check_claims(
        claims,
        issuer=discovery.issuer,
        client_id=client_id,
        nonce=nonce,
        leeway=leeway,
        now=time.time() if now is None else now,
    )
    if require_c_hash and "c_hash" not in claims:
        raise IdTokenError(
            "the id_token that came with the code has no c_hash",
            "a code id_token answer must bind the code to the id_token (OIDC Core 3.3.2.11)",
        )
    _check_hash(claims, "c_hash", code, alg)
    _check_hash(claims, "at_hash", access_token, alg)
    return claims
