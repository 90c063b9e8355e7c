"""Fixtures and helpers for the embedded sandbox instance.

``sandbox``: one running sandbox per test module (device interval 1 s).
``isolated_sandbox``: a fresh one per test, for tests that move its clock.
``sign_in``/``authorize_url``: drive the browser side by script, as a user would (PKCE values
come from ``tests.support.pkce``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx
import pytest

from tokenlab.sandbox import DEMO_USER, Sandbox, Settings

TEST_SETTINGS = {"device_interval": 1, "device_code_ttl": 120}


def _running_sandbox() -> Iterator[Sandbox]:
    with Sandbox.running_in_thread(port=0, settings=Settings(**TEST_SETTINGS)) as sb:
        yield sb
        assert not sb.errors, f"sandbox handlers crashed: {sb.errors!r}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    yield from _running_sandbox()


@pytest.fixture
def isolated_sandbox() -> Iterator[Sandbox]:
    yield from _running_sandbox()


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=5) as client:
        yield client


def authorize_url(
    base: str,
    client_id: str,
    redirect_uri: str,
    scope: str,
    challenge: str,
    *,
    state: str | None = None,
    nonce: str | None = None,
    response_type: str = "code",
    response_mode: str | None = None,
    authority: str = "/id",
    **extra: str,
) -> str:
    params: dict[str, str] = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": response_type,
        "scope": scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if state is not None:
        params["state"] = state
    if nonce is not None:
        params["nonce"] = nonce
    if response_mode is not None:
        params["response_mode"] = response_mode
    params.update(extra)
    return f"{base}{authority}/connect/authorize?{urlencode(params)}"


@dataclass
class SignInResult:
    """Where the browser ended up: the client's redirect URI (query, fragment or form_post)."""

    params: dict[str, str] = field(default_factory=dict)
    mode: str = ""  # "query" | "fragment" | "form_post" | "error_page"
    target: str = ""  # the redirect URI / form action the sandbox sent the browser to
    login_pages: int = 0  # how many times the sign-in form was shown
    last: httpx.Response | None = None


_INPUT = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
_FORM = re.compile(r"<form method='post' action='([^']*)'")


def parse_form_post(html: str) -> tuple[str, dict[str, str]]:
    action = _FORM.search(html)
    assert action, "no form in the page"
    return unescape(action.group(1)), {unescape(k): unescape(v) for k, v in _INPUT.findall(html)}


def _landed(result: SignInResult, location: str) -> SignInResult:
    """The browser was sent to the client's redirect URI: read the query or fragment."""
    parts = urlsplit(location)
    result.mode = "fragment" if parts.fragment else "query"
    result.params = dict(parse_qsl(parts.fragment or parts.query))
    result.target = location.split("?")[0].split("#")[0]
    return result


def sign_in(
    client: httpx.Client,
    url: str,
    username: str = DEMO_USER.username,
    password: str = DEMO_USER.password,
    *,
    cancel: bool = False,
    max_steps: int = 10,
) -> SignInResult:
    """Follow the authorize flow like a browser, filling the sign-in form when it appears.

    ``client`` keeps the session cookie between calls (reuse it to test SSO and prompt=login).
    """
    result = SignInResult()
    origin = urlsplit(url)[:2]
    resp = client.get(url, follow_redirects=False)
    for _ in range(max_steps):
        result.last = resp
        if resp.status_code in (302, 303):
            location = urljoin(str(resp.url), resp.headers["location"])
            if urlsplit(location)[:2] != origin:
                return _landed(result, location)
            resp = client.get(location, follow_redirects=False)
            continue
        if resp.status_code == 400:
            result.mode = "error_page"
            code = re.search(r"<code id='error_code'>([^<]*)</code>", resp.text)
            desc = re.search(r"<p id='error_description'>([^<]*)</p>", resp.text)
            result.params = {
                "error": unescape(code.group(1)) if code else "",
                "error_description": unescape(desc.group(1)) if desc else "",
            }
            return result
        assert resp.status_code == 200, resp.text
        if "id='login'" not in resp.text:
            action, fields = parse_form_post(resp.text)
            result.mode, result.params, result.target = "form_post", fields, action
            return result
        result.login_pages += 1
        if result.login_pages > 3:
            return result  # wrong password loop: let the caller look at result.last
        action, fields = parse_form_post(resp.text)
        button = "cancel" if cancel else "login"
        form = {**fields, "username": username, "password": password, "button": button}
        resp = client.post(urljoin(str(resp.url), action), data=form, follow_redirects=False)
        result.last = resp
        if resp.status_code != 302:
            return result  # e.g. the form again after a wrong password
    raise AssertionError("sign-in did not finish")


def token_request(
    client: httpx.Client, sb: Sandbox, data: dict[str, str], *, authority: str = "/id", **kw: Any
) -> httpx.Response:
    return client.post(f"{sb.url}{authority}/connect/token", data=data, **kw)
