"""Introspection (RFC 7662): ask the authority about a token, with the profile's client.

It lives with the flows because the authority asks the client to authenticate (`post_form`);
the checks of the answer are inspection's own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES
from tokenlab.core.errors import RemedyKind, SecretMissingError, remedy
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.token_endpoint import post_form
from tokenlab.core.inspection.checks import Check, format_check, skip_check
from tokenlab.core.inspection.claim_checks import (
    ServerTime,
    expiry_check,
    issuer_check,
    scope_check,
)
from tokenlab.core.inspection.claims import ClaimRow, claim_row
from tokenlab.core.inspection.decode import DecodedToken, decode_token
from tokenlab.core.inspection.token_report import (
    DEFAULT_LEEWAY_S,
    TokenReport,
    ordered_checks,
)


async def introspect(
    ctx: FlowContext,
    token: DecodedToken | str,
    *,
    required_scopes: Sequence[str] = (),
    leeway: float = DEFAULT_LEEWAY_S,
    now: float | None = None,
) -> TokenReport:
    """Ask the authority about a token with the profile's client; a report either way.

    When the authority has no introspection endpoint, or the profile's
    client may not call it (public clients cannot authenticate), the report says so.
    """
    decoded = token if isinstance(token, DecodedToken) else decode_token(token)
    now = time.time() if now is None else now
    ctx.secrets.redactor.add_known(decoded.token)
    check, body = await _introspection(ctx, decoded)
    checks = [format_check(decoded, "any"), check]
    rows: tuple[ClaimRow, ...] = ()
    if body is not None and body.get("active") is True:
        checks += [
            issuer_check(body, ctx.authority, DEFAULT_GLOBAL_AUTHORITIES),
            expiry_check(body.get("exp"), ServerTime(now, 0.0, leeway), "any"),
            scope_check(body, required_scopes),
        ]
        rows = tuple(claim_row(k, v, now) for k, v in body.items())
    else:
        why = "nothing more can be checked without an active introspection answer"
        checks += [skip_check(n, why) for n in ("issuer", "expiry", "scope")]
    return TokenReport(
        decoded,
        ordered_checks(checks),
        (),
        now,
        authority=ctx.authority,
        introspection=body,
        answer_rows=rows,
    )


def _only_the_api_can_tell(ctx: FlowContext, why: str) -> Check:
    return skip_check(
        "introspection",
        f"{why}: only the API can tell whether this token is accepted",
        remedy=remedy(RemedyKind.PROBE_THE_API, profile=ctx.profile.name),
    )


async def _introspection(
    ctx: FlowContext, decoded: DecodedToken
) -> tuple[Check, dict[str, Any] | None]:
    """The introspection check, and the authority's answer when it gave one."""
    profile = ctx.profile
    endpoint = (await ctx.discovery()).introspection_endpoint
    if not endpoint:
        return _only_the_api_can_tell(
            ctx, f"{ctx.authority} publishes no introspection endpoint"
        ), None
    if profile.is_public_client or not profile.client_id:
        return _only_the_api_can_tell(
            ctx,
            f"the profile {profile.name!r} has no confidential client, and introspection needs "
            "the client's credentials",
        ), None
    try:
        body = await post_form(ctx, endpoint, {"token": decoded.token}, flow="introspection")
    except SecretMissingError as exc:
        reason = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
        return skip_check("introspection", reason, remedy=exc.remedy), None
    except TokenEndpointError as exc:
        return Check(
            "introspection",
            "warn",
            f"HTTP {exc.status}" if exc.status else "refused",
            "an answer",
            f"the authority refused to introspect with this client: {exc.error or exc.message}; "
            "the token itself is not judged",
        ), None
    return _answer_check(ctx, decoded, body), body


def _answer_check(ctx: FlowContext, decoded: DecodedToken, body: dict[str, Any]) -> Check:
    if body.get("active") is True:
        return Check(
            "introspection", "pass", "active", "active", f"{ctx.authority} says the token is active"
        )
    return Check(
        "introspection",
        "fail",
        "inactive",
        "active",
        f"{ctx.authority} says the token is not active: revoked, expired, or unknown to it"
        + (
            " (if the API accepts it anyway, this identity service does not "
            "introspect reference tokens)"
            if decoded.kind == "reference"
            else ""
        ),
    )
