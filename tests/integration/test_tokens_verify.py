"""verify_token / introspect / compare against both real targets: the test provider and the sandbox.

Every check has a failing case with its verdict; the minted tokens are signed with each
target's own key (`idp.mint_token`, the sandbox's signing key), so only the claim under test
is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import CliResult
from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab.core.authority import AuthorityCache
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.introspection import introspect
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.inspection.compare import compare_tokens
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.token_report import CHECK_ORDER, TokenReport
from tokenlab.core.inspection.verify import verify_token
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_REFERENCE_TOKEN, DEMO_REVOKED_REFERENCE_TOKEN, Sandbox

MINTED_CLIENT = "com.test/minted"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Target:
    name: str
    authority: str
    mint: Callable[..., str]  # mint(claims=None, *, expires_in=3600, typ="at+jwt")
    public_pem: bytes
    kid: str
    service: tuple[Profile, SecretStore]  # a working client_credentials profile


def _idp_target(idp: TestProvider) -> Target:
    jwks = httpx.get(f"{idp.issuer}/.well-known/openid-configuration/jwks").json()
    (jwk,) = [k for k in jwks["keys"] if k.get("use", "sig") == "sig"]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    pem = public.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def mint(claims: dict[str, Any] | None = None, **kw: Any) -> str:
        return idp.mint_token({"client_id": MINTED_CLIENT, **(claims or {})}, **kw)

    return Target("idp", idp.issuer, mint, pem, jwk["kid"], idp_profile(idp, "service_basic"))


def _sandbox_target(sb: Sandbox) -> Target:
    key = sb.instance.key

    def mint(
        claims: dict[str, Any] | None = None, *, expires_in: int = 3600, typ: str = "at+jwt"
    ) -> str:
        now = int(sb.clock())
        payload: dict[str, Any] = {
            "iss": sb.instance.issuer,
            "aud": ["DomainAPI", "TableAPI"],
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "jti": secrets.token_hex(8),
            "scope": ["read"],
            "client_id": MINTED_CLIENT,
            **(claims or {}),
        }
        return key.sign(payload, typ=typ)

    pem = key.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Target(
        "sandbox", sb.instance.issuer, mint, pem, key.kid, sandbox_profile(sb, "demo-service-app")
    )


@pytest.fixture(params=["idp", "sandbox"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "idp":
        return _idp_target(request.getfixturevalue("idp"))
    return _sandbox_target(request.getfixturevalue("sandbox"))


async def verify(
    target: Target, token: str, *, bus: Bus | None = None, authority: str = "", **kw: Any
) -> TokenReport:
    """verify_token as the decode command runs it (the clock skew its discovery measured)."""
    authority = authority or target.authority
    kw.setdefault("audience", "DomainAPI")
    kw.setdefault("required_scopes", ("read",))
    kw.setdefault("client_id", MINTED_CLIENT)
    async with build_client(HttpOptions(), bus=bus) as client:
        cache = AuthorityCache()
        return await verify_token(
            decode_token(token), client=client, cache=cache, expected_issuer=authority, **kw
        )


def statuses(report: TokenReport) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


# -- a valid token passes every check ----------------------------------------------------------


async def test_a_valid_minted_token_passes_every_check(target: Target) -> None:
    report = await verify(target, target.mint())
    expected = [n for n in CHECK_ORDER if n != "introspection"]
    assert [c.name for c in report.checks] == expected
    assert set(statuses(report).values()) == {"pass"}, report.checks
    assert report.verified and report.ok and report.authority == target.authority
    assert f"kid {target.kid}" in report.check("signature").observed  # type: ignore[union-attr]


async def test_a_real_client_credentials_token_passes_every_check(target: Target) -> None:
    profile, store = target.service
    result = await run_flow(profile, secrets=store, bus=Bus())
    report = await verify(
        target,
        result.api_token.access_token,
        required_scopes=profile.scopes,
        client_id=profile.client_id,
    )
    assert set(statuses(report).values()) == {"pass"}, report.checks
    rows = {r.name: r for r in report.claims}
    assert "SystemUser" in rows["client_system_user"].note and "left" in rows["exp"].note


# -- each check, failing -------------------------------------------------------------------


def _tampered(target: Target) -> str:
    header, payload, signature = target.mint().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = ["read", "update"]  # a privilege escalation the signature must catch
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def _alg_none(target: Target) -> str:
    _, payload, _ = target.mint().split(".")
    return f"{b64(json.dumps({'alg': 'none', 'typ': 'at+jwt'}).encode())}.{payload}."


def _hs256_with_public_pem(target: Target) -> str:
    """The classic forgery: HMAC keyed with the authority's public key (PEM)."""
    _, payload, _ = target.mint().split(".")
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": target.kid}).encode())
    sig = hmac.new(target.public_pem, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{b64(sig)}"


def _unknown_kid(target: Target) -> str:
    claims = decode_token(target.mint()).claims
    return jwt.encode(
        dict(claims), OTHER_KEY, algorithm="RS256", headers={"kid": "retired-key", "typ": "at+jwt"}
    )


CASES: list[tuple[str, Callable[[Target], str], dict[str, Any], str, str]] = [
    ("expired", lambda t: t.mint(expires_in=-600), {}, "expiry", "expired 10 min ago"),
    (
        "nbf-future",
        lambda t: t.mint({"nbf": int(time.time()) + 900}),
        {},
        "not_before",
        "another 1",  # "another 14 min" or "another 15 min" depending on the second
    ),
    (
        "wrong-issuer",
        lambda t: t.mint({"iss": "https://other.my.erp.net/id"}),
        {},
        "issuer",
        "another authority",
    ),
    ("wrong-audience", lambda t: t.mint({"aud": "TableAPI"}), {}, "audience", "not DomainAPI"),
    (
        "missing-scope",
        lambda t: t.mint({"scope": ["read"]}),
        {"required_scopes": ("read", "update")},
        "scope",
        "missing update",
    ),
    ("bad-signature", _tampered, {}, "signature", "changed after it was signed"),
    ("unknown-kid", _unknown_kid, {}, "signature", "unknown key"),
    ("alg-none", _alg_none, {}, "algorithm", "unsigned"),
    ("hs256-public-key", _hs256_with_public_pem, {}, "algorithm", "algorithm-confusion attack"),
    (
        "other-client",
        lambda t: t.mint({"client_id": "com.evil/app"}),
        {},
        "client_id",
        "another client",
    ),
]


@pytest.mark.parametrize(
    ("case", "make", "kw", "first", "needle"), CASES, ids=[c[0] for c in CASES]
)
async def test_each_failing_case_gives_the_right_first_failure(
    target: Target,
    case: str,
    make: Callable[[Target], str],
    kw: dict[str, Any],
    first: str,
    needle: str,
) -> None:
    report = await verify(target, make(target), **kw)
    failure = report.first_failure
    assert failure is not None and failure.name == first, report.checks
    assert needle in failure.reason, failure
    assert not report.ok and report.to_json()["first_failure"]["name"] == first


async def test_a_trailing_slash_on_the_authority_is_named(target: Target) -> None:
    report = await verify(target, target.mint(), authority=target.authority + "/")
    assert report.first_failure is not None and report.first_failure.name == "issuer"
    assert "trailing slash" in report.first_failure.reason
    assert statuses(report)["signature"] == "pass"  # same keys: only the issuer string differs


async def test_the_hs256_forgery_is_reported_as_an_attack_never_verified(target: Target) -> None:
    report = await verify(target, _hs256_with_public_pem(target))
    signature = report.check("signature")
    assert signature is not None and signature.status == "fail"
    assert signature.reason.startswith("ATTACK") and "RSA public key" in signature.reason


async def test_alg_none_fails_the_signature_too_without_fetching_keys(target: Target) -> None:
    bus = Bus()
    with bus.collect(HttpExchange) as events:
        report = await verify(target, _alg_none(target), bus=bus)
    assert statuses(report)["signature"] == "fail"
    assert not [e for e in events if e.url.endswith("/jwks")]  # type: ignore[attr-defined]


async def test_an_unknown_kid_refetches_the_jwks_exactly_once(target: Target) -> None:
    bus = Bus()
    with bus.collect(HttpExchange) as events:
        report = await verify(target, _unknown_kid(target), bus=bus)
    jwks_fetches = [e for e in events if e.url.endswith("/jwks")]  # type: ignore[attr-defined]
    assert len(jwks_fetches) == 2  # the cached set, then one refetch: keys may have rotated
    signature = report.check("signature")
    assert signature is not None and "retired-key" in signature.observed
    assert target.kid in signature.expected  # names the kids the authority does publish
    with bus.collect(HttpExchange) as events:
        assert (await verify(target, target.mint(), bus=bus)).ok
    assert len([e for e in events if e.url.endswith("/jwks")]) == 1  # type: ignore[attr-defined]


async def test_a_non_access_typ_is_a_warning(target: Target) -> None:
    report = await verify(target, target.mint(typ="JWT"))
    assert report.ok and statuses(report)["type"] == "warn"


# -- the global authority (sandbox) ------------------------------------------------------------


async def test_a_token_from_the_global_authority_is_named_as_the_mistake(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-global-authority")
    result = await run_flow(
        profile, secrets=store, bus=Bus(), options=FlowOptions(allow_global_authority=True)
    )
    token = result.api_token.access_token
    target = _sandbox_target(sandbox)
    report = await verify(target, token, required_scopes=(), client_id=None, audience=None)
    failure = report.first_failure
    assert failure is not None and failure.name == "issuer"
    assert failure.observed.endswith("/global/id") and "global authority" in failure.reason
    assert statuses(report)["signature"] == "fail"  # the instance never signed it
    # checked against the global authority itself, the issuer is still the mistake
    report = await verify(
        target, token, authority=f"{sandbox.url}/global/id", audience=None, client_id=None
    )
    assert report.first_failure is not None and report.first_failure.name == "issuer"
    assert statuses(report)["signature"] == "pass"


# -- clock skew (sandbox clock moved) ---------------------------------------------------------


async def test_the_measured_clock_skew_is_used_for_the_time_checks(
    isolated_sandbox: Sandbox,
) -> None:
    isolated_sandbox.clock.advance(900)  # the server is 15 min ahead of this machine
    target = _sandbox_target(isolated_sandbox)
    token = target.mint()
    report = await verify(target, token)
    assert report.ok, report.checks
    reason = report.check("expiry").reason  # type: ignore[union-attr]
    assert re.search(r"by the server's clock \(\+(899|900|901) s", reason), reason
    naive = await verify(target, token, clock_skew=0.0)
    assert naive.first_failure is not None and naive.first_failure.name == "not_before"


# -- opaque tokens and introspection ---------------------------------------------------------


def test_reference_tokens_are_recognised_as_opaque(idp: TestProvider) -> None:
    for value in (*idp.reference_tokens.valid, DEMO_REFERENCE_TOKEN):
        decoded = decode_token(value)
        assert decoded.kind == "reference" and "introspection" in decoded.description
        assert value not in repr(decoded)


async def _introspect(
    sb: Sandbox, token: str, name: str = "demo-service-app", bus: Bus | None = None
) -> TokenReport:
    profile, store = sandbox_profile(sb, name)
    bus = bus or Bus()
    async with build_client(HttpOptions(), bus=bus, redactor=store.redactor) as client:
        ctx = FlowContext(profile=profile, secrets=store, bus=bus, run_id="t", client=client)
        return await introspect(ctx, token, required_scopes=("read",))


async def test_introspection_of_reference_tokens_active_revoked_unknown(sandbox: Sandbox) -> None:
    bus = Bus()
    with bus.collect(HttpExchange) as events:
        active = await _introspect(sandbox, DEMO_REFERENCE_TOKEN, bus=bus)
    assert active.ok and statuses(active)["introspection"] == "pass"
    assert statuses(active)["scope"] == "pass" and statuses(active)["issuer"] == "pass"
    assert (
        active.introspection is not None and active.introspection["token_type"] == "reference_token"
    )
    assert DEMO_REFERENCE_TOKEN not in repr(events) + json.dumps(active.to_json())
    revoked = await _introspect(sandbox, DEMO_REVOKED_REFERENCE_TOKEN)
    assert revoked.first_failure is not None and revoked.first_failure.name == "introspection"
    assert "revoked" in revoked.first_failure.reason
    unknown = await _introspect(sandbox, "enrt_" + secrets.token_urlsafe(24))
    assert unknown.first_failure is not None and unknown.first_failure.name == "introspection"


async def test_introspection_on_the_provider_leaks_neither_secret_nor_token(
    idp: TestProvider,
) -> None:
    profile, store = idp_profile(idp, "service_basic")
    token = idp.reference_tokens.valid[0]
    bus = Bus()
    with bus.collect(HttpExchange) as events:
        async with build_client(HttpOptions(), bus=bus, redactor=store.redactor) as client:
            ctx = FlowContext(profile=profile, secrets=store, bus=bus, run_id="t", client=client)
            report = await introspect(ctx, token)
    assert [e.url for e in events][-1].endswith("/connect/introspect")  # type: ignore[attr-defined]
    # oidc-provider does not know the platform's reference tokens: the report says what that may mean
    check = report.check("introspection")
    assert check is not None and check.status == "fail" and "does not introspect" in check.reason
    everything = repr(events) + json.dumps(report.to_json())
    secret = idp.clients["service_basic"].secret
    assert secret and secret not in everything and token not in everything


async def test_introspection_says_why_it_cannot_be_asked(sandbox: Sandbox) -> None:
    public = await _introspect(sandbox, DEMO_REFERENCE_TOKEN, name="demo-spa")
    check = public.check("introspection")
    assert check is not None and check.status == "skip" and "confidential" in check.reason
    assert public.ok  # nothing is known to be wrong: the report says what cannot be checked


# -- compare -----------------------------------------------------------------------------------


async def test_two_client_credentials_tokens_differ_only_by_expected_churn(target: Target) -> None:
    profile, store = target.service
    a = (await run_flow(profile, secrets=store, bus=Bus())).api_token.access_token
    b = (await run_flow(profile, secrets=store, bus=Bus())).api_token.access_token
    diffs = compare_tokens(a, b)
    assert "jti" in {d.name for d in diffs}
    assert all(d.expected for d in diffs), diffs
    assert a not in repr(diffs) and b not in repr(diffs)


# -- the command with --verify ---------------------------------------------------------------


def test_cli_verify_against_the_sandbox(cli: Callable[..., CliResult], sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0
    token = cli("token", "--profile", "demo-service-app", "-q").out.strip()
    r = cli("decode", "--verify", "--profile", "demo-service-app", "--json", stdin=token)
    assert r.code == 0, r.out + r.err
    data = json.loads(r.out)
    assert data["verified"] and {c["status"] for c in data["checks"]} <= {"pass", "skip"}
    assert token not in r.out + r.err
    r = cli("decode", "--verify", "--profile", "demo-service-app", DEMO_REFERENCE_TOKEN)
    assert r.code == 0 and "pass  introspection" in r.out
    r = cli("decode", "--verify", "--profile", "demo-service-app", DEMO_REVOKED_REFERENCE_TOKEN)
    assert r.code == 1 and "FAIL at introspection" in r.out
    assert DEMO_REVOKED_REFERENCE_TOKEN not in r.out + r.err


def test_cli_verify_against_the_provider(cli: Callable[..., CliResult], idp: TestProvider) -> None:
    expired = idp.mint_token(expires_in=-600)
    r = cli("decode", "--verify", "--authority", idp.issuer, "-v", stdin=expired)
    assert r.code == 1 and "FAIL at expiry" in r.out and "/jwks" in r.err
    assert expired not in r.out + r.err
    r = cli("decode", "--verify", "--authority", idp.issuer, stdin=idp.mint_token())
    assert r.code == 0 and "pass  signature" in r.out


def test_cli_verify_with_an_unreachable_authority_is_one_line(
    cli: Callable[..., CliResult],
) -> None:
    r = cli("decode", "--verify", "--authority", "http://127.0.0.1:9/id", stdin=_sample())
    assert r.code == 1 and "connection refused" in r.err and "Traceback" not in r.err


def _sample() -> str:
    return jwt.encode({"iss": "x"}, OTHER_KEY, algorithm="RS256")
