"""Whether an authority's key can check a signature, and why not: loaded once, never a crash."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tokenlab.core.authority import check_keys
from tokenlab.core.jwk import key_problem

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_JWK: dict[str, Any] = {
    **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key())),
    "kid": "r1",
    "alg": "RS256",
    "use": "sig",
}
EC_JWK: dict[str, Any] = {
    **json.loads(
        jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    ),
    "kid": "e1",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"n": "not base64 at all!*"}, "its n is not base64url"),
        ({"n": [1, 2, 3]}, "its n is not a string"),
        ({"e": None}, "its e is missing"),
        ({"kty": "oct"}, "its key type 'oct' is not RSA, EC or OKP"),
        ({"kty": ["RSA"]}, "its key type ['RSA'] is not RSA, EC or OKP"),  # unhashable: no crash
        ({"alg": "RS999"}, "its algorithm RS999 is not one tokenlab verifies"),
        ({"n": "AQAB"}, "its members do not form a valid RSA public key for RS256"),
    ],
)
def test_an_rsa_key_is_usable_or_says_why(change: dict[str, Any], problem: str | None) -> None:
    jwk = {k: v for k, v in {**RSA_JWK, **change}.items() if v is not None}
    assert key_problem(jwk) == problem


def test_an_ec_key_without_alg_is_read_by_its_curve() -> None:
    assert key_problem(EC_JWK) is None
    assert key_problem({**EC_JWK, "crv": "P-999"}) is not None
    assert key_problem({k: v for k, v in EC_JWK.items() if k != "y"}) == "its y is missing"


def test_a_key_set_with_one_broken_key_warns_and_stays_usable() -> None:
    keys, findings = check_keys([RSA_JWK, {**RSA_JWK, "kid": "r2", "n": 7}, "not a key"])
    assert [k.usable for k in keys] == [True, False]
    assert [(f.level, f.message) for f in findings] == [
        ("warning", "key r2: its n is not a string: it cannot be used")
    ]


def test_an_encryption_key_is_not_a_broken_signing_key() -> None:
    keys, findings = check_keys([RSA_JWK, {**RSA_JWK, "kid": "enc", "use": "enc"}])
    assert [f.level for f in findings] == [] and keys[1].problem == "not a signing key"
    _, only_enc = check_keys([{**RSA_JWK, "use": "enc"}])
    assert [f.message for f in only_enc] == ["the JWKS holds no usable signing key"]
