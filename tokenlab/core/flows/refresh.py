"""The refresh_token grant, with rotation: every refresh returns a new refresh token.

The new refresh token replaces the old one in the keyring (or this run's memory), never on disk;
the old one is dead from then on (a provider that sees it again revokes the whole grant). So a
refresh holds the profile's refresh lock (`core/locks.py`) from reading the stored token to
storing its successor: another process refreshing the same profile waits, then reads the token
this one stored. A refusal carries what the flow knows (`RefreshAttempt`) for its explanation.
"""

from __future__ import annotations

import time
from dataclasses import replace

from tokenlab.core.errors import RemedyKind, SecretMissingError, remedy
from tokenlab.core.events import Notice
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.base import FlowContext, keep_refresh_token
from tokenlab.core.flows.token_endpoint import token_request
from tokenlab.core.locks import HeldLock, profile_lock
from tokenlab.core.refresh_evidence import RefreshAttempt, says_reused
from tokenlab.core.secrets import SecretKind
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from

__all__ = [  # RefreshAttempt lives below the flows, where the causes table can read it
    "RefreshAttempt",
    "RefreshTokenRefusedError",
    "ensure_fresh",
    "refresh",
    "refresh_token_note",
    "refused_refresh",
    "run_refresh",
    "stored_refresh_token",
]

FLOW = "refresh"
DEFAULT_MARGIN_S = 60.0
LOCK_PURPOSE = "refresh"


class RefreshTokenRefusedError(TokenEndpointError):
    """invalid_grant to a refresh: the token endpoint's error, with the flow's `attempt`."""

    attempt: RefreshAttempt


def refused_refresh(exc: TokenEndpointError, attempt: RefreshAttempt) -> RefreshTokenRefusedError:
    """`exc` as a `RefreshTokenRefusedError`: the same message, hint, remedy and evidence."""
    refused = RefreshTokenRefusedError.__new__(RefreshTokenRefusedError)
    refused.__dict__.update(exc.__dict__)  # whatever the explanation put there
    refused.args = exc.args
    refused.attempt = attempt
    return refused


def stored_refresh_token(ctx: FlowContext) -> str:
    """The refresh token to use: the one given for this run, else the profile's stored one."""
    return _token_to_spend(ctx, None)[0]


def _missing(ctx: FlowContext) -> SecretMissingError:
    name = ctx.profile.name
    kept = (
        "the refresh token is kept in the keyring for later runs"
        if ctx.secrets.backend_status().usable
        else "with no usable keyring here, the refresh token is kept only in the memory of the "
        "run that signed in: refresh within that same session"
    )
    return SecretMissingError(
        f"profile {name!r} has no refresh token",
        f"sign in first with the offline_access scope (code or device flow); {kept}",
        remedy(RemedyKind.SIGN_IN_FIRST, profile=name),
    )


def _token_to_spend(ctx: FlowContext, in_hand: str | None) -> tuple[str, str, bool]:
    """(token, where it came from, whether a stale token in hand was replaced).

    Read under the lock: another process may have rotated the token since `in_hand` was had."""
    given = ctx.options.refresh_token
    if given:
        return given, "given", False
    stored, where = ctx.secrets.lookup(ctx.profile.name, SecretKind.REFRESH_TOKEN)
    if in_hand and (stored is None or stored == in_hand):
        return in_hand, "in-hand", False
    if stored is None:
        raise _missing(ctx)
    return stored, where.source, bool(in_hand)


def refresh_token_note(ctx: FlowContext) -> tuple[str, ...]:
    """Where the newest refresh token went, for the result's notes (never the value)."""
    where = ctx.secrets.where(ctx.profile.name, SecretKind.REFRESH_TOKEN)
    if where.source == "keyring":
        return ("the newest refresh token is in the OS keyring (it replaced any older one)",)
    if where.source == "memory":
        return ("the newest refresh token is kept in this run's memory only (no usable keyring)",)
    return ()


async def refresh(
    ctx: FlowContext, refresh_token: str | None = None, *, lock: bool = True
) -> TokenSet:
    """One refresh_token grant; the rotated refresh token is kept before returning.

    `lock=False` skips the profile's refresh lock (tests show what it prevents)."""
    if not lock:
        return await _refresh_once(ctx, refresh_token, None)
    timeout = max(30.0, 3 * ctx.profile.timeout)  # longer than the request it waits for
    async with profile_lock(ctx.profile.name, LOCK_PURPOSE, timeout=timeout) as held:
        return await _refresh_once(ctx, refresh_token, held)


async def _refresh_once(ctx: FlowContext, in_hand: str | None, held: HeldLock | None) -> TokenSet:
    current, source, replaced_stale = _token_to_spend(ctx, in_hand)
    read_at = time.monotonic()
    ctx.secrets.redactor.add_known(current)
    form = {"grant_type": "refresh_token", "refresh_token": current}
    try:
        body = await token_request(ctx, form, flow=FLOW)  # errors come back explained and scrubbed
    except TokenEndpointError as exc:
        if held is not None:
            held.note("refused")
        if exc.error != "invalid_grant":
            raise
        attempt = _attempt(exc, source, read_at, held, replaced_stale)
        raise refused_refresh(exc, attempt) from None
    token = token_set_from(body, FLOW, ctx.profile.scopes)
    if token.refresh_token and token.refresh_token != current:
        keep_refresh_token(ctx, token)
    elif not token.refresh_token:
        # no rotation: the old refresh token stays valid; keep it with the new access token
        token = replace(token, refresh_token=current)
    if held is not None:
        held.note("rotated")
    return token


def _attempt(
    exc: TokenEndpointError, source: str, read_at: float, held: HeldLock | None, replaced: bool
) -> RefreshAttempt:
    previous = held.previous if held is not None else None
    return RefreshAttempt(
        source=source,
        read_age_s=time.monotonic() - read_at,
        locked=held is not None,
        waited_for_lock_s=held.waited_s if held is not None else 0.0,
        last_holder_pid=previous.pid if previous else None,
        last_holder_did=previous.what if previous else "",
        last_holder_s_ago=previous.age_s() if previous else None,
        stale_token_replaced=replaced,
        server_says_reused=says_reused(exc.description),
    )


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
