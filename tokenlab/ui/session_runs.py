"""Worker bodies for the Flow pane's "revoke" and "sign out": the session's steps of the core
(core/flows/session.py), published on the run's bus like a flow, so the pane's timeline shows
the exchanges and the outcome.

Revoke asks the identity service to revoke the tokens the console holds (the refresh token
first, then the access token); sign out does the same and gives the end-session address to open
in the browser. The address carries no id_token_hint: the identity service then asks the person
to confirm, and no token is ever shown on screen.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import (
    FlowFailed,
    FlowFinished,
    FlowStarted,
    Notice,
    new_run_id,
)
from tokenlab.ui.messages import SessionEnded

if TYPE_CHECKING:  # the flows (and httpx with them) load on the first session step
    from tokenlab.core.authority import AuthorityCache
    from tokenlab.core.events import Bus
    from tokenlab.core.flows.base import FlowContext
    from tokenlab.core.profiles import Profile
    from tokenlab.core.secrets import SecretStore
    from tokenlab.core.token_set import TokenSet

SESSION_FLOWS = ("revoke", "sign-out")


async def _revoke_held(ctx: FlowContext, token: TokenSet | None) -> tuple[str, ...]:
    """Revoke what the console holds; the names of what was revoked, refresh token first."""
    from tokenlab.core.flows.session import revoke

    if token is None:
        return ()
    held: tuple[tuple[str, str, str | None], ...] = (
        ("refresh token", "refresh_token", token.refresh_token),
        ("access token", "access_token", token.access_token),
    )
    done = []
    for name, hint, value in held:
        if value:
            await revoke(ctx, value, hint)
            done.append(name)
    return tuple(done)


def _revoked_notice(run_id: str, revoked: tuple[str, ...]) -> Notice:
    if not revoked:
        return Notice(run_id=run_id, level="info", message="no token held: nothing to revoke")
    return Notice(
        run_id=run_id,
        level="info",
        message=f"revoked: the {' and the '.join(revoked)}",
        hint="a reference or refresh token stops working now; a JWT access token stays valid "
        "until it expires, as the API checks only its signature",
        topic="flow",
    )


async def end_session(
    profile: Profile,
    token: TokenSet | None,
    *,
    action: str,
    secrets: SecretStore,
    bus: Bus,
    cache: AuthorityCache,
) -> SessionEnded:
    """Revoke the held tokens (`action` "revoke"), and give the sign-out address ("sign-out")."""
    if action == "revoke" and token is None:
        raise TokenlabError(
            "no token to revoke",
            "the console revokes the tokens of its last run",
            remedy(RemedyKind.SIGN_IN_FIRST, profile=profile.name),
        )
    run_id = new_run_id()
    bus.publish(FlowStarted(run_id=run_id, flow=action, profile=profile.name))
    ok = False
    from tokenlab.core.flows.base import FlowContext
    from tokenlab.core.flows.session import end_session_url
    from tokenlab.core.http import HttpOptions, build_client

    http = build_client(
        HttpOptions.from_profile(profile), bus=bus, run_id=run_id, redactor=secrets.redactor
    )
    ctx = FlowContext(
        profile=profile,
        secrets=secrets.for_run(bus, run_id),
        bus=bus,
        run_id=run_id,
        client=http,
        cache=cache,
        flow=action,
    )
    try:
        revoked = await _revoke_held(ctx, token)
        bus.publish(_revoked_notice(run_id, revoked))
        url = end_session_url(await ctx.discovery()) if action == "sign-out" else ""
        ok = True
        return SessionEnded(profile, action, revoked, url)
    except TokenlabError as exc:
        bus.publish(
            FlowFailed(run_id=run_id, message=exc.message, hint=exc.hint, remedy=exc.remedy)
        )
        raise
    except asyncio.CancelledError:
        bus.publish(FlowFailed(run_id=run_id, message="cancelled", cancelled=True))
        raise
    finally:
        await http.aclose()
        bus.publish(FlowFinished(run_id=run_id, ok=ok))
