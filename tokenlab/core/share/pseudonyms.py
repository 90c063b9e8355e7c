"""Stable short hashes for personal data: `sub:1a2b3c4d`, the same for the same value within
one bundle, unlinkable across bundles.

HMAC-SHA256 keyed with a random 16-byte salt made per bundle and never written anywhere: a
reader cannot test a guess ("is this alice@example.com?") against a hash, and two bundles do
not reveal that they concern the same person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HASH_CHARS = 8
SALT_BYTES = 16
METHOD = f"HMAC-SHA256 with a random per-bundle key (not stored), first {HASH_CHARS} hex digits"


class Pseudonyms:
    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
        self.replaced: dict[str, str] = {}  # value -> pseudonym, every one handed out

    def of(self, kind: str, value: str) -> str:
        """`kind:hash` of `value`; the same value always gets its first pseudonym."""
        if value in self.replaced:
            return self.replaced[value]
        digest = hmac.new(self._salt, value.encode(), hashlib.sha256).hexdigest()
        self.replaced[value] = f"{kind}:{digest[:HASH_CHARS]}"
        return self.replaced[value]

    def is_pseudonym(self, text: str) -> bool:
        return text in self.replaced.values()
