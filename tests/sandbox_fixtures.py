"""Fixtures and helpers for the embedded sandbox instance.

``sandbox``: one running sandbox per test module (device interval 1 s).
``isolated_sandbox``: a fresh one per test, for tests that move its clock.
``sign_in``/``authorize_url``/``pkce_pair``: drive the browser side by script, as a user would.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx
import pytest

from tokenlab.sandbox import DEMO_USER, Sandbox, Settings

TEST_SETTINGS = {"device_interval": 1, "device_code_ttl": 120}


def _settings() -> Settings:
    return Settings(**TEST_SETTINGS)


def _check_no_crashes(sb: Sandbox) -> None:
    assert not sb.errors, f"sandbox handlers crashed: {sb.errors!r}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox.running_in_thread(port=0, settings=_settings()) as sb:
        yield sb
        _check_no_crashes(sb)


@pytest.fixture
def isolated_sandbox() -> Iterator[Sandbox]:
    with Sandbox.running_in_thread(port=0, settings=_settings()) as sb:
        yield sb
        _check_no_crashes(sb)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=5) as client:
        yield client


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def random_value() -> str:
    return b64url(secrets.token_bytes(32))


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
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    for _ in range(max_steps):
        resp = client.get(url, follow_redirects=False)
        result.last = resp
        if resp.status_code in (302, 303):
            location = urljoin(url, resp.headers["location"])
            if not location.startswith(base):
                parts = urlsplit(location)
                if parts.fragment:
                    result.mode, result.params = "fragment", dict(parse_qsl(parts.fragment))
                else:
                    result.mode, result.params = "query", dict(parse_qsl(parts.query))
                result.target = location.split("?")[0].split("#")[0]
                return result
            url = location
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
        if "id='login'" in resp.text:
            result.login_pages += 1
            if result.login_pages > 3:
                return result  # wrong password loop: let the caller look at result.last
            action, fields = parse_form_post(resp.text)
            posted = client.post(
                urljoin(url, action),
                data={
                    **fields,
                    "username": username,
                    "password": password,
                    "button": "cancel" if cancel else "login",
                },
                follow_redirects=False,
            )
            result.last = posted
            if posted.status_code != 302:
                return result
            url = urljoin(url, posted.headers["location"])
            if not url.startswith(base):
                parts = urlsplit(url)
                result.mode, result.params = "query", dict(parse_qsl(parts.query))
                result.target = url.split("?")[0]
                return result
            continue
        action, fields = parse_form_post(resp.text)
        result.mode, result.params, result.target = "form_post", fields, action
        return result
    raise AssertionError("sign-in did not finish")


def token_request(
    client: httpx.Client, sb: Sandbox, data: dict[str, str], *, authority: str = "/id", **kw: Any
) -> httpx.Response:
    return client.post(f"{sb.url}{authority}/connect/token", data=data, **kw)
