"""What a refresh knew when the identity service refused it: the evidence for its explanation.

Below the flows (it imports none), so the causes table can read it: `RefreshAttempt` is carried
by `flows.refresh.RefreshTokenRefusedError`; `says_reused` reads the server's own words.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

# How servers say a refresh token was spent before (the sandbox, IdentityServer, Keycloak, ...).
REUSE_WORDS = re.compile(r"already (been )?used|reuse|replay|rotated|consumed", re.IGNORECASE)
_SOURCE_WORDS = {
    "keyring": "the OS keyring",
    "memory": "this run's memory",
    "environment": "the environment",
    "given": "this run's input",
    "in-hand": "the token set in hand",
}


def says_reused(description: str) -> bool:
    """Does a refusal's `error_description` say the refresh token was already spent?"""
    return bool(REUSE_WORDS.search(description))


@dataclass(frozen=True)
class RefreshAttempt:
    """What the flow knows about a refused refresh: where the token came from, when it was
    read, and whether another process was refreshing the same profile."""

    source: str  # keyring | memory | environment | given (for this run) | in-hand (a token set's)
    read_age_s: float  # seconds from reading the token to the refusal
    locked: bool  # this run held the profile's refresh lock from reading to the refusal
    waited_for_lock_s: float  # > 0: another process held the lock when this one wanted it
    last_holder_pid: int | None  # the process that held the lock before this one
    last_holder_did: str  # what it noted: "rotated", "refused", "holding" (it died holding it)
    last_holder_s_ago: float | None
    stale_token_replaced: bool  # the token in hand was older than the stored one, so not used
    server_says_reused: bool  # the refusal's own words say the token was spent before

    @property
    def other_process_refreshed(self) -> bool:
        """Another process rotated this profile's refresh token before this run read it."""
        return (
            self.last_holder_did == "rotated"
            and self.last_holder_pid is not None
            and self.last_holder_pid != os.getpid()
        )

    def facts(self) -> str:
        """The evidence in plain words (not an explanation: the causes table gives that)."""
        where = _SOURCE_WORDS.get(self.source, self.source)
        said = [f"the refresh token was read from {where} {self.read_age_s:.1f} s earlier"]
        if not self.locked:
            said.append("this run did not hold the profile's refresh lock")
        if self.waited_for_lock_s > 0.2:
            said.append(f"another process held the lock for {self.waited_for_lock_s:.1f} s")
        if self.other_process_refreshed and self.last_holder_s_ago is not None:
            said.append(
                f"process {self.last_holder_pid} refreshed this profile "
                f"{self.last_holder_s_ago:.0f} s before"
            )
        if self.stale_token_replaced:
            said.append(
                "the token in hand was older than the stored one, so the stored one was sent"
            )
        return "; ".join(said)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read_age_s": round(self.read_age_s, 3),
            "locked": self.locked,
            "waited_for_lock_s": round(self.waited_for_lock_s, 3),
            "last_holder_pid": self.last_holder_pid,
            "last_holder_did": self.last_holder_did,
            "last_holder_s_ago": None
            if self.last_holder_s_ago is None
            else round(self.last_holder_s_ago, 3),
            "stale_token_replaced": self.stale_token_replaced,
            "server_says_reused": self.server_says_reused,
            "other_process_refreshed": self.other_process_refreshed,
        }
