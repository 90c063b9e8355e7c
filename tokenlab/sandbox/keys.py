"""An RSA signing key, generated on first use and published as a JWK."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def half_hash(value: str) -> str:
    """``at_hash`` / ``c_hash``: left half of SHA-256 of the ASCII value, base64url."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


class SigningKey:
    """RS256 key of one authority.

    Generating an RSA key is most of the sandbox's start-up time, so it happens in
    :meth:`generate` or on first use (an authority nobody calls, e.g. the global one in most
    tests, never pays); the JWK is built once with it.
    """

    def __init__(self) -> None:
        self.kid = secrets.token_hex(8).upper()
        self._lock = threading.Lock()
        self._keys: tuple[rsa.RSAPrivateKey, dict[str, Any]] | None = None

    def generate(self) -> tuple[rsa.RSAPrivateKey, dict[str, Any]]:
        with self._lock:  # the server thread and a test thread may both ask first
            if self._keys is None:
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                jwk: dict[str, Any] = json.loads(
                    jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key())
                )
                jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
                self._keys = (private, jwk)
            return self._keys

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.generate()[0].public_key()

    @property
    def jwk(self) -> dict[str, Any]:
        return self.generate()[1]

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return jwt.encode(
            claims, self.generate()[0], algorithm="RS256", headers={"kid": self.kid, "typ": typ}
        )

    def verify(self, token: str) -> dict[str, Any]:
        """Signature only; the caller checks the claims against its own clock."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.public,
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
        return claims
