"""PKCE values and random ``state``/``nonce`` for scripted sign-ins (sandbox and test IdP)."""

from __future__ import annotations

import base64
import hashlib
import secrets


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def random_value() -> str:
    return b64url(secrets.token_bytes(32))
