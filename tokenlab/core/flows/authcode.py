"""Authorization code + PKCE S256: the web application (confidential) and the SPA (public).

The web application does what the platform's tutorial does: `response_type=code id_token` with
`response_mode=form_post`, so the callback is a form POST with `code`, `state` and `id_token`.
The SPA asks for `code` in the query. The answer comes back to a loopback listener, or the user
pastes the address the browser ended on. `state` is compared before anything else: an answer
for another sign-in is refused and no code is exchanged. Every id_token is validated.

Reusable pieces: `build_authorize_request`, `parse_callback`, `parse_pasted`, `exchange_code`,
`sign_in` (also the first half of the web portal).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tokenlab.core.authority import Discovery, Finding
from tokenlab.core.browser import why_no_browser
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.events import Notice, UserActionRequired
from tokenlab.core.flows.authorize import (
    DEFAULT_REDIRECT_URI,
    FLOW,
    AuthorizeRequest,
    CallbackAnswer,
    Finish,
    SignInError,
    build_authorize_request,
    parse_callback,
    parse_pasted,
)
from tokenlab.core.flows.authorize_check import check_authorize_url
from tokenlab.core.flows.base import FlowContext, keep_refresh_token
from tokenlab.core.flows.loopback import (
    LoopbackListener,
    has_display,
    open_browser,
    over_ssh,
    ssh_forward_line,
)
from tokenlab.core.flows.token_endpoint import token_request
from tokenlab.core.inspection.id_token import validate_id_token
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from
from tokenlab.core.urls import is_loopback_host


async def exchange_code(
    ctx: FlowContext,
    code: str,
    *,
    redirect_uri: str,
    code_verifier: str,
) -> dict[str, Any]:
    """The token request for a code (with the profile's client authentication, none for a SPA)."""
    for value in (code, code_verifier):
        ctx.secrets.redactor.add_known(value)  # masked wherever they might show up
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return await token_request(ctx, form, flow=FLOW)


# -- finding out early that the browser will see an error page ----------------------------------


@dataclass(frozen=True)
class RedirectPlan:
    uri: str  # the profile's redirect URI (or the default), as registered
    loopback: bool
    host: str
    port: int  # 0: any free port
    path: str


def plan_redirect(profile: Profile) -> RedirectPlan:
    uri = profile.redirect_uri or DEFAULT_REDIRECT_URI
    parts = urlsplit(uri)
    host = parts.hostname or ""
    loopback = parts.scheme == "http" and is_loopback_host(host) and not parts.query
    port = parts.port or profile.loopback_port
    return RedirectPlan(uri, loopback, host, port, parts.path or "/")


def _with_port(uri: str, port: int) -> str:
    parts = urlsplit(uri)
    if not port or parts.port:
        return uri
    host = parts.hostname or ""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


OTHER_WAYS = remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste", "device"))


def choose_finish(ctx: FlowContext, plan: RedirectPlan) -> Finish:
    wanted = ctx.options.finish
    if wanted == "device":
        raise SignInError(
            "the device flow is a flow of its own, not a way to finish the code flow",
            "run the device flow instead",
            remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("device",)),
        )
    not_loopback = SignInError(
        f"the redirect URI {plan.uri} is not a loopback address: tokenlab cannot receive it",
        "paste the address the browser ends on, or register and use a loopback URI such as "
        "http://127.0.0.1:8765/callback",
        remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste",)),
    )
    if wanted == "paste" or (wanted is None and not plan.loopback):
        if ctx.options.paste is None and not plan.loopback:
            raise not_loopback
        if ctx.options.paste is None:
            raise SignInError(
                "paste was asked for, but nothing can read the pasted address here",
                "run from a terminal, or finish with the loopback listener",
            )
        if wanted is None:
            ctx.warn(
                Finding(
                    "ok",
                    f"the redirect URI {plan.uri} is not a loopback address: finish by pasting "
                    "the address the browser ends on",
                )
            )
        return "paste"
    if not plan.loopback:
        raise not_loopback
    return "loopback"


def _elsewhere(port: int, *, own_command: bool = False) -> tuple[str, str]:
    """(advice, the `ssh -L` line) when the browser is on another machine than this listener.
    `own_command`: the user's browser command opens it, wherever that is (not said twice)."""
    if over_ssh():
        command = ssh_forward_line(port)
        return (
            "\nYou are connected over SSH: the browser on your own machine reaches this listener "
            f"once you forward its port. In a new terminal on your machine run:\n    {command}\n"
            "then open the address there.",
            command,
        )
    if not has_display() and not own_command:
        return (
            "\nNo browser can open here: open the address on any machine that can reach "
            f"127.0.0.1:{port} here.",
            "",
        )
    return "", ""


def _deadline(ctx: FlowContext, seconds: float | None = None) -> float:
    """Epoch seconds when this wait ends (the run's wait, or less when the server says so)."""
    wait = ctx.options.wait_timeout if seconds is None else min(seconds, ctx.options.wait_timeout)
    return time.time() + wait


async def _await_paste(ctx: FlowContext, prompt: str) -> str:
    paste = ctx.options.paste
    assert paste is not None  # choose_finish made sure
    async with asyncio.timeout(ctx.options.wait_timeout):
        return await paste(prompt)


def _info(ctx: FlowContext, message: str, hint: str = "", fix: Remedy | None = None) -> None:
    ctx.publish(
        Notice(
            run_id=ctx.run_id, level="info", message=message, hint=hint, remedy=fix, topic="flow"
        )
    )


async def _ask_to_sign_in(
    ctx: FlowContext, request: AuthorizeRequest, listener: LoopbackListener
) -> None:
    """Show the sign-in address (and open it when a browser can), with what else works."""
    command = ctx.options.browser_command
    browser = ctx.options.open_browser and (bool(command) or has_display())
    advice, ssh_command = _elsewhere(listener.port, own_command=bool(command))
    ctx.publish(
        UserActionRequired(
            run_id=ctx.run_id,
            action="open-url",
            url=request.url,
            redirect_uri=listener.redirect_uri,
            ssh_command=ssh_command,
            deadline=_deadline(ctx),
            message=(
                "Sign in at this address"
                + (
                    " (tokenlab opens it with your browser command)"
                    if browser and command
                    else " (tokenlab opens it in your browser)"
                    if browser
                    else ""
                )
                + f". tokenlab waits for the answer on {listener.redirect_uri} "
                f"for up to {ctx.options.wait_timeout:g} s." + advice
            ),
        )
    )
    if advice:  # the browser may never reach this listener
        _info(
            ctx,
            "if the browser cannot reach this machine, finish the sign-in another way",
            "paste the address the browser ends on, or enter a code on any device",
            OTHER_WAYS,
        )
    why_not = why_no_browser()
    if ctx.options.open_browser and not browser and why_not:
        _info(ctx, f"no browser is opened: {why_not}")
    if browser and not await open_browser(request.url, command):
        _info(
            ctx,
            "the browser command failed: open the address yourself"
            if command
            else "no browser could be opened: open the address yourself",
        )


async def _receive_by_loopback(
    ctx: FlowContext, plan: RedirectPlan, discovery: Discovery, scopes: tuple[str, ...] | None
) -> tuple[AuthorizeRequest, dict[str, str]]:
    async with LoopbackListener(port=plan.port, path=plan.path, host=plan.host) as listener:
        request = build_authorize_request(
            ctx.profile,
            authorization_endpoint=discovery.authorization_endpoint,
            redirect_uri=_with_port(plan.uri, listener.port),
            finish="loopback",
            scopes=scopes,
        )
        listener.expect_state(request.state)  # answers for anything else are ignored
        _show_notes(ctx, request)
        await check_authorize_url(ctx, request)
        await _ask_to_sign_in(ctx, request, listener)
        callback = await listener.wait(ctx.options.wait_timeout)
    mode = "form_post" if callback.method == "POST" else "query"
    _info(ctx, f"the answer reached {listener.redirect_uri} ({mode})")
    if listener.ignored():
        ctx.warn(
            Finding(
                "warning",
                f"{listener.ignored()} before the sign-in's answer arrived",
                "they did not come from this sign-in: another web page may have tried to end it",
            )
        )
    return request, callback.params


async def _receive_by_paste(
    ctx: FlowContext, plan: RedirectPlan, discovery: Discovery, scopes: tuple[str, ...] | None
) -> tuple[AuthorizeRequest, dict[str, str]]:
    request = build_authorize_request(
        ctx.profile,
        authorization_endpoint=discovery.authorization_endpoint,
        redirect_uri=_with_port(plan.uri, plan.port),
        finish="paste",
        scopes=scopes,
    )
    _show_notes(ctx, request)
    await check_authorize_url(ctx, request)
    ctx.publish(
        UserActionRequired(
            run_id=ctx.run_id,
            action="paste-redirect",
            url=request.url,
            redirect_uri=request.redirect_uri,
            expects_paste=True,
            deadline=_deadline(ctx),
            message=(
                "Open this address in a browser on any machine and sign in. The browser then "
                f"goes to {request.redirect_uri}?code=... (a page that may fail to load: that is "
                "fine). Copy that whole address from the address bar and paste it here "
                "(or only the code)."
            ),
        )
    )
    try:
        text = await _await_paste(ctx, "Paste the address the browser ended on: ")
    except TimeoutError:
        raise SignInError(
            f"nothing was pasted within {ctx.options.wait_timeout:g} s",
            "if the browser showed an error page instead of going on, the redirect URI is likely "
            "not registered exactly on the Trusted Application (ImpersonateLoginUrl)",
        ) from None
    pasted = parse_pasted(
        str(text),
        authorization_endpoint=discovery.authorization_endpoint,
        profile=ctx.profile,
        redirect_uri=request.redirect_uri,
    )
    # state is checked whenever it was pasted; without it, sign_in says it could not be
    return request, pasted.params


def _show_notes(ctx: FlowContext, request: AuthorizeRequest) -> None:
    for note in request.notes:
        ctx.warn(Finding("warning", note))


@dataclass(frozen=True)
class SignIn:
    token: TokenSet
    claims: dict[str, Any] | None  # the validated id_token's claims, when one came
    notes: tuple[str, ...]


async def _answer(
    ctx: FlowContext, discovery: Discovery, scopes: tuple[str, ...] | None
) -> tuple[AuthorizeRequest, CallbackAnswer]:
    """Send the user to sign in, receive the answer (loopback or paste) and check it."""
    plan = plan_redirect(ctx.profile)
    finish = choose_finish(ctx, plan)
    receive = _receive_by_loopback if finish == "loopback" else _receive_by_paste
    request, params = await receive(ctx, plan, discovery, scopes)
    if finish == "paste" and "state" not in params:
        ctx.warn(
            Finding(
                "warning",
                "state could not be checked: what was pasted carries no state",
                "paste the whole address next time, so tokenlab can tie the answer to this sign-in",
            )
        )
    answer = parse_callback(
        params,
        request,
        profile=ctx.profile,
        issuer=discovery.issuer,
        state_required=finish == "loopback",  # a pasted bare code carries no state
    )
    return request, answer


async def _validate(
    ctx: FlowContext,
    discovery: Discovery,
    request: AuthorizeRequest,
    id_token: str,
    *,
    code: str | None = None,
    access_token: str | None = None,
) -> dict[str, Any]:
    ctx.secrets.redactor.add_known(id_token)
    return await validate_id_token(
        id_token,
        discovery=discovery,
        client=ctx.client,
        cache=ctx.cache,
        client_id=ctx.profile.client_id,
        nonce=request.nonce,
        code=code,
        access_token=access_token,
        require_c_hash=code is not None,
    )


async def sign_in(ctx: FlowContext, *, scopes: tuple[str, ...] | None = None) -> SignIn:
    """The whole interactive code flow: authorize, receive, check, exchange, validate."""
    discovery = await ctx.discovery()
    if not discovery.authorization_endpoint:
        raise SignInError(
            f"discovery of {ctx.authority} has no authorization_endpoint",
            "this identity service offers no interactive sign-in; the device flow may work if "
            "it has a device endpoint",
            remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("device",)),
        )
    request, answer = await _answer(ctx, discovery, scopes)
    front: dict[str, Any] | None = None
    if answer.id_token:
        # hybrid: check the id_token that came with the code before using the code (OIDC 3.3.2.8)
        front = await _validate(ctx, discovery, request, answer.id_token, code=answer.code)
    elif "id_token" in request.response_type.split():
        raise SignInError(
            f"response_type {request.response_type} was asked for but no id_token came back",
            "the identity service ignored the response type; see the trace",
        )
    body = await exchange_code(
        ctx, answer.code, redirect_uri=request.redirect_uri, code_verifier=request.code_verifier
    )
    token = token_set_from(body, FLOW, request.scopes)
    claims = front
    if token.id_token:
        claims = await _validate(
            ctx, discovery, request, token.id_token, access_token=token.access_token
        )
        if front is not None and front.get("sub") != claims.get("sub"):
            raise SignInError(
                "the two id_tokens of this sign-in name different users",
                "the answer was tampered with; sign in again",
            )
    elif "openid" in request.scopes:
        ctx.warn(Finding("warning", "openid was asked for but the token response has no id_token"))
    keep_refresh_token(ctx, token)
    return SignIn(token, claims, _notes(ctx, request, token, claims))


def _notes(
    ctx: FlowContext, request: AuthorizeRequest, token: TokenSet, claims: dict[str, Any] | None
) -> tuple[str, ...]:
    notes: list[str] = []
    if claims is not None:
        who = claims.get("name") or claims.get("preferred_username") or claims.get("email")
        notes.append(
            f"signed in as {who} (sub {claims.get('sub')})"
            if who
            else f"signed in: sub {claims.get('sub')}"
        )
    if token.refresh_token:
        where = ctx.secrets.where(ctx.profile.name, SecretKind.REFRESH_TOKEN)
        notes.append(f"a refresh token was issued and kept in {where.source} (never on disk)")
    elif "offline_access" in request.scopes:
        notes.append(
            "offline_access was asked for but no refresh token came back "
            "(public clients get none on this platform)"
        )
    return tuple(notes)


async def run_auth_code(ctx: FlowContext) -> FlowResult:
    result = await sign_in(ctx)
    return ctx.result(FLOW, result.token, notes=result.notes)
