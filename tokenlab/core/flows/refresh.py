"""The refresh_token grant, with rotation: every refresh returns a new refresh token.

The new refresh token replaces the old one in the keyring (or this run's memory), never on disk;
the old one is dead from then on (a provider that sees it again revokes the whole grant).
"""

from __future__ import annotations

from dataclasses import replace

from tokenlab.core.errors import RemedyKind, SecretMissingError, remedy
from tokenlab.core.events import Notice
from tokenlab.core.flows.base import FlowContext, keep_refresh_token
from tokenlab.core.flows.token_endpoint import token_request
from tokenlab.core.secrets import SecretKind
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from

FLOW = "refresh"
DEFAULT_MARGIN_S = 60.0


def stored_refresh_token(ctx: FlowContext) -> str:
    """The refresh token to use: the one given for this run, else the profile's stored one."""
    given = ctx.options.refresh_token
    if given:
        return given
    token = ctx.secrets.get(ctx.profile.name, SecretKind.REFRESH_TOKEN)
    if token is None:
        name = ctx.profile.name
        raise SecretMissingError(
            f"profile {name!r} has no refresh token",
            "sign in first with the offline_access scope (code or device flow); the refresh token "
            "is kept in the keyring for later runs",
            remedy(RemedyKind.SIGN_IN_FIRST, profile=name),
        )
    return token


def refresh_token_note(ctx: FlowContext) -> tuple[str, ...]:
    """Where the newest refresh token went, for the result's notes (never the value)."""
    where = ctx.secrets.where(ctx.profile.name, SecretKind.REFRESH_TOKEN)
    if where.source == "keyring":
        return ("the newest refresh token is in the OS keyring (it replaced any older one)",)
    if where.source == "memory":
        return ("the newest refresh token is kept in this run's memory only (no usable keyring)",)
    return ()


async def refresh(ctx: FlowContext, refresh_token: str | None = None) -> TokenSet:
    """One refresh_token grant; the rotated refresh token is kept before returning."""
    current = refresh_token or stored_refresh_token(ctx)
    ctx.secrets.redactor.add_known(current)
    form = {"grant_type": "refresh_token", "refresh_token": current}
    body = await token_request(ctx, form, flow=FLOW)  # errors come back explained and scrubbed
    token = token_set_from(body, FLOW, ctx.profile.scopes)
    if token.refresh_token and token.refresh_token != current:
        keep_refresh_token(ctx, token)
    elif not token.refresh_token:
        # no rotation: the old refresh token stays valid; keep it with the new access token
        token = replace(token, refresh_token=current)
    return token


async def ensure_fresh(
    ctx: FlowContext, token: TokenSet, margin_s: float = DEFAULT_MARGIN_S
) -> TokenSet:
    """`token` if it lives longer than `margin_s`, else a refreshed one (unknown expiry: as is)."""
    left = token.seconds_left()
    if left is None or left > margin_s:
        return token
    ctx.publish(
        Notice(
            run_id=ctx.run_id,
            level="info",
            message=f"the access token {'expired' if left <= 0 else f'expires in {left:.0f} s'}: refreshing it",
            topic="flow",
        )
    )
    return await refresh(ctx, token.refresh_token)


async def run_refresh(ctx: FlowContext) -> FlowResult:
    token = await refresh(ctx)
    return ctx.result(FLOW, token, notes=refresh_token_note(ctx))
