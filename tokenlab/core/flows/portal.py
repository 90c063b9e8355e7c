"""The web portal: two flows in one run, each for its own job.

The code flow with `openid profile` only identifies the user (its token is not for the API);
then client_credentials gets the token that calls the API, as the portal's system user. The
result holds both and says which one calls the API.
"""

from __future__ import annotations

from tokenlab.core.flows.authcode import sign_in
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.client_credentials import client_credentials
from tokenlab.core.scopes import PROTOCOL_SCOPES
from tokenlab.core.token_set import FlowResult

FLOW = "portal"
SIGN_IN_SCOPES = ("openid", "profile")
DEFAULT_API_SCOPES = ("read", "update")


def api_scopes(profile_scopes: tuple[str, ...]) -> tuple[str, ...]:
    """The profile's API scopes (protocol scopes belong to the sign-in), by default read update."""
    return tuple(s for s in profile_scopes if s not in PROTOCOL_SCOPES) or DEFAULT_API_SCOPES


async def run_portal(ctx: FlowContext) -> FlowResult:
    identity = await sign_in(ctx, scopes=SIGN_IN_SCOPES)
    scopes = api_scopes(ctx.profile.scopes)
    api_token = await client_credentials(ctx, scopes)
    notes = (
        *identity.notes,
        "the API is called with api_token (client credentials, as the Trusted Application's "
        "system user); the sign-in token (identity) only says who the user is",
    )
    return ctx.result(FLOW, api_token, identity=identity.token, notes=notes)
