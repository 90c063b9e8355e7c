"""One doctor run: authority, flow, token checks and the first API request, then the checklist.

Every step runs even when an earlier one failed where that still tells something (the probe
needs a token; the token checks need a token; the rest always run), so the checklist shows the
whole picture, not only the first failure. Each checklist step is published (`DoctorStepDone`)
as soon as its stage is done, so a screen can fill the checklist in live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokenlab.core.authority import AuthorityCache, inspect_authority
from tokenlab.core.demo_profiles import sandbox_gone
from tokenlab.core.diagnosis import (
    STEP_KEYS,
    Diagnosis,
    RunFacts,
    Step,
    api_steps,
    authority_steps,
    diagnose,
    flow_steps,
    token_steps,
)
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, DoctorStepDone, HttpExchange, new_run_id
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import ClientSharing, HttpOptions, build_client
from tokenlab.core.profiles import Profile
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES
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
        # protocol scopes never reach an API token; a legacy one is to be removed, not required
        skip = (*PROTOCOL_SCOPES, *LEGACY_SCOPES)
        required_scopes = tuple(s for s in profile.scopes if s not in skip)
    return await verify_token(
        decoded,
        client=client,
        cache=cache,
        expected_issuer=profile.authority,
        audience=profile.audience or None,
        required_scopes=required_scopes,
        client_id=profile.client_id or None,
    )


class _StepPublisher:
    """Publishes each checklist step once, in order, and keeps what it published."""

    def __init__(self, bus: Bus, run_id: str) -> None:
        self.bus = bus
        self.run_id = run_id
        self.steps: list[Step] = []

    def __call__(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            self.steps.append(step)
            self.bus.publish(
                DoctorStepDone(
                    run_id=self.run_id,
                    key=step.key,
                    title=step.title,
                    status=step.status,
                    evidence=step.evidence,
                    hint=step.hint,
                    remedy=step.remedy,
                    index=len(self.steps),
                    total=len(STEP_KEYS),
                )
            )


async def run_doctor(
    profile: Profile,
    *,
    secrets: SecretStore,
    bus: Bus,
    flow: str | None = None,
    options: FlowOptions | None = None,
    header: str = "authorization",
    admin_profile: Profile | None = None,
    registration_entity: str | None = None,
    cache: AuthorityCache | None = None,
    sharing: ClientSharing | None = None,
) -> DoctorRun:
    """`admin_profile`: read the Trusted Application's registration with its token first, so
    the causes say what the registration says (`registration_entity`: the entity set's name).
    `cache` and `sharing` let a caller running many profiles at once (the fleet) share
    discovery, keys and TLS contexts across them and bound the requests per host."""
    run_id = new_run_id()
    facts = RunFacts(profile=profile)
    publish = _StepPublisher(bus, run_id)
    if admin_profile is not None and profile.scenario != "automation":
        await _check_registration(facts, admin_profile, secrets, registration_entity)
    with bus.collect(HttpExchange) as exchanges:
        http = HttpOptions.from_profile(profile)
        async with build_client(
            http, bus=bus, run_id=run_id, redactor=secrets.redactor, sharing=sharing
        ) as client:
            cache = cache or AuthorityCache()
            await _check_authority(client, cache, facts)
            publish(authority_steps(facts))
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
            publish(flow_steps(facts))
            await _check_token(client, cache, facts)
            publish(token_steps(facts))
            await _probe(client, facts, header, secrets)
            publish(api_steps(facts))
    steps = tuple(publish.steps)
    diagnosis = Diagnosis(steps, diagnose(facts, steps))
    return DoctorRun(
        facts, diagnosis, [e for e in exchanges if isinstance(e, HttpExchange)], run_id
    )


async def _check_authority(
    client: httpx.AsyncClient, cache: AuthorityCache, facts: RunFacts
) -> None:
    profile = facts.profile
    if profile.scenario == "automation":
        return
    try:
        facts.authority = await inspect_authority(
            client, profile.authority, cache=cache, allow_insecure=profile.allow_insecure
        )
    except TokenlabError as exc:
        facts.authority_error = sandbox_gone(profile, exc)


async def _check_token(client: httpx.AsyncClient, cache: AuthorityCache, facts: RunFacts) -> None:
    if facts.flow is None:
        return
    try:
        facts.token = await check_issued_token(
            client, cache, facts.profile, facts.flow.api_token.access_token
        )
    except TokenlabError as exc:
        facts.token_error = exc


async def _probe(
    client: httpx.AsyncClient, facts: RunFacts, header: str, secrets: SecretStore
) -> None:
    from tokenlab.core.probing import probe

    if facts.flow is None:
        return
    try:
        facts.probe = await probe(
            client, facts.profile, facts.flow.api_token, header=header, redactor=secrets.redactor
        )
    except TokenlabError as exc:
        facts.probe_error = exc


async def _check_registration(
    facts: RunFacts, admin: Profile, secrets: SecretStore, entity: str | None
) -> None:
    """The registration beside the card; its own events stay off the run's bus (the admin's
    token is not this run's token)."""
    from tokenlab.core.trusted_app import DEFAULT_ENTITY, build_card, compare
    from tokenlab.core.trusted_app.fetch import fetch_registration

    name = entity or DEFAULT_ENTITY
    try:
        card = build_card(facts.profile, secrets)
        registration = await fetch_registration(
            admin, card.client_id, secrets=secrets, bus=Bus(), entity=name
        )
    except TokenlabError as exc:
        facts.app_check_error = exc
        return
    facts.app_check = compare(card, registration, entity=name, admin_profile=admin.name)
