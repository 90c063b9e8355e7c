"""What every flow shares: its context (profile, secrets, bus, HTTP client), tokens and results."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from tokenlab.core.authority import AuthorityCache, Discovery, Finding
from tokenlab.core.destinations import confirm_issuer
from tokenlab.core.events import Bus, Event, Notice
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.preflight import support_findings
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import FlowResult, TokenSet


@dataclass
class FlowContext:
    """What a flow runs with: its profile, secrets, bus, client and discovery cache."""

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
        if self._discovery is not None:  # read and confirmed already (set once, never unset)
            return self._discovery
        async with self._lock:
            if self._discovery is None:
                discovery = await self.cache.discovery(self.client, self.authority)
                # before any credential goes to its endpoints
                confirm_issuer(discovery, self.authority, profile=self.profile.name)
                self._discovery = discovery
                for finding in support_findings(self._discovery, self.profile, self.flow):
                    self.warn(finding, topic="authority")
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

    def warn(self, finding: Finding, *, topic: str = "flow") -> None:
        """A warning before or during a flow: kept for the result and shown at once.

        `topic` says what it concerns ("flow", "authority", "secrets", "token")."""
        self.findings.append(finding)
        self.publish(
            Notice(
                run_id=self.run_id,
                level=finding.level if finding.level != "ok" else "info",
                message=finding.message,
                hint=finding.hint,
                remedy=finding.remedy,
                topic=topic,
            )
        )


def keep_refresh_token(ctx: FlowContext, token: TokenSet) -> None:
    """A new refresh token goes to the keyring (or this run's memory), never to disk."""
    if token.refresh_token:
        ctx.secrets.store(
            ctx.profile.name, SecretKind.REFRESH_TOKEN, token.refresh_token, memory_fallback=True
        )
