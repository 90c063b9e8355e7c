"""The authority checks against both real targets, and the faults a real server can be made to show."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.idp.fixtures import TestProvider
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.authority import AuthorityCache, classify, find_authority, inspect_authority
from tokenlab.core.errors import RemedyKind
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.sandbox import Sandbox


async def test_sandbox_instance_authority_is_usable(sandbox: Sandbox) -> None:
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, f"{sandbox.url}/id")
    assert report.ok and report.kind == "instance"
    assert report.discovery.issuer == f"{sandbox.url}/id"
    assert report.keys and report.keys[0].kty == "RSA" and report.keys[0].size == 2048
    assert report.clock_skew_s is not None and abs(report.clock_skew_s) < 5
    assert [f for f in report.findings if f.level != "ok"] == []


async def test_real_provider_authority_is_usable(idp: TestProvider) -> None:
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, idp.issuer)
    assert report.ok, report.findings
    assert report.to_json()["code_challenge_methods_supported"] == ["S256"]
    assert any(k.alg == "RS256" for k in report.keys)


async def test_instance_url_finds_its_authority_by_auto_discovery(
    sandbox: Sandbox, idp: TestProvider
) -> None:
    async with build_client(HttpOptions()) as client:
        for instance in (sandbox.url, idp.base_url):
            authority, api, via = await find_authority(client, instance)
            assert authority == f"{instance}/id"
            assert api.startswith(f"{instance}/api/domain/odata")
            assert "auto-discovery" in via


async def test_global_authority_is_an_error_in_the_seeds_words(sandbox: Sandbox) -> None:
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, f"{sandbox.url}/global/id")
    assert report.kind == "global" and not report.ok
    first = report.findings[0]
    assert first.level == "error" and "never issues access tokens" in first.message
    assert classify("https://id.erp.net/id") == "global"
    assert classify("https://acme.my.erp.net/id") == "instance"


async def test_trailing_slash_is_a_clear_error(sandbox: Sandbox) -> None:
    # an error, as the flows judge it: they send no credential until the two agree exactly
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, f"{sandbox.url}/id/")
    (error,) = [f for f in report.findings if "trailing slash" in f.message]
    assert error.level == "error" and f"{sandbox.url}/id" in error.hint


class _FakeIdp(BaseHTTPRequestHandler):
    """An 'identity service' that is wrong in the ways tests need: skewed clock, HTML, rotating keys."""

    skew = 0
    keys: ClassVar[list[dict[str, str]]] = []
    jwks_hits = 0

    def log_message(self, *args: object) -> None:
        pass

    def send_json(self, value: object, cache: str = "max-age=600") -> None:
        body = json.dumps(value).encode()
        self.send_response_only(200)
        self.send_header("Date", formatdate(time.time() + self.skew, usegmt=True))
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/html/"):
            body = b"<html><title>Sign in</title></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.endswith("/jwks"):
            type(self).jwks_hits += 1
            self.send_json({"keys": type(self).keys})
        else:
            self.send_json(
                {
                    "issuer": f"{base}/id",
                    "token_endpoint": f"{base}/id/connect/token",
                    "jwks_uri": f"{base}/id/jwks",
                }
            )


@pytest.fixture
def fake_idp() -> Iterator[str]:
    _FakeIdp.skew, _FakeIdp.keys, _FakeIdp.jwks_hits = (
        0,
        [{"kid": "k1", "kty": "RSA", "n": "AQAB", "e": "AQAB"}],
        0,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeIdp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_clock_skew_over_a_minute_is_a_warning(fake_idp: str) -> None:
    _FakeIdp.skew = 300
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, f"{fake_idp}/id")
    assert report.clock_skew_s is not None and 295 <= report.clock_skew_s <= 305
    skewed = [f for f in report.findings if "ahead of" in f.message]
    assert len(skewed) == 1 and skewed[0].remedy is not None
    assert skewed[0].remedy.kind == RemedyKind.FIX_CLOCK
    assert skewed[0].remedy.get("clock") == "this-machine"
    assert "NTP" in hint_with_remedy(skewed[0].hint, skewed[0].remedy)


async def test_an_html_answer_is_not_an_identity_provider(fake_idp: str) -> None:
    from tokenlab.core.authority import AuthorityError

    async with build_client(HttpOptions()) as client:
        with pytest.raises(AuthorityError) as err:
            await inspect_authority(client, f"{fake_idp}/html/id")
    assert "HTML page" in err.value.message and "{instance}/id" in err.value.hint


async def test_discovery_is_cached_and_an_unknown_kid_refetches_the_jwks_once(
    fake_idp: str,
) -> None:
    bus = Bus()
    cache = AuthorityCache()
    with bus.collect(HttpExchange) as events:
        async with build_client(HttpOptions(), bus=bus) as client:
            d1 = await cache.discovery(client, f"{fake_idp}/id")
            d2 = await cache.discovery(client, f"{fake_idp}/id")
            assert d1 is d2
            assert (await cache.key_for(client, d1, "k1")) is not None
            assert (await cache.key_for(client, d1, "k1")) is not None  # cached
            _FakeIdp.keys = [{"kid": "k2", "kty": "RSA", "n": "AQAB", "e": "AQAB"}]  # rotated
            assert (await cache.key_for(client, d1, "k2")) is not None
            assert (await cache.key_for(client, d1, "k3")) is None
    urls = [e.url for e in events]  # type: ignore[attr-defined]
    assert sum(u.endswith("openid-configuration") for u in urls) == 1
    assert _FakeIdp.jwks_hits == 3  # first fetch, refetch for k2, one refetch for k3


def test_authority_errors_reach_the_cli_as_one_line(cli: object, fake_idp: str) -> None:
    r = cli("authority", f"{fake_idp}/html/id")  # type: ignore[operator]
    assert r.code == 1 and "HTML page" in r.err and "Traceback" not in r.err


def test_authority_command_json(cli: object, sandbox: Sandbox) -> None:
    r = cli("authority", sandbox.url, "--instance", "--json")  # type: ignore[operator]
    data = json.loads(r.out)
    assert r.code == 0 and data["kind"] == "instance" and data["issuer"] == f"{sandbox.url}/id"
    r = cli("authority", f"{sandbox.url}/global/id")  # type: ignore[operator]
    assert r.code == 1 and "global authority" in r.out
    r = cli("authority", "acme.my.erp.net/id")  # type: ignore[operator]
    assert r.code == 2 and "scheme" in r.err


def test_connection_refused_authority(cli: object) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        r = cli("authority", f"http://127.0.0.1:{s.getsockname()[1]}/id")  # type: ignore[operator]
    assert r.code == 1 and "refused" in r.err and "hint:" in r.err


def test_classify_never_raises_on_a_malformed_issuer() -> None:
    assert classify("http://[x/id") == "other"
