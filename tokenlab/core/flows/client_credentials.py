"""client_credentials: the service application's flow, and the web portal's API token."""

from __future__ import annotations

from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.token_endpoint import token_request
from tokenlab.core.scopes import PROTOCOL_SCOPES
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from

FLOW = "client-credentials"


async def client_credentials(ctx: FlowContext, scopes: tuple[str, ...] | None = None) -> TokenSet:
    """One token request; no scope means "everything the Trusted Application allows"."""
    wanted = ctx.profile.scopes if scopes is None else scopes
    wanted = tuple(s for s in wanted if s not in PROTOCOL_SCOPES)  # never in service tokens
    form = {"grant_type": "client_credentials"}
    if wanted:
        form["scope"] = " ".join(wanted)
    body = await token_request(ctx, form, flow=FLOW)
    return token_set_from(body, FLOW, wanted)


async def run_client_credentials(ctx: FlowContext) -> FlowResult:
    token = await client_credentials(ctx)
    return ctx.result(FLOW, token)
