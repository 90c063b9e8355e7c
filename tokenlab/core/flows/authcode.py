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
import hmac
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from tokenlab.core.authority import Discovery, Finding
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Notice, UserActionRequired
from tokenlab.core.explain import Answer, TokenEndpointError, explain
from tokenlab.core.flows.base import (
    FlowContext,
    FlowResult,
    TokenSet,
    keep_refresh_token,
    token_set_from,
)
from tokenlab.core.flows.loopback import (
    LoopbackListener,
    has_display,
    open_browser,
    over_ssh,
    ssh_forward_line,
)
from tokenlab.core.flows.token_endpoint import pkce_pair, random_value, token_request
from tokenlab.core.id_token import validate_id_token
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind
from tokenlab.core.urls import is_loopback_host

FLOW = "auth-code"
HYBRID = "code id_token"
DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
# What the profile's authorize_params may not replace: they carry the flow's security.
PROTECTED_PARAMS = frozenset(
    {
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }
)
# OAuth / OIDC errors an authorize endpoint shows or sends back (RFC 6749 4.1.2.1, OIDC 3.1.2.6).
AUTHORIZE_ERRORS = (
    "invalid_redirect_uri",
    "redirect_uri_mismatch",
    "unauthorized_client",
    "invalid_client",
    "access_denied",
    "invalid_scope",
    "unsupported_response_type",
    "unsupported_response_mode",
    "invalid_request",
    "login_required",
    "consent_required",
    "interaction_required",
    "server_error",
    "temporarily_unavailable",
)
_ERROR_WORD = re.compile(r"\b(" + "|".join(AUTHORIZE_ERRORS) + r")\b")
_ERROR_DESCRIPTION = re.compile(
    r"""(?:id|class)=["']error_description["'][^>]*>([^<]{1,400})""", re.IGNORECASE
)
_FORM_ACTION = re.compile(r"""<form\b[^>]*\baction=["']([^"']*)["']""", re.IGNORECASE)
_HIDDEN_INPUT = re.compile(
    r"""<input\b[^>]*\bname=["']([^"']*)["'][^>]*\bvalue=["']([^"']*)["']""", re.IGNORECASE
)

Finish = Literal["loopback", "paste"]


class SignInError(TokenlabError):
    """The interactive part of a code flow did not give a usable answer."""


class StateMismatchError(SignInError):
    """The answer carries another sign-in's `state`: refused, nothing exchanged."""


class AuthorizeError(TokenEndpointError):
    """The authorize endpoint refused the request (an error page, or `error=` on the redirect)."""


# -- the authorize request ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizeRequest:
    """One sign-in attempt: the URL to open and what must come back. Holds the PKCE verifier."""

    url: str
    redirect_uri: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)
    response_type: str
    response_mode: str  # "query" | "fragment" | "form_post"
    scopes: tuple[str, ...]
    notes: tuple[str, ...] = ()  # adjustments made to the profile's wishes, to show the user


def default_response(profile: Profile, finish: Finish) -> tuple[str, str]:
    """(response_type, response_mode) of the scenario: the web app's tutorial, else plain code."""
    if profile.scenario == "web-app" and finish == "loopback" and "openid" in profile.scopes:
        return HYBRID, "form_post"
    return "code", "query"


def _natural_mode(response_type: str) -> str:
    # OAuth 2.0 Multiple Response Types: anything beyond `code` defaults to the fragment
    return "query" if response_type == "code" else "fragment"


def build_authorize_request(
    profile: Profile,
    *,
    authorization_endpoint: str,
    redirect_uri: str,
    finish: Finish = "loopback",
    scopes: tuple[str, ...] | None = None,
) -> AuthorizeRequest:
    """The authorize URL with fresh state, nonce and PKCE S256, and the profile's extra params."""
    wanted = profile.scopes if scopes is None else scopes
    response_type, response_mode = default_response(profile, finish)
    extra: dict[str, str] = {}
    notes: list[str] = []
    for key, value in profile.authorize_params:
        if key in PROTECTED_PARAMS:
            notes.append(f"the authorize parameter {key!r} from the profile was ignored")
        elif key == "response_type":
            response_type = " ".join(sorted(value.split()))
        elif key == "response_mode":
            response_mode = value
        else:
            extra[key] = value
    if finish == "paste" and response_mode == "form_post":
        # a form_post cannot be pasted; the address bar can hold a query or a fragment
        response_mode = _natural_mode(response_type)
        notes.append(f"to paste the answer, it comes back in the {response_mode}, not form_post")
    if "id_token" in response_type.split() and response_mode == "query":
        response_mode = "fragment"  # OIDC forbids tokens in the query
        notes.append("an id_token never travels in the query: asking for the fragment")
    verifier, challenge = pkce_pair()
    state, nonce = random_value(), random_value()
    params = {
        "client_id": profile.client_id,
        "redirect_uri": redirect_uri,
        "response_type": response_type,
        "scope": " ".join(wanted),
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if (response_type, response_mode) != ("code", "query"):
        params["response_mode"] = response_mode  # said outright: defaults differ between servers
    params.update(extra)
    sep = "&" if urlsplit(authorization_endpoint).query else "?"
    return AuthorizeRequest(
        url=f"{authorization_endpoint}{sep}{urlencode(params)}",
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        response_type=response_type,
        response_mode=response_mode,
        scopes=tuple(wanted),
        notes=tuple(notes),
    )


# -- what comes back ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackAnswer:
    """A checked answer: the code (and the hybrid id_token) to use. Never show its fields."""

    code: str = field(repr=False)
    id_token: str | None = field(default=None, repr=False)
    state_checked: bool = True


def authorize_error(
    error: str, description: str, *, profile: Profile, redirect_uri: str, response_type: str = ""
) -> AuthorizeError:
    """An authorize-time OAuth error in the platform's terms (on the redirect or an error page)."""
    description = description[:300]
    said = f"the identity service said {error}" + (f" ({description})" if description else "")
    app = f"the Trusted Application {profile.client_id!r}"

    def fail(message: str, hint: str) -> AuthorizeError:
        return AuthorizeError(message, hint, error=error, description=description)

    redirect_problem = error in ("invalid_redirect_uri", "redirect_uri_mismatch") or (
        error == "invalid_request" and "redirect" in description.lower()
    )
    if redirect_problem:
        registered = profile.redirect_uri or DEFAULT_REDIRECT_URI
        port_added = urlsplit(redirect_uri).port is not None and urlsplit(registered).port is None
        if port_added:
            hint = (
                f"add {registered} to ImpersonateLoginUrl of {app} exactly (case-sensitive, "
                f"comma-separated); tokenlab adds the listener's port to it ({redirect_uri}): "
                "if the identity service matches ports exactly, register the URI with a fixed "
                "port and set the profile's loopback_port to it"
            )
        else:
            hint = (
                f"add {redirect_uri} to ImpersonateLoginUrl of {app} exactly (case-sensitive, "
                "comma-separated), or set the profile's redirect_uri to one that is registered"
            )
        return fail(f"{said}: the redirect URI {redirect_uri} is not registered", hint)
    if error == "invalid_request":
        return fail(
            f"{said}: the sign-in request was refused",
            "check the profile's authorize parameters (response_type, response_mode) and that "
            "the identity service supports PKCE S256",
        )
    if error in ("unsupported_response_type", "unsupported_response_mode"):
        return fail(
            f"{said}: response_type {response_type or '?'} is not allowed here",
            "set the profile's authorize parameter response_type=code (and no response_mode)",
        )
    if error in ("login_required", "consent_required", "interaction_required"):
        return fail(
            f"{said}: the sign-in could not finish without the user",
            "remove prompt=none from the profile's authorize parameters",
        )
    if error == "invalid_client":
        return fail(
            f"{said}: the identity service does not know {app}",
            f"check the client id (the ApplicationUri) and that {app} exists and is enabled",
        )
    if error in ("server_error", "temporarily_unavailable"):
        return fail(f"{said}", "the identity service failed; try again, then check its status")
    base = explain(
        Answer(400, error, description, "json"),
        flow=FLOW,
        client_id=profile.client_id,
        scopes=profile.scopes,
        public_client=profile.is_public_client,
    )
    return fail(
        base.message.replace("the token endpoint said", "the identity service said"), base.hint
    )


def parse_callback(
    params: dict[str, str],
    request: AuthorizeRequest,
    *,
    profile: Profile,
    issuer: str,
    state_required: bool = True,
) -> CallbackAnswer:
    """Check an answer in order: state first (else refuse), then the issuer, then error or code."""
    state = params.get("state")
    if state is None:
        if state_required:
            raise StateMismatchError(
                "the answer has no state: it cannot be tied to this sign-in, so it was refused "
                "and nothing was exchanged",
                "start again and finish the sign-in in the browser tab tokenlab gave you",
            )
    elif not hmac.compare_digest(state.encode(), request.state.encode()):
        raise StateMismatchError(
            "the answer's state does not match this sign-in: it was refused and nothing was "
            "exchanged",
            "the answer belongs to another sign-in (an old tab, a second run, or a forged "
            "request); start again and use the newest address",
        )
    iss = params.get("iss")
    if iss is not None and iss != issuer:
        # RFC 9207: the answer says who sent it; another issuer means a mix-up
        raise SignInError(
            f"the answer comes from the issuer {iss!r}, not from {issuer!r}: refused",
            "sign in at the authority of this profile; check that the address was not swapped",
        )
    if params.get("error"):
        raise authorize_error(
            params["error"],
            params.get("error_description", ""),
            profile=profile,
            redirect_uri=request.redirect_uri,
            response_type=request.response_type,
        )
    code = params.get("code", "")
    if not code:
        raise SignInError(
            "the answer has neither a code nor an error",
            "paste the whole address the browser ended on, after signing in",
        )
    return CallbackAnswer(code, params.get("id_token") or None, state is not None)


@dataclass(frozen=True)
class Pasted:
    params: dict[str, str] = field(repr=False)
    bare_code: bool = False


def parse_pasted(
    text: str, *, authorization_endpoint: str, profile: Profile, redirect_uri: str
) -> Pasted:
    """What the user pasted: the redirect address (query or fragment), a bare code, or a report
    of the error page the identity service showed."""
    value = text.strip().strip("'\"<>").strip()
    if not value:
        raise SignInError(
            "nothing was pasted", "paste the address the browser ended on after signing in"
        )
    looks_like_url = "://" in value or value[:1] in ("?", "#") or "code=" in value
    if looks_like_url:
        parts = urlsplit(value)
        endpoint = urlsplit(authorization_endpoint)
        if (parts.netloc, parts.path) == (endpoint.netloc, endpoint.path) and parts.netloc:
            raise SignInError(
                "that is the sign-in address itself: the identity service did not send the "
                "browser back",
                "it showed a page instead; an error page there most often means the redirect URI "
                f"{redirect_uri} is not registered exactly on the Trusted Application "
                "(ImpersonateLoginUrl), or the client is unknown or disabled: paste the error "
                "shown on that page",
            )
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(parse_qsl(parts.fragment, keep_blank_values=True))
        if "code" not in params and "error" not in params:
            raise SignInError(
                "the pasted address carries neither a code nor an error",
                "paste the address the browser ended on after signing in (it contains code=...)",
            )
        return Pasted(params)
    reported = _ERROR_WORD.search(value)
    if reported or any(c.isspace() for c in value):
        if reported:
            described = value.split(reported.group(1), 1)[1].strip(" :-\n\t")
            raise authorize_error(
                reported.group(1), described, profile=profile, redirect_uri=redirect_uri
            )
        raise SignInError(
            "what was pasted is neither an address nor a code",
            "paste the address the browser ended on (or only the value of its code parameter)",
        )
    if len(value) > 4096 or not value.isprintable():
        raise SignInError("what was pasted does not look like a code", "paste the whole address")
    return Pasted({"code": value}, bare_code=True)


# -- the exchange ---------------------------------------------------------------------------------


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


def _page_error(body: str) -> tuple[str, str] | None:
    text = unescape(re.sub(r"<[^>]+>", " ", body))
    found = _ERROR_WORD.search(text)
    if not found:
        return None
    described = _ERROR_DESCRIPTION.search(body)
    return found.group(1), unescape(described.group(1)).strip() if described else ""


def _form_post_error(
    ctx: FlowContext, request: AuthorizeRequest, page: str, *, issuer: str
) -> None:
    """A form_post answer page that carries an error back to the redirect URI: raise it now."""
    action = _FORM_ACTION.search(page)
    if action is None or _strip_query(unescape(action.group(1))) != _strip_query(
        request.redirect_uri
    ):
        return
    fields = {unescape(k): unescape(v) for k, v in _HIDDEN_INPUT.findall(page)}
    if "error" in fields:
        parse_callback(fields, request, profile=ctx.profile, issuer=issuer)


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


async def check_authorize_url(ctx: FlowContext, request: AuthorizeRequest) -> None:
    """Open the authorize URL once without a browser: if the identity service answers with an
    error page or an error redirect, say so now instead of waiting for a redirect that never
    comes (an unregistered redirect URI shows an error page and never redirects back)."""
    kept = httpx.Cookies(ctx.client.cookies)
    try:
        await _check_authorize_url(ctx, request)
    finally:
        # the sign-in page's cookies belong to the browser, not to later token requests
        ctx.client.cookies = kept


async def _check_authorize_url(ctx: FlowContext, request: AuthorizeRequest) -> None:
    try:
        response = await ctx.client.get(request.url, headers={"Accept": "text/html"})
        if response.is_redirect:
            location = urljoin(request.url, response.headers.get("location", ""))
            if _strip_query(location) == _strip_query(request.redirect_uri):
                parts = urlsplit(location)
                sent_back = dict(parse_qsl(parts.query) + parse_qsl(parts.fragment))
                if "error" not in sent_back:
                    return  # a live sign-in session answered at once; the browser will too
                issuer = (await ctx.discovery()).issuer
                parse_callback(sent_back, request, profile=ctx.profile, issuer=issuer)
            same_site = urlsplit(location).netloc == urlsplit(request.url).netloc
            if not (same_site and "error" in urlsplit(location).path.lower()):
                return  # on to the sign-in page: all is well so far
            response = await ctx.client.get(location, headers={"Accept": "text/html"})
        elif response.status_code < 400:
            _form_post_error(ctx, request, response.text, issuer=(await ctx.discovery()).issuer)
            return
    except (AuthorizeError, SignInError):
        raise
    except TokenlabError:
        return  # the check is a courtesy; the browser will show what is wrong
    found = _page_error(response.text)
    if found is not None:
        raise authorize_error(
            found[0],
            found[1],
            profile=ctx.profile,
            redirect_uri=request.redirect_uri,
            response_type=request.response_type,
        )
    if response.status_code >= 400:
        raise AuthorizeError(
            f"the sign-in address answered HTTP {response.status_code} with an error page",
            f"the redirect URI {request.redirect_uri} may not be registered exactly on the "
            f"Trusted Application {ctx.profile.client_id!r} (ImpersonateLoginUrl), or the client "
            "is unknown or disabled; open the address in a browser to read the page",
            status=response.status_code,
        )


# -- the interactive part -------------------------------------------------------------------------


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


def choose_finish(ctx: FlowContext, plan: RedirectPlan) -> Finish:
    wanted = ctx.options.finish
    if wanted == "device":
        raise SignInError(
            "the device flow is a flow of its own, not a way to finish the code flow",
            "run it with --flow device (or --device)",
        )
    not_loopback = SignInError(
        f"the redirect URI {plan.uri} is not a loopback address: tokenlab cannot receive it",
        "use --paste to paste the address the browser ends on, or register and use a loopback "
        "URI such as http://127.0.0.1:8765/callback",
    )
    if wanted == "paste" or (wanted is None and not plan.loopback):
        if ctx.options.paste is None:
            raise (
                not_loopback
                if not plan.loopback
                else SignInError(
                    "paste was asked for, but nothing can read the pasted address here",
                    "run from a terminal, or finish with the loopback listener",
                )
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


def _elsewhere_advice(port: int) -> str:
    if over_ssh():
        return (
            "\nYou are connected over SSH: the browser on your own machine reaches this listener "
            "once you forward its port. In a new terminal on your machine run:\n"
            f"    {ssh_forward_line(port)}\n"
            "then open the address there. Or run again with --paste (paste the address the browser "
            "ends on) or --device (enter a code on any device)."
        )
    if not has_display():
        return (
            "\nNo browser can open here: open the address on any machine that can reach "
            f"127.0.0.1:{port} here, or run again with --paste or --device."
        )
    return ""


async def _await_paste(ctx: FlowContext, prompt: str) -> str:
    paste = ctx.options.paste
    assert paste is not None  # choose_finish made sure
    async with asyncio.timeout(ctx.options.wait_timeout):
        return await paste(prompt)


async def _receive_by_loopback(
    ctx: FlowContext, plan: RedirectPlan, discovery: Discovery, scopes: tuple[str, ...] | None
) -> tuple[AuthorizeRequest, dict[str, str], bool]:
    async with LoopbackListener(port=plan.port, path=plan.path, host=plan.host) as listener:
        request = build_authorize_request(
            ctx.profile,
            authorization_endpoint=discovery.authorization_endpoint,
            redirect_uri=_with_port(plan.uri, listener.port),
            finish="loopback",
            scopes=scopes,
        )
        _show_notes(ctx, request)
        await check_authorize_url(ctx, request)
        browser = ctx.options.open_browser and has_display()
        ctx.publish(
            UserActionRequired(
                run_id=ctx.run_id,
                action="open-url",
                url=request.url,
                message=(
                    "Sign in at this address"
                    + (" (tokenlab opens it in your browser)" if browser else "")
                    + f". tokenlab waits for the answer on {listener.redirect_uri} "
                    f"for up to {ctx.options.wait_timeout:g} s." + _elsewhere_advice(listener.port)
                ),
            )
        )
        if browser and not await open_browser(request.url):
            ctx.publish(
                Notice(
                    run_id=ctx.run_id,
                    level="info",
                    message="no browser could be opened: open the address yourself",
                )
            )
        callback = await listener.wait(ctx.options.wait_timeout)
    ctx.publish(
        Notice(
            run_id=ctx.run_id,
            level="info",
            message=f"the answer reached {listener.redirect_uri} "
            f"({'form_post' if callback.method == 'POST' else 'query'})",
        )
    )
    return request, callback.params, True


async def _receive_by_paste(
    ctx: FlowContext, plan: RedirectPlan, discovery: Discovery, scopes: tuple[str, ...] | None
) -> tuple[AuthorizeRequest, dict[str, str], bool]:
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
    return request, pasted.params, False


def _show_notes(ctx: FlowContext, request: AuthorizeRequest) -> None:
    for note in request.notes:
        ctx.warn(Finding("warning", note))


@dataclass(frozen=True)
class SignIn:
    token: TokenSet
    claims: dict[str, Any] | None  # the validated id_token's claims, when one came
    notes: tuple[str, ...]


async def sign_in(ctx: FlowContext, *, scopes: tuple[str, ...] | None = None) -> SignIn:
    """The whole interactive code flow: authorize, receive, check, exchange, validate."""
    discovery = await ctx.discovery()
    if not discovery.authorization_endpoint:
        raise SignInError(
            f"discovery of {ctx.authority} has no authorization_endpoint",
            "this identity service offers no interactive sign-in; use --device if it has a device "
            "endpoint",
        )
    plan = plan_redirect(ctx.profile)
    finish = choose_finish(ctx, plan)
    receive = _receive_by_loopback if finish == "loopback" else _receive_by_paste
    request, params, state_required = await receive(ctx, plan, discovery, scopes)
    if finish == "paste" and "state" not in params:
        ctx.warn(
            Finding(
                "warning",
                "state could not be checked: what was pasted carries no state",
                "paste the whole address next time, so tokenlab can tie the answer to this sign-in",
            )
        )
    answer = parse_callback(
        params, request, profile=ctx.profile, issuer=discovery.issuer, state_required=state_required
    )
    ctx.secrets.redactor.add_known(answer.code)

    async def validate(
        id_token: str, *, code: str | None = None, access_token: str | None = None
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

    front: dict[str, Any] | None = None
    if answer.id_token:
        # hybrid: check the id_token that came with the code before using the code (OIDC 3.3.2.8)
        front = await validate(answer.id_token, code=answer.code)
    elif "id_token" in request.response_type.split():
        raise SignInError(
            f"response_type {request.response_type} was asked for but no id_token came back",
            "the identity service ignored the response type; see the trace",
        )
    body = await exchange_code(
        ctx,
        answer.code,
        redirect_uri=request.redirect_uri,
        code_verifier=request.code_verifier,
    )
    token = token_set_from(body, FLOW, request.scopes)
    claims = front
    if token.id_token:
        claims = await validate(token.id_token, access_token=token.access_token)
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
    return FlowResult(
        FLOW, ctx.profile.name, result.token, findings=tuple(ctx.findings), notes=result.notes
    )
