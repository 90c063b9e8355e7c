"""What a hostile or broken server (or token) says, read safely: JSON nested 100,000 deep,
numbers no clock can hold, lone surrogates, keys that cannot be loaded, and verdicts that must
follow the checks. Real sockets on 127.0.0.1 (tests/support/fault_server).

Each ends in a clear answer (a finding, a failed check or one error line), never in "this is a
bug" or a traceback.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fault_server import CLIENT_ID, CLIENT_SECRET, FaultServer, fault_server
from tokenlab.core.authority import inspect_authority
from tokenlab.core.errors import TokenlabError, UsageError
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore

ROOT = Path(__file__).resolve().parents[2]
DEEP = "nests JSON more than 64 levels deep"


@pytest.fixture(scope="module")
def fault() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def profile_for(fault: FaultServer, mode: str) -> tuple[Profile, SecretStore]:
    profile = new_profile("faulty", f"{fault.url}/{mode}", "service-app", client_id=CLIENT_ID)
    store = SecretStore(env={})
    store.remember(profile.name, SecretKind.CLIENT_SECRET, CLIENT_SECRET)
    return profile, store


def fault_token(fault: FaultServer, mode: str) -> str:
    """An access token the fault server signs for `mode` (iss is that mode's authority)."""
    answer = httpx.post(
        f"{fault.authority(mode)}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    return str(answer.json()["access_token"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_looking_token(payload: bytes) -> str:
    """A JWT-shaped token with this exact payload text (its signature checks nothing)."""
    header = b64(b'{"alg":"RS256","typ":"at+jwt"}')
    return f"{header}.{b64(payload)}.{b64(b'not-a-signature')}"


def tokenlab(*args: str) -> subprocess.CompletedProcess[str]:
    """The real process, writing UTF-8 to a pipe as a terminal would (strict: no surrogates)."""
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        cwd=ROOT,
        timeout=60,
    )


def no_bug(stderr: str) -> None:
    assert "Traceback" not in stderr and "this is a bug" not in stderr, stderr
    assert "unexpected" not in stderr, stderr


def one_line_error(stderr: str) -> str:
    no_bug(stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("tokenlab: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


# -- JSON nested 100,000 deep ------------------------------------------------------------------


def test_deep_json_discovery_is_one_clear_error(fault: FaultServer, cli: Any) -> None:
    r = cli("authority", fault.authority("discovery-deep-json"), "-v")
    assert r.code == 1
    line = one_line_error(r.err)
    assert "discovery at" in line and DEEP in line


def test_deep_json_keys_are_a_finding_and_the_verdict_says_not_usable(
    fault: FaultServer, cli: Any
) -> None:
    r = cli("authority", fault.authority("jwks-deep-json"))
    assert r.code == 1
    no_bug(r.err)
    assert f"ERROR    the JWKS at {fault.authority('jwks-deep-json')}" in r.out and DEEP in r.out
    assert "NOT USABLE" in r.out and "usable for API tokens" not in r.out


@pytest.mark.parametrize("mode", ["token-deep-json", "token-deep-json-error"])
async def test_a_deep_json_token_answer_fails_the_flow_clearly(
    fault: FaultServer, mode: str
) -> None:
    profile, store = profile_for(fault, mode)
    with pytest.raises(TokenlabError) as caught:
        await run_flow(profile, secrets=store, bus=Bus())
    assert DEEP in caught.value.message and "/connect/token answered HTTP" in caught.value.message


@pytest.mark.parametrize("mode", ["token-deep-json", "token-deep-json-error"])
def test_tokenlab_token_with_a_deep_json_answer_exits_1_in_one_line(
    fault: FaultServer, cli: Any, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    made = cli("profiles", "add", "deep", "--instance", f"{fault.url}/{mode}",
               "--scenario", "service-app", "--client-id", CLIENT_ID)  # fmt: skip
    assert made.code == 0, made.err
    monkeypatch.setenv("TOKENLAB_CLIENT_SECRET", CLIENT_SECRET)
    r = cli("token", "-p", "deep", "-v")  # -v: the trace reads the answer too
    assert r.code == 1 and DEEP in one_line_error(r.err)


async def test_a_deep_json_api_answer_reaches_the_caller_and_the_trace_describes_it(
    fault: FaultServer,
) -> None:
    # the probe reads API answers (core/probing): it must use json_text too; the transport and
    # its trace already take the answer without a RecursionError
    bus = Bus()
    with bus.collect(HttpExchange) as exchanges:
        async with build_client(HttpOptions(), bus=bus) as client:
            response = await client.get(fault.api("api-deep-json"))
    assert response.status_code == 200 and len(response.content) == 200_000
    (exchange,) = exchanges
    assert isinstance(exchange, HttpExchange)
    assert exchange.response_body == "<200000 bytes of JSON nested more than 64 levels deep>"


async def test_the_probe_reads_a_deep_json_api_answer_as_text_not_a_crash(
    fault: FaultServer,
) -> None:
    profile, _ = profile_for(fault, "ok")
    profile = replace(profile, api_url=fault.api("api-deep-json"))
    async with build_client(HttpOptions()) as client:
        result = await probe(client, profile, fault_token(fault, "ok"))
    assert result.status == 200
    assert result.body.kind == "text"  # too deep to be read as JSON: shown, not parsed


@pytest.mark.parametrize(
    "request_change",
    [{"method": "GET\n"}, {"headers": {"X-Test\n": "1"}}],
    ids=["method", "header"],
)
async def test_a_method_or_header_name_with_a_trailing_newline_is_refused(
    fault: FaultServer, request_change: dict[str, Any]
) -> None:
    profile, _ = profile_for(fault, "ok")
    async with build_client(HttpOptions()) as client:
        with pytest.raises(UsageError):
            await probe(client, profile, fault_token(fault, "ok"), **request_change)
    assert not fault.sent("X-Test")


async def test_the_probe_never_sends_the_token_to_another_origin(fault: FaultServer) -> None:
    profile, _ = profile_for(fault, "ok")
    token = fault_token(fault, "ok")
    elsewhere = fault.url.replace("127.0.0.1", "localhost") + "/ok/api/domain/odata/Steal"
    before = len(fault.requests)
    async with build_client(HttpOptions()) as client:
        with pytest.raises(UsageError, match="not sent to another origin") as caught:
            await probe(client, profile, token, path=elsewhere)
    assert caught.value.remedy is not None and caught.value.remedy.get("field") == "api_url"
    assert len(fault.requests) == before  # nothing was sent anywhere


# -- numbers that no clock can hold ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "number", "shown"),
    [
        ("exp", "9" * 4000, "999999999999... (4000 digits)"),
        ("exp", "1e400", "Infinity"),
        ("nbf", "-" + "9" * 4000, "-999999999999... (4000 digits)"),
        ("iat", "1e300", "1e+300"),
    ],
)
def test_a_time_claim_no_clock_can_hold_fails_its_check_with_a_reason(
    cli: Any, claim: str, number: str, shown: str
) -> None:
    payload = f'{{"iss": "https://acme.example/id", "{claim}": {number}}}'.encode()
    r = cli("decode", unsigned_looking_token(payload))
    no_bug(r.err)
    assert r.code == 1 and r.err == ""
    assert f"{claim} is not a time: the number is " in r.out and shown in r.out
    j = cli("decode", "--json", unsigned_looking_token(payload))
    data = json.loads(j.out)
    failed = {c["name"]: c for c in data["checks"] if c["status"] == "fail"}
    name = {"exp": "expiry", "nbf": "not_before", "iat": "issued_at"}[claim]
    assert failed[name]["reason"].startswith(f"{claim} is not a time")


def test_decode_json_with_a_lone_surrogate_writes_valid_json() -> None:
    exp = int(time.time()) + 3600
    payload = f'{{"iss": "https://acme.example/id", "exp": {exp}, "name": "\\ud800x"}}'.encode()
    done = tokenlab("decode", "--json", unsigned_looking_token(payload))
    no_bug(done.stderr)
    assert done.returncode == 0 and done.stderr == ""
    data = json.loads(done.stdout)  # valid JSON: the surrogate is written as its escape
    assert data["claims"]["name"] == "\ud800x" and "\\ud800x" in done.stdout


@pytest.mark.parametrize("mode", ["token-expires-in-1e400", "token-expires-in-400-digits"])
async def test_an_absurd_expires_in_is_no_lifetime_and_no_crash(
    fault: FaultServer, mode: str
) -> None:
    profile, store = profile_for(fault, mode)
    result = await run_flow(profile, secrets=store, bus=Bus())
    assert result.api_token is not None
    assert result.api_token.expires_in is None and result.api_token.seconds_left() is None


# -- keys that cannot be used ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "problem"),
    [("jwks-bad-n", "its n is not base64url"), ("jwks-n-list", "its n is not a string")],
)
async def test_a_jwks_without_a_usable_key_is_an_error(
    fault: FaultServer, mode: str, problem: str
) -> None:
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, fault.authority(mode))
    assert not report.ok
    (key,) = report.keys
    assert not key.usable and key.problem == problem
    (error,) = [f for f in report.findings if f.level == "error"]
    assert error.message == f"the JWKS holds no usable signing key (key fault-1: {problem})"
    assert report.to_json()["keys"][0]["usable"] is False


@pytest.mark.parametrize("mode", ["jwks-bad-n", "jwks-n-list"])
def test_authority_never_calls_unusable_keys_usable(
    fault: FaultServer, cli: Any, mode: str
) -> None:
    r = cli("authority", fault.authority(mode))
    no_bug(r.err)
    assert r.code == 1
    assert "UNUSABLE: its n is not" in r.out and "NOT USABLE: 1 error(s) above" in r.out
    assert "OK: usable" not in r.out


def test_a_duplicate_kid_is_a_warning_and_the_verdict_does_not_say_usable(
    fault: FaultServer, cli: Any
) -> None:
    r = cli("authority", fault.authority("jwks-duplicate-kid"))
    assert r.code == 0
    assert "WARNING  the kid 'fault-1' names 2 keys in the JWKS" in r.out
    assert "OK: usable" not in r.out
    assert r.out.rstrip().splitlines()[-1].startswith("CHECK: 1 warning(s) above")


def test_a_working_authority_is_still_usable(fault: FaultServer, cli: Any) -> None:
    r = cli("authority", fault.authority("ok"))
    assert r.code == 0 and r.out.rstrip().endswith("OK: usable for API tokens")


def test_verify_against_a_key_that_cannot_be_loaded_fails_in_words(
    fault: FaultServer, cli: Any
) -> None:
    token = fault_token(fault, "jwks-bad-n")
    r = cli("decode", "--verify", "--authority", fault.authority("jwks-bad-n"), token)
    no_bug(r.err)
    assert r.code == 1
    assert "(signature check FAILED against its JWKS)" in r.out
    assert "signature verified" not in r.out
    assert "cannot be loaded: its JWKS entry is broken" in r.out


# -- decode --verify says what the signature check found ---------------------------------------


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = ["read", "update"]  # a forger's wish
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def test_verify_words_follow_the_signature_check(fault: FaultServer, cli: Any) -> None:
    authority = fault.authority("ok")
    good = fault_token(fault, "ok")
    ok = cli("decode", "--verify", "--authority", authority, good)
    assert ok.code == 0 and f"against  {authority} (signature verified with its JWKS)" in ok.out
    bad = cli("decode", "--verify", "--authority", authority, _tampered(good))
    assert bad.code == 1
    assert f"against  {authority} (signature check FAILED against its JWKS)" in bad.out
    assert "signature verified" not in bad.out
    data = json.loads(
        cli("decode", "--verify", "--json", "--authority", authority, _tampered(good)).out
    )
    assert data["verified"] is False and data["first_failure"]["name"] == "signature"
    data = json.loads(cli("decode", "--verify", "--json", "--authority", authority, good).out)
    assert data["verified"] is True


# -- 10,000 keys -------------------------------------------------------------------------------


def test_a_10000_key_jwks_ends_in_a_clear_error_in_bounded_time(
    fault: FaultServer, cli: Any
) -> None:
    started = time.perf_counter()
    r = cli("authority", fault.authority("jwks-10000-keys"))
    assert time.perf_counter() - started < 5
    assert r.code == 1 and "is larger than 4 MiB" in one_line_error(r.err)


async def test_10000_small_keys_are_looked_up_and_checked_in_bounded_time(
    fault: FaultServer,
) -> None:
    from tokenlab.core.authority import AuthorityCache
    from tokenlab.core.inspection.decode import decode_token
    from tokenlab.core.inspection.verify import verify_token

    mode = "jwks-10000-small-keys"
    token = decode_token(fault_token(fault, mode))
    started = time.perf_counter()
    async with build_client(HttpOptions()) as client:
        report = await inspect_authority(client, fault.authority(mode))
        checked = await verify_token(
            token, client=client, cache=AuthorityCache(), expected_issuer=fault.authority(mode)
        )
    assert time.perf_counter() - started < 5
    # the real key is the last of 10,001: found by its kid, loaded alone, and it verifies
    signature = checked.check("signature")
    assert signature is not None and signature.status == "pass", signature
    warnings = [f.message for f in report.findings if f.level == "warning"]
    assert "the JWKS holds 10001 keys; only the first 50 were checked" in warnings
    assert len(report.keys) == 50
