"""One doctor run: authority, flow, token checks and the first API request, then the checklist.

Every step runs even when an earlier one failed where that still tells something (the probe
needs a token; the token checks need a token; the rest always run), so the checklist shows the
whole picture, not only the first failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokenlab.core.authority import AuthorityCache, inspect_authority
from tokenlab.core.diagnosis import Diagnosis, RunFacts, checklist
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, HttpExchange, new_run_id
from tokenlab.core.explain import PROTOCOL_SCOPES
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretStore

if TYPE_CHECKING:
    import httpx

    from tokenlab.core.inspection.token_report import TokenReport


@dataclass
class DoctorRun:
    facts: RunFacts
    diagnosis: Diagnosis
    exchanges: list[HttpExchange] = field(default_factory=list)
    run_id: str = ""


async def check_issued_token(
    client: httpx.AsyncClient,
    cache: AuthorityCache,
    profile: Profile,
    token: str,
    *,
    required_scopes: tuple[str, ...] | None = None,
) -> TokenReport:
    """The profile's expectations applied to a token: signature via JWKS for a JWT (times
    by the server's clock, as its discovery answer measured), the offline checks for an
    opaque one (only the API or introspection can judge those)."""
    from tokenlab.core.inspection.decode import decode_token
    from tokenlab.core.inspection.token_report import check_token
    from tokenlab.core.inspection.verify import verify_token

    decoded = decode_token(token)
    if decoded.kind != "jwt":
        return check_token(decoded, expected_issuer=profile.authority)
    if required_scopes is None:
        required_scopes = tuple(s for s in profile.scopes if s not in PROTOCOL_SCOPES)
    return await verify_token(
        decoded,
        client=client,
        cache=cache,
        expected_issuer=profile.authority,
        audience=profile.audience or None,
        required_scopes=required_scopes,
        client_id=profile.client_id or None,
    )


async def run_doctor(
    profile: Profile,
    *,
    secrets: SecretStore,
    bus: Bus,
    flow: str | None = None,
    options: FlowOptions | None = None,
    header: str = "authorization",
) -> DoctorRun:
    from tokenlab.core.probe import probe

    run_id = new_run_id()
    facts = RunFacts(profile=profile)
    cache = AuthorityCache()
    with bus.collect(HttpExchange) as exchanges:
        http = HttpOptions.from_profile(profile)
        async with build_client(http, bus=bus, run_id=run_id, redactor=secrets.redactor) as client:
            if profile.scenario != "automation":
                try:
                    facts.authority = await inspect_authority(
                        client,
                        profile.authority,
                        cache=cache,
                        allow_insecure=profile.allow_insecure,
                    )
                except TokenlabError as exc:
                    facts.authority_error = exc
            try:
                facts.flow = await run_flow(
                    profile,
                    secrets=secrets,
                    bus=bus,
                    flow=flow,
                    options=options,
                    client=client,
                    run_id=run_id,
                    cache=cache,  # the authority step's discovery and keys serve the flow too
                )
            except TokenlabError as exc:
                facts.flow_error = exc
            if facts.flow is not None:
                token = facts.flow.api_token
                try:
                    facts.token = await check_issued_token(
                        client, cache, profile, token.access_token
                    )
                except TokenlabError as exc:
                    facts.token_error = exc
                try:
                    facts.probe = await probe(
                        client, profile, token, header=header, redactor=secrets.redactor
                    )
                except TokenlabError as exc:
                    facts.probe_error = exc
    return DoctorRun(
        facts, checklist(facts), [e for e in exchanges if isinstance(e, HttpExchange)], run_id
    )
