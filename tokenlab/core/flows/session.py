"""Ending things: token revocation (RFC 7009) and the sign-out (end-session) URL."""

from __future__ import annotations

from urllib.parse import urlencode

from tokenlab.core.authority import Discovery
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.token_endpoint import post_form
from tokenlab.core.secrets import SecretKind

FLOW = "revoke"


class SessionEndpointError(TokenlabError):
    """The identity service offers no revocation or end-session endpoint."""


async def revoke(ctx: FlowContext, token: str, token_type_hint: str = "") -> None:
    """Ask the identity service to revoke `token`, with the profile's client authentication.

    RFC 7009 2.2: the answer is 200 for unknown and already revoked tokens too, so success
    means "this token is no longer valid", not "it was valid before".
    """
    discovery = await ctx.discovery()
    endpoint = discovery.revocation_endpoint
    if not endpoint:
        raise SessionEndpointError(
            f"the identity service at {ctx.authority} offers no revocation endpoint",
            "the token stays valid until it expires; remove it from the keyring",
            remedy(
                RemedyKind.REMOVE_SECRET,
                profile=ctx.profile.name,
                kind=SecretKind.REFRESH_TOKEN.value,
            ),
        )
    ctx.secrets.redactor.add_known(token)
    form = {"token": token}
    if token_type_hint:
        form["token_type_hint"] = token_type_hint
    await post_form(ctx, endpoint, form, flow=FLOW, empty_ok=True)


def end_session_url(
    discovery: Discovery,
    id_token: str | None = None,
    post_logout_redirect_uri: str | None = None,
    state: str | None = None,
) -> str:
    """`GET {authority}/connect/endsession?id_token_hint=...&post_logout_redirect_uri=...&state=...`.

    The result carries the id token: show it masked, open it in a browser, never log it.
    The platform honours post_logout_redirect_uri only with a valid id_token_hint.
    """
    endpoint = discovery.end_session_endpoint
    if not endpoint:
        raise SessionEndpointError(
            f"the identity service at {discovery.authority} offers no end-session endpoint",
            "sign out in the browser instead; the tokens stay valid until they expire",
        )
    params = {
        key: value
        for key, value in (
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", post_logout_redirect_uri),
            ("state", state),
        )
        if value
    }
    if not params:
        return endpoint
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
