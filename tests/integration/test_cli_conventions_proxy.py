"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY: honoured, and shown by `tokenlab authority`."""

from __future__ import annotations

import json

import pytest

from tests.support.forward_proxy import ForwardProxy
from tokenlab.core.proxy_choice import masked_proxy, proxy_for
from tokenlab.sandbox import Sandbox

PASSWORD = "CANARY0proxy0password"


def test_the_authority_is_asked_through_the_proxy_and_the_proxy_is_shown(
    cli: object, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    with ForwardProxy(sandbox.url) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("://", f"://alice:{PASSWORD}@"))
        # a made-up name: only the proxy can reach it
        authority = f"http://sandbox.test:{port}/id"
        r = cli("authority", authority, "--insecure", "-v")  # type: ignore[operator]
        as_json = cli("authority", authority, "--insecure", "--json")  # type: ignore[operator]
    assert json.loads(as_json.out)["proxy"]["reason"] == "HTTP_PROXY"
    assert PASSWORD not in as_json.out + as_json.err  # the canary: a proxy password
    assert f"GET {authority}/.well-known/openid-configuration" in proxy.seen, r.err
    assert all(proxy.credentials)  # the proxy's credentials went to the proxy
    shown = proxy.url.replace("://", "://***:***@")
    assert f"proxy      {shown} (from HTTP_PROXY)" in r.out
    assert PASSWORD not in r.out + r.err


def test_no_proxy_sends_the_request_direct_and_says_so(
    cli: object, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ForwardProxy(sandbox.url) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,.corp.example")
        r = cli("authority", f"{sandbox.url}/id", "--json")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert proxy.seen == []
    assert json.loads(r.out)["proxy"] == {"proxy": None, "reason": "NO_PROXY"}


def test_proxy_for_follows_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://bob:{PASSWORD}@proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.corp,10.1.2.3")
    assert proxy_for("https://acme.my.erp.net/id").words == (
        "http://***:***@proxy.corp:3128 (from HTTPS_PROXY)"
    )
    assert proxy_for("https://id.internal.corp/id").words == "none (NO_PROXY)"
    assert proxy_for("https://internal.corp/id").words == "none (NO_PROXY)"
    assert proxy_for("https://xinternal.corp/id").proxy is not None
    assert proxy_for("https://10.1.2.3/id").reason == "NO_PROXY"
    assert proxy_for("https://127.0.0.1:8080/id").reason == "loopback is always direct"
    assert proxy_for("http://acme.example/id").reason == "no HTTP_PROXY or ALL_PROXY set"
    monkeypatch.setenv("NO_PROXY", "*")
    assert proxy_for("https://acme.my.erp.net/id").words == "none (NO_PROXY)"


def test_masked_proxy() -> None:
    assert masked_proxy("http://proxy:3128") == "http://proxy:3128"
    assert masked_proxy(f"http://u:{PASSWORD}@proxy:3128") == "http://***:***@proxy:3128"
    assert masked_proxy("proxy.corp:8080") == "http://proxy.corp:8080"
