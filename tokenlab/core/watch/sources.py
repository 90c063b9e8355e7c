"""The real token source and probe for a profile: its flow, the refresh grant, the API probe."""

from __future__ import annotations

from dataclasses import replace

import httpx

from tokenlab.core.events import Bus
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.probing import ProbeResult, probe
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch.loop import ProbeSender

REFRESHABLE = ("web-app", "spa")  # scenarios whose sign-in leaves a refresh token behind


class ProfileTokenSource:
    """Tokens by the profile's flow; a web app with a stored refresh token is issued its tokens
    by refreshing (the newest stored one), so a watch after a sign-in runs unattended."""

    def __init__(
        self,
        profile: Profile,
        secrets: SecretStore,
        bus: Bus,
        *,
        flow: str | None = None,
        options: FlowOptions | None = None,
    ) -> None:
        self.profile = profile
        self.secrets = secrets
        self.bus = bus
        self.flow = flow
        self.options = options or FlowOptions()

    def _flow(self) -> str | None:
        if self.flow or self.profile.scenario not in REFRESHABLE:
            return self.flow
        stored = self.secrets.where(self.profile.name, SecretKind.REFRESH_TOKEN, quiet=True)
        return "refresh" if stored.source in ("keyring", "memory", "environment") else None

    async def issue(self) -> TokenSet:
        result = await run_flow(
            self.profile,
            secrets=self.secrets,
            bus=self.bus,
            flow=self._flow(),
            options=self.options,
        )
        return result.api_token

    async def refresh(self, token: TokenSet) -> TokenSet:
        options = replace(self.options, refresh_token=token.refresh_token)
        result = await run_flow(
            self.profile, secrets=self.secrets, bus=self.bus, flow="refresh", options=options
        )
        return result.api_token


def profile_prober(
    client: httpx.AsyncClient, profile: Profile, secrets: SecretStore
) -> ProbeSender:
    """Send the profile's probe request with a token (the probe masks what it returns)."""

    async def send(token: TokenSet) -> ProbeResult:
        return await probe(client, profile, token, redactor=secrets.redactor)

    return send
