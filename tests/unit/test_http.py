from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from tests.support.servers import http_server, https_server
from tokenlab import __version__
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import (
    DnsError,
    RemedyKind,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerUnreachableError,
    TlsVerificationError,
    UsageError,
    remedy,
)
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.http import HttpOptions, build_client, proxy_routes
from tokenlab.core.redact import Redactor

CANARY = "canary-5ecret-d41d8cd98f00"


def exchanges(bus: Bus) -> list[HttpExchange]:
    return []


async def test_every_exchange_is_published_masked_with_user_agent() -> None:
    bus = Bus()
    with http_server() as server, bus.collect(HttpExchange) as events:
        async with build_client(HttpOptions(), bus=bus, run_id="run1") as client:
            response = await client.post(
                f"{server.url}/token?code={CANARY}",
                data={"grant_type": "client_credentials", "client_secret": CANARY, "scope": "read"},
                headers={"Authorization": f"Basic {CANARY}"},
            )
    assert response.status_code == 200
    sent = response.json()
    assert "client_secret" in sent["access_token"]  # the server really got the secret...
    assert sent["token_type"] == "Bearer"
    (event,) = events
    assert isinstance(event, HttpExchange)
    assert (event.run_id, event.method, event.status) == ("run1", "POST", 200)
    assert event.elapsed_ms > 0
    shown = json.dumps(
        [
            event.url,
            event.request_headers,
            event.request_body,
            event.response_headers,
            event.response_body,
        ]
    )
    assert CANARY not in shown  # ...and the record never shows it
    assert "grant_type=client_credentials" in event.request_body
    assert ("user-agent", f"tokenlab/{__version__}") in event.request_headers
    assert dict(event.request_headers)["authorization"].startswith("Basic cana…")


async def test_connection_refused_says_what_to_check() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: refused
        bus = Bus()
        with bus.collect(HttpExchange) as events:
            async with build_client(HttpOptions(), bus=bus) as client:
                with pytest.raises(ServerUnreachableError) as err:
                    await client.get(f"http://127.0.0.1:{port}/id/.well-known/openid-configuration")
    assert "refused" in err.value.message and f"127.0.0.1:{port}" in err.value.message
    assert "server up" in err.value.hint
    assert events and events[0].status is None and "refused" in events[0].error  # type: ignore[attr-defined]


async def test_dns_failure_is_named() -> None:
    # A real DNS failure would query the network's resolver; a transport fault stands in for it.
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async with build_client(HttpOptions(), transport=httpx.MockTransport(fail)) as client:
        with pytest.raises(DnsError) as err:
            await client.get("https://acme.my.erp.nett/id")
    assert "acme.my.erp.nett" in err.value.message and "spelling" in err.value.hint


async def test_timeout_names_the_limit() -> None:
    with http_server() as server:
        async with build_client(HttpOptions(timeout=0.3)) as client:
            with pytest.raises(RequestTimeoutError) as err:
                await client.get(f"{server.url}/slow")
    assert "0.3 s" in err.value.message and "slow" in err.value.hint
    assert err.value.remedy == remedy(RemedyKind.RAISE_TIMEOUT, seconds=0.3)
    assert "--timeout" in hint_with_remedy(err.value.hint, err.value.remedy)  # what the CLI says


async def test_responses_are_read_with_a_size_cap() -> None:
    with http_server() as server:
        async with build_client(HttpOptions(max_body_bytes=64 * 1024)) as client:
            with pytest.raises(ResponseTooLargeError) as err:
                await client.get(f"{server.url}/big")
            small = await client.get(f"{server.url}/echo")
    assert "64 KiB" in err.value.message
    assert small.status_code == 200


async def test_tls_failure_names_the_certificate_and_the_ca_bundle_option(tmp_path: Path) -> None:
    with https_server(tmp_path) as server:
        async with build_client(HttpOptions()) as client:
            with pytest.raises(TlsVerificationError) as err:
                await client.get(f"{server.url}/echo")
        assert (
            "CN=tokenlab-test-server" in err.value.message
        )  # subject and issuer of what was shown
        assert "issuer" in err.value.message
        assert "--" not in err.value.hint and err.value.remedy == remedy(RemedyKind.TRUST_CA)
        assert "--ca-bundle" in hint_with_remedy(err.value.hint, err.value.remedy)
        # trusting the server's CA through the CA bundle option makes the same request work
        async with build_client(HttpOptions(ca_bundle=str(server.cert_path))) as client:
            ok = await client.get(f"{server.url}/echo")
        assert ok.status_code == 200


async def test_a_missing_ca_bundle_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="CA bundle"):
        build_client(HttpOptions(ca_bundle=str(tmp_path / "none.pem")))


async def test_os_trust_store_option_builds_a_client() -> None:
    with http_server() as server:
        async with build_client(HttpOptions(os_trust_store=True)) as client:
            assert (await client.get(f"{server.url}/echo")).status_code == 200


async def test_known_secret_values_are_masked_even_in_unexpected_fields() -> None:
    redactor = Redactor()
    redactor.add_known(CANARY)
    bus = Bus()
    with http_server() as server, bus.collect(HttpExchange) as events:
        async with build_client(HttpOptions(), bus=bus, redactor=redactor) as client:
            await client.post(
                f"{server.url}/echo", json={"weird_field": CANARY}, headers={"X-Custom": CANARY}
            )
    assert CANARY not in repr(events)


def test_proxies_come_from_the_environment_and_loopback_stays_direct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.corp")
    routes = proxy_routes()
    assert routes["https://"] == "http://proxy.corp:3128"
    assert routes["all://127.0.0.1"] is None
    assert routes["all://*internal.corp"] is None
    monkeypatch.setenv("NO_PROXY", "*")
    assert proxy_routes() == {}
