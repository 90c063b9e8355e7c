"""The authorize side of the code flow: the request (PKCE S256, state, nonce), and reading the
answer, whether it comes to the loopback listener, is pasted, or is an error page.

`state` is compared before anything else: an answer for another sign-in is refused. Opening
the sign-in address once to catch an error page early: `authorize_check.py`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from tokenlab.core.errors import Remedy, RemedyKind, TokenlabError, remedy
from tokenlab.core.explain import Answer, TokenEndpointError, explain
from tokenlab.core.flows.token_endpoint import pkce_pair, random_value
from tokenlab.core.profiles import Profile

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
ERROR_WORD = re.compile(r"\b(" + "|".join(AUTHORIZE_ERRORS) + r")\b")

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


def _field(profile: Profile, path: str, example: str = "") -> Remedy:
    return remedy(RemedyKind.SET_PROFILE_FIELD, profile=profile.name, field=path, example=example)


AuthorizeMeaning = tuple[str, str, Callable[[Profile], Remedy | None]]
_RESPONSE_TYPE: AuthorizeMeaning = (
    "response_type {response_type} is not allowed here",
    "set the profile's authorize parameter response_type=code (and no response_mode)",
    lambda p: _field(p, "authorize_params", "response_type=code"),
)
_NEEDS_THE_USER: AuthorizeMeaning = (
    "the sign-in could not finish without the user",
    "remove prompt=none from the profile's authorize parameters",
    lambda p: _field(p, "authorize_params"),
)
_SERVER_FAILED: AuthorizeMeaning = (
    "",
    "the identity service failed; try again, then check its status",
    lambda p: None,
)
# error -> (what it means here, what to check, the remedy) for the authorize-time errors that
# need words of their own; {app} and {response_type} are filled in. The rest: explain().
_AUTHORIZE_ERRORS: dict[str, AuthorizeMeaning] = {
    "invalid_request": (
        "the sign-in request was refused",
        "check the profile's authorize parameters (response_type, response_mode) and that "
        "the identity service supports PKCE S256",
        lambda p: _field(p, "authorize_params"),
    ),
    "unsupported_response_type": _RESPONSE_TYPE,
    "unsupported_response_mode": _RESPONSE_TYPE,
    "login_required": _NEEDS_THE_USER,
    "consent_required": _NEEDS_THE_USER,
    "interaction_required": _NEEDS_THE_USER,
    "invalid_client": (
        "the identity service does not know {app}",
        "check the client id (the ApplicationUri) and that {app} exists and is enabled",
        lambda p: _field(p, "client_id"),
    ),
    "server_error": _SERVER_FAILED,
    "temporarily_unavailable": _SERVER_FAILED,
}


def _redirect_error(
    said: str, profile: Profile, redirect_uri: str, *, error: str, description: str
) -> AuthorizeError:
    registered = profile.redirect_uri or DEFAULT_REDIRECT_URI
    exactly = (
        "the identity service accepts only the redirect URIs listed in ImpersonateLoginUrl of "
        f"the Trusted Application {profile.client_id!r}, exactly (case-sensitive, comma-separated)"
    )
    if urlsplit(redirect_uri).port is not None and urlsplit(registered).port is None:
        hint = (
            f"{exactly}; tokenlab adds the listener's port to {registered} ({redirect_uri}): "
            "if the identity service matches ports exactly, register the URI with a fixed "
            "port and set the profile's loopback_port to it"
        )
    else:
        hint = f"{exactly}; or set the profile's redirect_uri to one that is listed"
        registered = redirect_uri
    fix = remedy(
        RemedyKind.FIX_TRUSTED_APPLICATION,
        client_id=profile.client_id,
        setting="ImpersonateLoginUrl",
        value=registered,
    )
    return AuthorizeError(
        f"{said}: the redirect URI {redirect_uri} is not registered",
        hint,
        error=error,
        description=description,
        remedy=fix,
    )


def authorize_error(
    error: str, description: str, *, profile: Profile, redirect_uri: str, response_type: str = ""
) -> AuthorizeError:
    """An authorize-time OAuth error in the platform's terms (on the redirect or an error page)."""
    description = description[:300]
    said = f"the identity service said {error}" + (f" ({description})" if description else "")
    app = f"the Trusted Application {profile.client_id!r}"
    if error in ("invalid_redirect_uri", "redirect_uri_mismatch") or (
        error == "invalid_request" and "redirect" in description.lower()
    ):
        return _redirect_error(said, profile, redirect_uri, error=error, description=description)
    known = _AUTHORIZE_ERRORS.get(error)
    if known is None:
        base = explain(
            Answer(400, error, description, "json"),
            flow=FLOW,
            client_id=profile.client_id,
            scopes=profile.scopes,
            public_client=profile.is_public_client,
            speaker="the identity service",
        )
        return AuthorizeError(
            base.message,
            base.hint,
            error=error,
            description=description,
            remedy=base.remedy,
            cause=base.cause,
            evidence=base.evidence,
        )
    meaning, check, fix = known
    words = {"app": app, "response_type": response_type or "?"}
    return AuthorizeError(
        f"{said}: {meaning.format(**words)}" if meaning else said,
        check.format(**words),
        error=error,
        description=description,
        remedy=fix(profile),
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


def _pasted_address(value: str, authorization_endpoint: str, redirect_uri: str) -> Pasted:
    """The parameters of a pasted redirect address (query and fragment)."""
    try:
        parts = urlsplit(value)
        endpoint = urlsplit(authorization_endpoint)
    except ValueError:  # e.g. an unclosed IPv6 bracket: urlsplit refuses it
        raise SignInError(
            "what was pasted is not a valid address",
            "paste the whole address the browser ended on after signing in",
        ) from None
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


def parse_pasted(
    text: str, *, authorization_endpoint: str, profile: Profile, redirect_uri: str
) -> Pasted:
    """What the user pasted: the redirect address (query or fragment), a bare code, or a report
    of the error page the identity service showed. Raises only `TokenlabError`s."""
    value = text.strip().strip("'\"<>").strip()
    if not value:
        raise SignInError(
            "nothing was pasted", "paste the address the browser ended on after signing in"
        )
    if any("\ud800" <= c <= "\udfff" for c in value):  # lone surrogates: bytes not UTF-8
        raise SignInError(
            "what was pasted is not text: it holds bytes that are not UTF-8",
            "copy the address again from the browser's address bar and paste it",
        )
    if "://" in value or value[:1] in ("?", "#") or "code=" in value:
        return _pasted_address(value, authorization_endpoint, redirect_uri)
    reported = ERROR_WORD.search(value)
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
