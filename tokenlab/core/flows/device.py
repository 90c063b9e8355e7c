"""The device authorization grant (RFC 8628): sign in on another device, no browser needed here.

Shows the user code and where to enter it, then polls the token endpoint at the pace the
identity service asks for. Cancelling the awaiting task stops polling at once: the flow runs
in the caller's task and starts none of its own.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import Notice, UserActionRequired
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.base import FlowContext, keep_refresh_token
from tokenlab.core.flows.refresh import refresh_token_note
from tokenlab.core.flows.token_endpoint import post_form, token_request
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from

FLOW = "device"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class DeviceFlowError(TokenlabError):
    """The device flow cannot run here, or ended without a token (timeout, expiry)."""


@dataclass(frozen=True)
class DevicePacing:
    """How fast to poll. RFC 8628 3.5 values by default; tests make the slow_down step small."""

    default_interval_s: float = 5.0  # when the answer has no `interval`
    slow_down_step_s: float = 5.0  # added to the interval on every `slow_down`


PACING = DevicePacing()


@dataclass(frozen=True)
class DeviceAuthorization:
    """The answer of the device authorization endpoint. `device_code` is a secret."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float | None
    interval: float

    @property
    def url(self) -> str:
        """Where to send the user: the complete URI carries the code, so nothing to type."""
        return self.verification_uri_complete or self.verification_uri


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return None
    return seconds if 0 < seconds < math.inf else None


def read_device_authorization(body: dict[str, Any], pacing: DevicePacing) -> DeviceAuthorization:
    missing = [k for k in ("device_code", "user_code", "verification_uri") if not body.get(k)]
    if missing:
        raise DeviceFlowError(
            f"the device authorization endpoint answered without {', '.join(missing)}",
            "the identity service does not follow RFC 8628; see the trace",
        )
    return DeviceAuthorization(
        device_code=str(body["device_code"]),
        user_code=str(body["user_code"]),
        verification_uri=str(body["verification_uri"]),
        verification_uri_complete=str(body.get("verification_uri_complete") or ""),
        expires_in=_seconds(body.get("expires_in")),
        interval=_seconds(body.get("interval")) or pacing.default_interval_s,
    )


async def start_device_authorization(ctx: FlowContext, pacing: DevicePacing) -> DeviceAuthorization:
    discovery = await ctx.discovery()
    endpoint = discovery.device_authorization_endpoint
    if not endpoint:
        raise DeviceFlowError(
            f"the identity service at {ctx.authority} offers no device authorization endpoint",
            "sign in with the code flow instead: open the sign-in address on any device and paste "
            "the address the browser ends on (or use the loopback listener with `ssh -L`)",
            remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste",)),
        )
    form: dict[str, str] = {}
    if ctx.profile.scopes:
        form["scope"] = " ".join(ctx.profile.scopes)
    body = await post_form(ctx, endpoint, form, flow=FLOW)  # errors come explained and scrubbed
    grant = read_device_authorization(body, pacing)
    ctx.secrets.redactor.add_known(grant.device_code)  # masked wherever it may show up
    return grant


def _instructions(grant: DeviceAuthorization) -> str:
    expires = f"; the code expires in {grant.expires_in:.0f} s" if grant.expires_in else ""
    if grant.verification_uri_complete:
        return (
            f"open {grant.verification_uri_complete} on any device, check that it shows the code "
            f"{grant.user_code}, sign in and approve{expires}"
        )
    return (
        f"open {grant.verification_uri} on any device, enter the code {grant.user_code}, "
        f"sign in and approve{expires}"
    )


async def poll_for_token(
    ctx: FlowContext, grant: DeviceAuthorization, pacing: DevicePacing
) -> dict[str, Any]:
    """Poll until the user approves, denies, the code expires or our wait ends."""
    started = time.monotonic()
    wait_until = started + ctx.options.wait_timeout
    expires_at = started + grant.expires_in if grant.expires_in is not None else None
    interval = grant.interval
    form = {"grant_type": DEVICE_GRANT, "device_code": grant.device_code}
    while True:
        left = wait_until - time.monotonic()
        if left <= 0 or left < interval:
            # polling again sooner than `interval` would earn a slow_down: stop at the deadline
            await asyncio.sleep(max(left, 0))
            raise DeviceFlowError(
                f"no approval within {ctx.options.wait_timeout:g} s",
                f"approve sooner at {grant.url}, or wait longer",
                remedy(RemedyKind.WAIT_LONGER, seconds=ctx.options.wait_timeout),
            )
        await asyncio.sleep(interval)
        try:
            return await token_request(ctx, form, flow=FLOW)
        except TokenEndpointError as exc:
            if exc.error == "authorization_pending":
                pass
            elif exc.error == "slow_down":
                interval += pacing.slow_down_step_s  # RFC 8628 3.5: for this and later polls
                ctx.publish(
                    Notice(
                        run_id=ctx.run_id,
                        level="info",
                        message=f"the identity service asked to poll slower: every {interval:g} s now",
                        topic="flow",
                    )
                )
            else:
                raise  # access_denied, expired_token, ...: explained and scrubbed by post_form
        if expires_at is not None and time.monotonic() >= expires_at:
            # the server should have said expired_token; do not poll a dead code forever
            raise DeviceFlowError(
                f"the device code expired after {grant.expires_in:g} s before it was approved",
                "start the device flow again and approve sooner",
            )


async def device_flow(ctx: FlowContext, pacing: DevicePacing | None = None) -> TokenSet:
    pacing = pacing or PACING
    grant = await start_device_authorization(ctx, pacing)
    wait = ctx.options.wait_timeout
    ctx.publish(
        UserActionRequired(
            run_id=ctx.run_id,
            action="enter-code",
            message=_instructions(grant),
            url=grant.url,
            user_code=grant.user_code,
            verification_uri=grant.verification_uri,
            verification_uri_complete=grant.verification_uri_complete,
            # the wait ends when the code expires or this run stops waiting, whichever is first
            deadline=time.time() + min(grant.expires_in or wait, wait),
        )
    )
    body = await poll_for_token(ctx, grant, pacing)
    token = token_set_from(body, FLOW, ctx.profile.scopes)
    keep_refresh_token(ctx, token)
    return token


async def run_device(ctx: FlowContext) -> FlowResult:
    token = await device_flow(ctx)
    notes = refresh_token_note(ctx) if token.refresh_token else ()
    return ctx.result(FLOW, token, notes=notes)
