"""Run a profile's flow: preflight, the flow itself, and the events around it.

One implementation serves the console, the headless CLI and the tests: they differ only in
how they subscribe to the bus and where pasted input comes from.
"""

from __future__ import annotations

import asyncio

import httpx

from tokenlab.core.authority import AuthorityCache
from tokenlab.core.demo_profiles import sandbox_gone
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, FlowFailed, FlowFinished, FlowStarted, TokenIssued, new_run_id
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.preflight import preflight_by_topic
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


def flow_name(profile: Profile, flow: str | None, options: FlowOptions) -> str:
    """The flow to run: the one asked for, else the scenario's; device when no browser is wanted."""
    name = flow or DEFAULT_FLOW[profile.scenario]
    if options.finish == "device" and name == "auth-code":
        return "device"  # no browser anywhere: the user signs in on another device
    return name


def _failed(run_id: str, exc: TokenlabError) -> FlowFailed:
    return FlowFailed(
        run_id=run_id,
        message=exc.message,
        hint=exc.hint,
        remedy=exc.remedy,
        error=str(getattr(exc, "error", "") or ""),
    )


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
    connections, discovery document and keys with the flow. The secret store's notices (no
    keyring, ...) go to this run's `bus`.

    Publishes FlowStarted, then HttpExchange / UserActionRequired / TokenIssued as it goes, and
    FlowFailed before a failure, and always FlowFinished (also when cancelled).
    """
    options = options or FlowOptions()
    name = flow_name(profile, flow, options)
    run_id = run_id or new_run_id()
    bus.publish(FlowStarted(run_id=run_id, flow=name, profile=profile.name))
    ok = False
    http = client or build_client(
        HttpOptions.from_profile(profile), bus=bus, run_id=run_id, redactor=secrets.redactor
    )
    try:
        ctx = FlowContext(
            profile=profile,
            secrets=secrets.for_run(bus, run_id),
            bus=bus,
            run_id=run_id,
            client=http,
            options=options,
            cache=cache or AuthorityCache(),
            flow=name,
        )
        result = await _checked_run(ctx)
        ok = True
        return result
    except TokenlabError as exc:
        explained = sandbox_gone(profile, exc)
        bus.publish(_failed(run_id, explained))
        if explained is not exc:
            raise explained from None
        raise
    except asyncio.CancelledError:
        bus.publish(FlowFailed(run_id=run_id, message="cancelled", cancelled=True))
        raise
    finally:
        if client is None:
            await http.aclose()
        bus.publish(FlowFinished(run_id=run_id, ok=ok))


async def _checked_run(ctx: FlowContext) -> FlowResult:
    """Preflight (an error stops the run before anything is sent), the flow, its tokens."""
    if ctx.flow not in FLOW_TARGETS:
        raise FlowError(f"unknown flow {ctx.flow!r}", f"use one of: {', '.join(FLOW_TARGETS)}")
    for topic, finding in preflight_by_topic(ctx.profile, ctx.flow, ctx.secrets, ctx.options):
        if finding.level == "error":
            raise FlowError(finding.message, finding.hint, finding.remedy)
        ctx.warn(finding, topic=topic)
    result = await resolve(ctx.flow)(ctx)
    for token in (result.identity, result.api_token):
        if token is not None:
            publish_token(ctx.bus, ctx.run_id, token)
    return result


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
