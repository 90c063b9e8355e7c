"""Open the sign-in address once, without a browser, before sending the user there.

An unregistered redirect URI shows an error page and never redirects back: finding that out now
saves the user a sign-in that cannot finish. The check is a courtesy: anything it cannot read,
it leaves to the browser.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx

from tokenlab.core.errors import TokenlabError
from tokenlab.core.flows.authorize import (
    ERROR_WORD,
    AuthorizeError,
    AuthorizeRequest,
    SignInError,
    authorize_error,
    parse_callback,
)
from tokenlab.core.flows.base import FlowContext

_ERROR_DESCRIPTION = re.compile(
    r"""(?:id|class)=["']error_description["'][^>]*>([^<]{1,400})""", re.IGNORECASE
)
_FORM_ACTION = re.compile(r"""<form\b[^>]*\baction=["']([^"']*)["']""", re.IGNORECASE)
_HIDDEN_INPUT = re.compile(
    r"""<input\b[^>]*\bname=["']([^"']*)["'][^>]*\bvalue=["']([^"']*)["']""", re.IGNORECASE
)


def _page_error(body: str) -> tuple[str, str] | None:
    text = unescape(re.sub(r"<[^>]+>", " ", body))
    found = ERROR_WORD.search(text)
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
            parts = urlsplit(location)
            if _strip_query(location) == _strip_query(request.redirect_uri):
                sent_back = dict(parse_qsl(parts.query) + parse_qsl(parts.fragment))
                if "error" not in sent_back:
                    return  # a live sign-in session answered at once; the browser will too
                issuer = (await ctx.discovery()).issuer
                parse_callback(sent_back, request, profile=ctx.profile, issuer=issuer)
            same_site = parts.netloc == urlsplit(request.url).netloc
            if not (same_site and "error" in parts.path.lower()):
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
