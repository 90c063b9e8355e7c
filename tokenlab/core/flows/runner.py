"""Run a profile's flow: preflight, the flow itself, and the events around it.

One implementation serves the console, the headless CLI and the tests: they differ only in
how they subscribe to the bus and where pasted input comes from.
"""

from __future__ import annotations

import asyncio

import httpx

from tokenlab.core.authority import AuthorityCache
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, FlowFailed, FlowFinished, FlowStarted, TokenIssued, new_run_id
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.preflight import preflight
from tokenlab.core.flows.registry import FLOW_TARGETS, resolve
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile
from tokenlab.core.redact import mask
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import FlowResult, TokenSet

DEFAULT_FLOW = {
    "service-app": "client-credentials",
    "web-portal": "portal",
    "web-app": "auth-code",
    "spa": "auth-code",
    "automation": "reference-token",
}


class FlowError(TokenlabError):
    """A flow could not run (refused by preflight, or an unknown flow)."""


async def run_flow(
    profile: Profile,
    *,
    secrets: SecretStore,
    bus: Bus,
    flow: str | None = None,
    options: FlowOptions | None = None,
    client: httpx.AsyncClient | None = None,
    cache: AuthorityCache | None = None,
    run_id: str | None = None,
) -> FlowResult:
    """Run `flow` (default: the scenario's) and return its result; raise a `TokenlabError` on failure.

    `client` and `cache` let a caller that already talked to the authority (the doctor) share its
    connections, discovery document and keys with the flow.

    Publishes FlowStarted, then HttpExchange / UserActionRequired / TokenIssued as it goes, and
    FlowFailed before a failure, and always FlowFinished (also when cancelled).
    """
    options = options or FlowOptions()
    name = flow or DEFAULT_FLOW[profile.scenario]
    if options.finish == "device" and name == "auth-code":
        name = "device"  # no browser anywhere: the user signs in on another device
    run_id = run_id or new_run_id()
    bus.publish(FlowStarted(run_id=run_id, flow=name, profile=profile.name))
    ok = False
    own_client = client is None
    http = client or build_client(
        HttpOptions.from_profile(profile), bus=bus, run_id=run_id, redactor=secrets.redactor
    )
    try:
        if name not in FLOW_TARGETS:
            raise FlowError(f"unknown flow {name!r}", f"use one of: {', '.join(FLOW_TARGETS)}")
        ctx = FlowContext(
            profile=profile,
            secrets=secrets,
            bus=bus,
            run_id=run_id,
            client=http,
            options=options,
            cache=cache or AuthorityCache(),
            flow=name,
        )
        for finding in preflight(profile, name, secrets, options):
            if finding.level == "error":
                raise FlowError(finding.message, finding.hint, finding.remedy)
            ctx.warn(finding)
        result = await resolve(name)(ctx)
        for token in (result.identity, result.api_token):
            if token is not None:
                publish_token(bus, run_id, token)
        ok = True
        return result
    except TokenlabError as exc:
        bus.publish(
            FlowFailed(
                run_id=run_id,
                message=exc.message,
                hint=exc.hint,
                remedy=exc.remedy,
                error=str(getattr(exc, "error", "") or ""),
            )
        )
        raise
    except asyncio.CancelledError:
        bus.publish(FlowFailed(run_id=run_id, message="cancelled", cancelled=True))
        raise
    finally:
        if own_client:
            await http.aclose()
        bus.publish(FlowFinished(run_id=run_id, ok=ok))


def publish_token(bus: Bus, run_id: str, token: TokenSet) -> None:
    bus.publish(
        TokenIssued(
            run_id=run_id,
            token_type=token.token_type,
            expires_in=token.expires_in,
            scopes=token.scope,
            masked_token=mask(token.access_token),
        )
    )
