"""The shortcuts taken on hot paths keep every answer the same: events built only for a
subscriber, TLS trust built on the first https request, times formatted without strftime, a
JWK cache named by the key's members, checks kept in their order."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from tokenlab.core.errors import UsageError
from tokenlab.core.events import Bus, Event, HttpExchange, Notice, TokenIssued
from tokenlab.core.http import HttpOptions, TlsOnDemandTransport, build_client
from tokenlab.core.inspection.checks import Check
from tokenlab.core.inspection.claims import utc_text
from tokenlab.core.inspection.token_report import ordered_checks
from tokenlab.core.jwk import _cache_name
from tokenlab.core.redact import Redactor
from tokenlab.sandbox import Sandbox


def test_the_bus_says_who_wants_an_event_type() -> None:
    bus = Bus()
    assert not bus.wants(HttpExchange)
    sub = bus.subscribe(lambda e: None, Notice)
    assert bus.wants(Notice) and not bus.wants(HttpExchange)
    everything = bus.subscribe(lambda e: None)  # no types: every event
    assert bus.wants(HttpExchange)
    bus.unsubscribe(everything)
    bus.unsubscribe(sub)
    assert not bus.wants(Notice)
    bus.subscribe(lambda e: None, Event)  # a base class takes its subclasses
    assert bus.wants(TokenIssued)


async def test_an_exchange_is_still_recorded_masked_for_a_subscriber(sandbox: Sandbox) -> None:
    bus, redactor = Bus(), Redactor(("CANARY-known-value",))
    async with build_client(HttpOptions(), bus=bus, redactor=redactor) as client:
        await client.get(f"{sandbox.url}/id/.well-known/openid-configuration")  # nobody listens
        with bus.collect(HttpExchange) as seen:
            await client.get(
                f"{sandbox.url}/id/.well-known/openid-configuration?x=CANARY-known-value"
            )
    assert len(seen) == 1
    assert isinstance(seen[0], HttpExchange) and seen[0].status == 200
    assert "CANARY-known-value" not in seen[0].url


async def test_plain_http_never_builds_the_tls_trust(sandbox: Sandbox) -> None:
    transport = TlsOnDemandTransport(HttpOptions())
    async with build_client(HttpOptions(), transport=transport) as client:
        answer = await client.get(f"{sandbox.url}/id/.well-known/openid-configuration")
    assert answer.status_code == 200
    assert transport._plain is not None and transport._tls is None


def test_a_bad_ca_bundle_is_still_refused_when_the_client_is_built() -> None:
    with pytest.raises(UsageError, match="cannot load the CA bundle"):
        build_client(HttpOptions(ca_bundle="/nonexistent/ca.pem"))


def test_times_read_as_datetime_and_strftime_read_them() -> None:
    rng = random.Random(7)
    values = [0, 0.0, 1.5, 0.9999996, 0.9999994, 1764790829, 253402300799, -5.5]
    values += [rng.uniform(0, 253402300799) for _ in range(3000)]
    values += [float(rng.randrange(0, 2**31)) for _ in range(3000)]
    for value in values:
        expected = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        assert utc_text(value) == expected, value


def test_a_jwk_is_named_by_its_key_members_else_by_its_json() -> None:
    key = {"kty": "RSA", "n": "abc", "e": "AQAB", "kid": "k1"}
    assert _cache_name(key) == _cache_name({**key, "kid": "k2", "use": "sig"})
    assert _cache_name(key) != _cache_name({**key, "n": "abd"})
    assert _cache_name(key) != _cache_name({**key, "d": "secret-half"})
    hostile = {**key, "n": ["not", "a", "string"]}
    assert _cache_name(hostile) == json.dumps(hostile, sort_keys=True)
    assert _cache_name({**key, "oth": [{"r": "x"}]}) != _cache_name(key)


def test_checks_come_in_the_fixed_order_however_they_were_built() -> None:
    def check(name: str) -> Check:
        return Check(name, "pass", "", "", "")

    built = [check("scope"), check("format"), check("mystery"), check("issuer")]
    assert [c.name for c in ordered_checks(built)] == ["format", "issuer", "scope", "mystery"]
    in_order = [check("format"), check("algorithm"), check("signature")]
    assert [c.name for c in ordered_checks(in_order)] == ["format", "algorithm", "signature"]


def test_a_secret_inside_base64_is_masked_after_more_values_were_added() -> None:
    import base64

    redactor = Redactor(("client-secret-CANARY",))
    redactor.add_known("another-value-1234")
    basic = base64.b64encode(b"com.acme/svc:client-secret-CANARY").decode()
    assert basic not in redactor.text(f"sent {basic} over")
    redactor.add_known("a-third-value-5678")
    later = base64.b64encode(b"x:a-third-value-5678").decode()
    assert later not in redactor.text(f"and {later} too")
