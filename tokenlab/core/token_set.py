"""What an identity service issued (`TokenSet`) and what a flow run produced (`FlowResult`).

Shared by the flows, inspection, probing and both faces; holds live secrets, so it shows them
only through `to_json`, masked unless asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tokenlab.core.authority import Finding
from tokenlab.core.redact import mask

MAX_EXPIRES_IN_S = 100 * 365 * 86400  # a longer lifetime is a server's mistake, not a time


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint issued. Holds live secrets: show it only through `to_json`/`summary`."""

    access_token: str
    token_type: str
    expires_in: int | None
    scope: tuple[str, ...]
    refresh_token: str | None = None
    id_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    flow: str = ""

    @property
    def expires_at(self) -> float | None:
        return self.issued_at + self.expires_in if self.expires_in is not None else None

    def seconds_left(self, now: float | None = None) -> float | None:
        expires = self.expires_at
        return None if expires is None else expires - (time.time() if now is None else now)

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        """JSON for `--json`; the access and id tokens only with `reveal` (stdout of `token`)."""

        # A reference token is a stored secret, not a short-lived token: never revealed.
        reveal = reveal and self.token_type != "reference"

        def show(value: str | None) -> str | None:
            return value if reveal or value is None else mask(value)

        return {
            "access_token": show(self.access_token),
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "expires_at": self.expires_at,
            "scope": list(self.scope),
            "id_token": show(self.id_token),
            # refresh tokens are long-lived: they go to the keyring, never to an output
            "refresh_token": mask(self.refresh_token) if self.refresh_token else None,
            "flow": self.flow,
        }


@dataclass(frozen=True)
class FlowResult:
    """What a flow returns: the API token, the sign-in's tokens if any, and its findings."""

    flow: str
    profile: str
    api_token: TokenSet  # the token that calls the API
    identity: TokenSet | None = None  # web portal: the sign-in that identified the user
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "profile": self.profile,
            "api_token": self.api_token.to_json(reveal=reveal),
            "identity": self.identity.to_json(reveal=reveal) if self.identity else None,
            "calls_the_api": "api_token",
            "findings": [f.to_json() for f in self.findings],
            "notes": list(self.notes),
        }


def token_set_from(
    body: dict[str, Any], flow: str, requested_scopes: tuple[str, ...] = ()
) -> TokenSet:
    scope = body.get("scope")
    if isinstance(scope, str):
        scopes = tuple(scope.split())
    elif isinstance(scope, list):
        scopes = tuple(str(s) for s in scope)
    else:
        scopes = requested_scopes  # RFC 6749 5.1: omitted scope means "as requested"
    expires = body.get("expires_in")
    try:
        expires_in = int(expires) if expires is not None else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 reads as inf
        expires_in = None
    if expires_in is not None and not 0 <= expires_in <= MAX_EXPIRES_IN_S:
        expires_in = None  # not a lifetime any clock can add
    return TokenSet(
        access_token=str(body["access_token"]),
        token_type=str(body.get("token_type", "Bearer")),
        expires_in=expires_in,
        scope=scopes,
        refresh_token=body.get("refresh_token")
        if isinstance(body.get("refresh_token"), str)
        else None,
        id_token=body.get("id_token") if isinstance(body.get("id_token"), str) else None,
        flow=flow,
    )
