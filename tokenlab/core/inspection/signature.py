"""A JWT's signature against one JWK of the authority: the algorithm must fit the key, the key
must be a signing key, and the signature must verify with the key's public half.

`signature_check` takes the key already looked up (see `verify.py` for the one lookup); it never
takes a key from the token. PyJWT and cryptography load lazily: offline decoding needs neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tokenlab.core.inspection.checks import CURVE_FOR_ALG, KEY_TYPE_FOR_ALG, Check
from tokenlab.core.inspection.decode import DecodedToken
from tokenlab.core.jwk import public_key


def _fail(observed: str, expected: str, reason: str) -> Check:
    return Check("signature", "fail", observed, expected, reason)


def _hmac_reason(alg: str, jwk: Mapping[str, Any] | None) -> str:
    kty = str(jwk.get("kty")) if jwk is not None else ""
    if kty in ("RSA", "EC", "OKP"):
        return (
            f"ATTACK: {alg} (HMAC) names the authority's {kty} public key: this is the "
            "algorithm-confusion attack, forged with the public key as the HMAC secret; a "
            "public key is never used as an HMAC secret, so it is not verified"
        )
    return (
        f"{alg} (HMAC) needs a shared secret; the authority publishes only public keys, so "
        "this token was not signed by it (an algorithm-confusion attempt)"
    )


def _key_misfit(alg: str, jwk: Mapping[str, Any]) -> str | None:
    """Why this key cannot check an `alg` signature (algorithm confusion), or None if it fits."""
    kid_text = str(jwk.get("kid", "")) or "(no kid)"
    need = KEY_TYPE_FOR_ALG[alg]
    if jwk.get("kty") != need:
        return (
            f"{alg} needs an {need} key but the authority's key {kid_text} is of type "
            f"{jwk.get('kty')}: the algorithm does not fit the key, never verified"
        )
    key_alg = jwk.get("alg")
    if isinstance(key_alg, str) and key_alg != alg:
        return (
            f"the token says {alg}, but the authority's key {kid_text} is for {key_alg}: a key "
            f"published for {key_alg} never checks {alg}"
        )
    if jwk.get("use", "sig") != "sig":
        return f"the authority's key {kid_text} is not a signing key (use {jwk['use']})"
    if alg in CURVE_FOR_ALG and jwk.get("crv") != CURVE_FOR_ALG[alg]:
        return f"{alg} needs curve {CURVE_FOR_ALG[alg]}, the key is {jwk.get('crv')}"
    return None


def signature_check(decoded: DecodedToken, jwk: Mapping[str, Any] | None, known: str) -> Check:
    """The signature against one JWK of the authority (`None`: none matched; `known`: its kids)."""
    alg = decoded.alg
    kid = decoded.header.get("kid")
    shown = f"{alg or 'no alg'}, kid {kid}" if kid is not None else f"{alg or 'no alg'}, no kid"
    want = f"a signature by one of the authority's keys ({known or 'none published'})"
    if not alg or alg.lower() == "none":
        return _fail(shown, want, "the token is unsigned (alg none): never accepted")
    if alg.upper().startswith("HS"):
        return _fail(shown, want, _hmac_reason(alg, jwk))
    if alg not in KEY_TYPE_FOR_ALG:
        return _fail(shown, want, f"{alg} is not an algorithm tokenlab verifies")
    if jwk is None:
        return _fail(
            shown,
            want,
            "unknown key: the authority does not publish this kid, even after fetching its JWKS "
            "again (keys rotate): another authority or a retired key signed it",
        )
    misfit = _key_misfit(alg, jwk)
    if misfit is not None:
        return _fail(shown, want, misfit)
    kid_text = str(jwk.get("kid", "")) or "(no kid)"
    valid = verify_with_jwk(alg, jwk, decoded.signing_input, decoded.signature)
    if valid is None:
        return _fail(
            shown,
            want,
            f"the authority's key {kid_text} cannot be loaded: its JWKS entry is broken",
        )
    if valid:
        return Check("signature", "pass", shown, want, f"valid {alg} signature by key {kid_text}")
    return _fail(
        shown,
        want,
        f"the signature does not match key {kid_text}: the token was changed after it was signed",
    )


def verify_with_jwk(
    alg: str, jwk: Mapping[str, Any], message: bytes, signature: bytes
) -> bool | None:
    """True/False for the signature; None when the JWK cannot be loaded as a public key."""
    loaded = public_key(alg, jwk)
    if loaded is None:
        return None
    algorithm, key = loaded
    try:
        return bool(algorithm.verify(message, key, signature))
    except (ValueError, TypeError):  # e.g. an EC signature of the wrong length
        return False


def known_kids(jwks: Mapping[str, Any]) -> str:
    """The kids an authority publishes, for saying which keys a token could have used."""
    keys = jwks.get("keys")
    kids = (
        [str(k.get("kid", "?")) for k in keys if isinstance(k, dict)]
        if isinstance(keys, list)
        else []
    )
    return ", ".join(kids)
