"""Credentials go only where discovery and the authority agree, over https (issue 9, item 1).

A discovery document is the server's word about where to send secrets. When it names another
issuer than the authority, or a plain-http endpoint on another host, tokenlab refuses before it
builds or sends any credential, says which endpoint, which credential and why, and connects to
nothing it named (a `.fault.test` name is never even looked up: it does not resolve).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.fault_server import CLIENT_ID, CLIENT_SECRET, FaultServer, fault_server
from tests.support.tls_fault_server import tls_fault_server
from tokenlab.core.destinations import CleartextEndpointError, IssuerMismatchError
from tokenlab.core.doctor import run_doctor
from tokenlab.core.errors import RemedyKind, UsageError
from tokenlab.core.events import Bus, Event, HttpExchange
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.profiles.model import TlsOptions
from tokenlab.core.secrets import SecretStore


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def fault_profile(server: FaultServer, mode: str, **values: object) -> Profile:
    values.setdefault("auth_method", "client_secret_post")
    values.setdefault("authority_url", server.authority(mode))
    values.setdefault("api_url", server.api(mode))
    return new_profile(mode, f"{server.url}/{mode}", "service-app", client_id=CLIENT_ID, **values)


def secrets() -> SecretStore:
    return SecretStore(env={"TOKENLAB_CLIENT_SECRET": CLIENT_SECRET})


async def token_run(profile: Profile) -> tuple[Exception, list[Event]]:
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    with pytest.raises(Exception) as raised:
        await run_flow(profile, secrets=secrets(), bus=bus)
    return raised.value, events


def secret_sent_since(server: FaultServer, before: int) -> bool:
    return any(CLIENT_SECRET.encode() in r.body for r in server.requests[before:])


def exchange_urls(events: list[Event]) -> list[str]:
    return [e.url for e in events if isinstance(e, HttpExchange)]


@pytest.mark.parametrize("auth_method", ["client_secret_post", "client_secret_basic"])
async def test_a_plain_http_token_endpoint_on_another_host_gets_no_secret(
    faults: FaultServer, auth_method: str
) -> None:
    mode = "discovery-http-token-endpoint"
    before = len(faults.requests)
    error, events = await token_run(fault_profile(faults, mode, auth_method=auth_method))
    assert isinstance(error, CleartextEndpointError)
    message = error.message
    assert "token_endpoint http://tokens.fault.test:" in message  # which endpoint
    assert "the client secret" in message and CLIENT_SECRET not in message  # which credential
    assert "plain http" in message and "named by the discovery document" in message  # why
    assert "another host than the authority" in message
    assert error.remedy is not None and error.remedy.kind is RemedyKind.ALLOW_INSECURE
    # discovery was read, and nothing else was even tried: no exchange to the named host
    assert [u for u in exchange_urls(events) if "tokens.fault.test" in u] == []
    assert len(exchange_urls(events)) == 1 and exchange_urls(events)[0].endswith("configuration")
    assert not secret_sent_since(faults, before)
    assert [r.method for r in faults.requests[before:]] == ["GET"]


async def test_an_https_authority_cannot_send_its_secret_to_plain_http(tmp_path: Path) -> None:
    """The authority is https (a self-signed test CA); its discovery names a plain-http token
    endpoint elsewhere: refused, although the profile's own URL passed every check."""
    mode = "discovery-https-http-token-endpoint"
    with tls_fault_server(tmp_path) as (server, ca_bundle):
        profile = replace(fault_profile(server, mode), tls=TlsOptions(ca_bundle=str(ca_bundle)))
        assert profile.authority.startswith("https://127.0.0.1:")
        error, events = await token_run(profile)
        assert isinstance(error, CleartextEndpointError), error
        assert "http://tokens.fault.test:" in error.message
        assert exchange_urls(events) == [f"{profile.authority}/.well-known/openid-configuration"]
        assert not server.sent(CLIENT_SECRET)


async def test_another_issuer_in_discovery_gets_no_credential(faults: FaultServer) -> None:
    mode = "discovery-issuer-mismatch"
    before = len(faults.requests)
    error, events = await token_run(fault_profile(faults, mode))
    assert isinstance(error, IssuerMismatchError)
    assert "https://someone-else.fault.test/id" in error.message
    assert faults.authority(mode) in error.message and "no credential" in error.message
    assert "OpenID Connect Discovery 4.3" in error.hint
    assert error.remedy is not None and error.remedy.kind is RemedyKind.FIX_AUTHORITY
    assert error.remedy.get("profile") == mode
    assert len(exchange_urls(events)) == 1
    assert [r.method for r in faults.requests[before:]] == ["GET"]  # discovery, then nothing
    assert not secret_sent_since(faults, before)


async def test_an_issuer_that_differs_by_a_trailing_slash_is_refused_too(
    faults: FaultServer,
) -> None:
    profile = fault_profile(faults, "ok", authority_url=faults.authority("ok") + "/")
    error, _ = await token_run(profile)
    assert isinstance(error, IssuerMismatchError) and "trailing slash" in error.message
    assert error.remedy is not None and error.remedy.get("url") == faults.authority("ok")


async def test_loopback_plain_http_still_works(faults: FaultServer) -> None:
    result = await run_flow(fault_profile(faults, "ok"), secrets=secrets(), bus=Bus())
    assert result.api_token.access_token.startswith("eyJ")


async def test_the_doctor_reports_the_mismatch_and_still_sends_nothing(
    faults: FaultServer,
) -> None:
    for mode in ("discovery-issuer-mismatch", "discovery-http-token-endpoint"):
        before = len(faults.requests)
        run = await run_doctor(fault_profile(faults, mode), secrets=secrets(), bus=Bus())
        steps = {s.key: s for s in run.diagnosis.steps}
        assert steps["authority"].status == "fail"  # the finding is still reported
        assert steps["token-issued"].status == "fail"
        assert isinstance(run.facts.flow_error, IssuerMismatchError | CleartextEndpointError)
        assert all(r.method == "GET" for r in faults.requests[before:])
        assert not secret_sent_since(faults, before)


async def test_the_probe_sends_no_token_over_plain_http_to_another_host(
    faults: FaultServer,
) -> None:
    local = fault_profile(faults, "ok")
    profile = replace(  # an API on another host, over plain http
        local,
        api_url="http://api.fault.test/api/domain/odata/",
        probe=replace(local.probe, headers=(("Cookie", "session=abcd1234"),)),
    )
    bus = Bus()
    with bus.collect(HttpExchange) as exchanges:
        async with build_client(HttpOptions(), bus=bus) as client:
            with pytest.raises(CleartextEndpointError) as refused:
                await probe(client, profile, "token-value-1234")
            assert "the access token" in refused.value.message
            assert "a cookie" in refused.value.message
            assert "token-value-1234" not in refused.value.message
            # a probe path that leaves the profile's API is refused before any of that
            with pytest.raises(UsageError, match="another origin"):
                await probe(client, local, "token-value-1234", path="http://api.fault.test/x")
            profile = local
            # no token, nothing to protect: plain http is fine
            result = await probe(client, profile, None, path=faults.api("ok"))
    assert result.status == 200
    tried = [e.url for e in exchanges if isinstance(e, HttpExchange) and "fault.test" in e.url]
    assert tried == []  # nothing was sent to the other host
