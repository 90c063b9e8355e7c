"""What every flow shares: its context (profile, secrets, bus, HTTP client), tokens and results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES, AuthorityCache, Discovery, Finding
from tokenlab.core.events import Bus, Event, Notice
from tokenlab.core.flows.preflight import support_findings
from tokenlab.core.profiles import Profile
from tokenlab.core.redact import mask
from tokenlab.core.secrets import SecretKind, SecretStore

Finish = Literal["loopback", "paste", "device"]
PasteSource = Callable[[str], Awaitable[str]]  # prompt -> what the user pasted


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


@dataclass
class FlowOptions:
    finish: Finish | None = None  # None: loopback, or paste/device when no browser can open
    open_browser: bool = True
    paste: PasteSource | None = None
    wait_timeout: float = 300.0  # how long to wait for the user (sign-in, device approval)
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES
    allow_global_authority: bool = False  # fetch a sign-in token anyway, to show the API's 401
    refresh_token: str | None = None  # refresh this one instead of the stored one


@dataclass
class FlowContext:
    profile: Profile
    secrets: SecretStore
    bus: Bus
    run_id: str
    client: httpx.AsyncClient
    options: FlowOptions = field(default_factory=FlowOptions)
    cache: AuthorityCache = field(default_factory=AuthorityCache)
    flow: str = ""  # the flow's name, for what discovery says it does not support
    findings: list[Finding] = field(default_factory=list)
    _discovery: Discovery | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def authority(self) -> str:
        return self.profile.authority

    async def discovery(self) -> Discovery:
        async with self._lock:
            if self._discovery is None:
                self._discovery = await self.cache.discovery(self.client, self.authority)
                for finding in support_findings(self._discovery, self.profile, self.flow):
                    self.warn(finding)
            return self._discovery

    def publish(self, event: Event) -> None:
        self.bus.publish(event)

    def result(
        self,
        flow: str,
        api_token: TokenSet,
        *,
        identity: TokenSet | None = None,
        notes: tuple[str, ...] = (),
    ) -> FlowResult:
        """The flow's result, with every warning shown during the run."""
        return FlowResult(flow, self.profile.name, api_token, identity, tuple(self.findings), notes)

    def warn(self, finding: Finding) -> None:
        """A warning before or during a flow: kept for the result and shown at once."""
        self.findings.append(finding)
        self.publish(
            Notice(
                run_id=self.run_id,
                level=finding.level if finding.level != "ok" else "info",
                message=finding.message,
                hint=finding.hint,
            )
        )


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
    except (TypeError, ValueError):
        expires_in = None
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


def keep_refresh_token(ctx: FlowContext, token: TokenSet) -> None:
    """A new refresh token goes to the keyring (or this run's memory), never to disk."""
    if token.refresh_token:
        ctx.secrets.store(
            ctx.profile.name, SecretKind.REFRESH_TOKEN, token.refresh_token, memory_fallback=True
        )
