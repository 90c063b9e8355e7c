"""An authority's JWK as a public key: loaded once, or the reason it cannot be used.

The authority check (does any key work?) and the signature check both load keys here, so a
key is parsed once per process however often it is asked for. A JWKS is server-supplied: any
member may be missing, of the wrong type or not base64url, and each of those is a reason, not
a crash. PyJWT and cryptography load lazily: offline decoding needs neither.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# The members each key type needs (RFC 7518 6, RFC 8037 2); all but crv are base64url.
_MEMBERS = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x")}
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_EC_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "secp256k1": "ES256K"}

# Loading a key costs as much as checking a signature, and an authority publishes few keys.
_LOADED: dict[tuple[str, str], tuple[Any, Any] | None] = {}
_MAX_LOADED = 64


def is_signing_key(jwk: Mapping[str, Any]) -> bool:
    """A key for signatures: `use` is sig or absent (an encryption key is not a broken one)."""
    return bool(jwk.get("use", "sig") == "sig")


def key_alg(jwk: Mapping[str, Any]) -> str:
    """The algorithm the key is for: its own `alg`, else its type's usual one."""
    alg = jwk.get("alg")
    if isinstance(alg, str) and alg:
        return alg
    kty = jwk.get("kty")
    if kty == "EC":
        return _EC_ALG.get(str(jwk.get("crv")), "")
    return {"RSA": "RS256", "OKP": "EdDSA"}.get(str(kty), "")


def _member_problem(jwk: Mapping[str, Any]) -> str | None:
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _MEMBERS:  # a hostile JWKS: a list is unhashable
        return f"its key type {kty!r} is not RSA, EC or OKP" if kty else "it has no kty"
    for name in _MEMBERS[str(kty)]:
        value = jwk.get(name)
        if value is None:
            return f"its {name} is missing"
        if not isinstance(value, str) or not value:
            return f"its {name} is not a string"
        if name != "crv" and not _B64URL.fullmatch(value.rstrip("=")):
            return f"its {name} is not base64url"
    return None


def key_problem(jwk: Mapping[str, Any]) -> str | None:
    """Why this signing key cannot check a signature (None: it can); loads it once to know."""
    problem = _member_problem(jwk)
    if problem is not None:
        return problem
    alg = key_alg(jwk)
    import jwt  # lazy: only the network paths load keys

    if alg not in jwt.algorithms.get_default_algorithms():
        return f"its algorithm {alg or '(none)'} is not one tokenlab verifies"
    if public_key(alg, jwk) is None:
        return f"its members do not form a valid {jwk.get('kty')} public key for {alg}"
    return None


def public_key(alg: str, jwk: Mapping[str, Any]) -> tuple[Any, Any] | None:
    """(PyJWT algorithm, public key) for this JWK, or None when it is not a usable key."""
    name = _cache_name(jwk)
    if name is None:
        return None
    if (alg, name) not in _LOADED:
        if len(_LOADED) >= _MAX_LOADED:
            _LOADED.clear()
        _LOADED[(alg, name)] = _load_public_key(alg, jwk)
    return _LOADED[(alg, name)]


# The members a loaded key depends on (alg aside): when all are strings (every real JWK), they
# name it; a hash of a few strings is cheaper than the JSON text of the whole key.
_KEY_MEMBERS = ("kty", "crv", "n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "oth")

_PLAIN_TYPES = frozenset({str, type(None)})


def _cache_name(jwk: Mapping[str, Any]) -> Any:
    """What names this key in the cache: its members, or its canonical JSON text when some
    member is not a string (a hostile JWKS); None when it is not JSON at all."""
    members = tuple(map(jwk.get, _KEY_MEMBERS))
    if _PLAIN_TYPES.issuperset(map(type, members)):
        return members
    try:
        return json.dumps(jwk, sort_keys=True)  # the key's canonical text names it exactly
    except (TypeError, ValueError, RecursionError):
        return None


def _load_public_key(alg: str, jwk: Mapping[str, Any]) -> tuple[Any, Any] | None:
    import jwt
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    algorithm = jwt.algorithms.get_default_algorithms().get(alg)
    if algorithm is None or _member_problem(jwk) is not None:
        return None
    try:
        key = algorithm.from_jwk(dict(jwk))
    except (jwt.PyJWTError, UnsupportedAlgorithm, ValueError, TypeError, KeyError, OverflowError):
        return None  # the members are strings of base64url, but not a key
    # A JWKS that leaks private members still yields a key; verify with its public half only.
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        key = key.public_key()
    return algorithm, key
