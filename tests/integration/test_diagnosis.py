"""The checklist and the most likely cause, from real tokens, real JWKS and real API answers."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab.core.authority import AuthorityCache, inspect_authority
from tokenlab.core.diagnosis import RunFacts, checklist
from tokenlab.core.doctor import check_issued_token, run_doctor
from tokenlab.core.events import Bus
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe
from tokenlab.core.profiles import Profile
from tokenlab.core.report import render, report_json
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import FlowResult, TokenSet
from tokenlab.sandbox import DEMO_REVOKED_REFERENCE_TOKEN, Sandbox


async def diagnose(profile: Profile, token: str, **probe_kw: str) -> list[str]:
    """Check `token` as doctor would and return the cause keys, most likely first."""
    cache = AuthorityCache()
    async with build_client(HttpOptions()) as client:
        facts = RunFacts(profile=profile)
        facts.authority = await inspect_authority(client, profile.authority, cache=cache)
        facts.flow = FlowResult("given", profile.name, TokenSet(token, "Bearer", 3600, ()))
        facts.token = await check_issued_token(
            client, cache, profile, token, required_scopes=("read",)
        )
        facts.probe = await probe(client, profile, token, **probe_kw)  # type: ignore[arg-type]
    diagnosis = checklist(facts)
    assert not diagnosis.api_ok
    return [c.key for c in diagnosis.causes]


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def tampered(token: str) -> str:
    h, p, s = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    claims["scope"] = ["read", "update", "admin"]
    return f"{h}.{b64(claims)}.{s}"


def alg_none(token: str) -> str:
    _, p, _ = token.split(".")
    return f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{p}."


def unknown_kid(idp: TestProvider) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": idp.issuer,
        "aud": "DomainAPI",
        "scope": ["read"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    return jwt.encode(
        claims, key, algorithm="RS256", headers={"kid": "not-in-the-jwks", "typ": "at+jwt"}
    )


def hs256_with_public_key(idp: TestProvider, token: str, tmp: Path) -> str:
    """The classic confusion attack: HMAC keyed with the provider's public key PEM."""
    import httpx

    jwks = httpx.get(f"{idp.issuer}/.well-known/openid-configuration/jwks").json()
    pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    header = {"alg": "HS256", "typ": "at+jwt", "kid": jwt.get_unverified_header(token).get("kid")}
    import hashlib
    import hmac

    signing_input = f"{b64(header)}.{b64(claims)}"
    sig = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"


CASES: dict[str, tuple[Callable[[TestProvider, Path], str], str]] = {
    "expired": (lambda idp, _: idp.mint_token(expires_in=-600), "token-expired"),
    "nbf in the future": (
        lambda idp, _: idp.mint_token({"nbf": int(time.time()) + 3600}),
        "token-not-yet-valid",
    ),
    "wrong issuer": (
        lambda idp, _: idp.mint_token({"iss": "https://other.example/id"}),
        "wrong-issuer",
    ),
    "issuer with a trailing slash": (
        lambda idp, _: idp.mint_token({"iss": idp.issuer + "/"}),
        "wrong-issuer",
    ),
    "wrong audience": (lambda idp, _: idp.mint_token({"aud": "SomeOtherAPI"}), "wrong-audience"),
    "missing scope": (lambda idp, _: idp.mint_token({"scope": ["update"]}), "insufficient-scope"),
    "bad signature": (lambda idp, _: tampered(idp.mint_token()), "bad-signature"),
    "unknown kid": (lambda idp, _: unknown_kid(idp), "signing-key-unknown"),
    "alg none": (lambda idp, _: alg_none(idp.mint_token()), "bad-algorithm"),
    "HS256 with the RSA public key": (
        lambda idp, tmp: hs256_with_public_key(idp, idp.mint_token(), tmp),
        "bad-algorithm",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_the_first_cause_is_the_right_one(
    idp: TestProvider, case: str, tmp_path: Path
) -> None:
    make, expected = CASES[case]
    profile, _ = idp_profile(idp, "service_basic", audience="DomainAPI")
    causes = await diagnose(profile, make(idp, tmp_path))
    assert causes and causes[0] == expected, causes


@pytest.mark.idp
async def test_an_unrecognised_401_is_unexplained_and_lists_the_checks_that_passed(
    idp: TestProvider,
) -> None:
    # the provider refuses an iat that is not a number in words no stack's reading names
    profile, _ = idp_profile(idp, "service_basic", audience="DomainAPI")
    claims = {"iat": "yesterday", "client_id": profile.client_id, "scope": list(profile.scopes)}
    token = idp.mint_token(claims)
    cache = AuthorityCache()
    async with build_client(HttpOptions()) as client:
        facts = RunFacts(profile=profile)
        facts.authority = await inspect_authority(client, profile.authority, cache=cache)
        facts.token = await check_issued_token(client, cache, profile, token)
        facts.probe = await probe(client, profile, token)
    assert facts.probe.verdict.kind == "invalid-token"
    assert "claim 'iat' is invalid" in facts.probe.verdict.summary
    causes = {c.key: c for c in checklist(facts).causes}
    assert list(causes) == ["token-malformed", "invalid-token"]  # our own finding first
    unexplained = causes["invalid-token"]
    assert "unexplained" in unexplained.title
    assert "our checks passed: format, algorithm, key_source, issuer, signature" in (
        unexplained.evidence
    )


async def test_a_valid_token_passes_every_step(idp: TestProvider, sandbox: Sandbox) -> None:
    for profile, store in (
        idp_profile(idp, "service_basic"),
        sandbox_profile(sandbox, "demo-service-app"),
    ):
        run = await run_doctor(profile, secrets=store, bus=Bus())
        assert run.diagnosis.api_ok
        assert [s.status for s in run.diagnosis.steps] == ["pass"] * 9, run.diagnosis.steps
        assert run.diagnosis.causes == ()


async def test_global_authority_token_is_the_first_cause(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-global-authority")
    result = await run_flow(
        profile, secrets=store, bus=Bus(), options=FlowOptions(allow_global_authority=True)
    )
    instance, _ = sandbox_profile(sandbox, "demo-service-app")
    causes = await diagnose(instance, result.api_token.access_token)
    assert causes[0] == "global-authority"


async def test_revoked_reference_token_and_sign_in_redirect(sandbox: Sandbox) -> None:
    auto, store = sandbox_profile(sandbox, "demo-automation")
    store.remember(auto.name, SecretKind.REFERENCE_TOKEN, DEMO_REVOKED_REFERENCE_TOKEN)
    run = await run_doctor(auto, secrets=store, bus=Bus())
    assert not run.diagnosis.api_ok and run.diagnosis.causes[0].key == "token-revoked"
    assert run.diagnosis.step("api-accepts").status == "fail"  # type: ignore[union-attr]
    svc, _ = sandbox_profile(sandbox, "demo-service-app")
    token = (await run_flow(svc, secrets=SecretStore(env={}), bus=Bus())).api_token.access_token
    causes = await diagnose(svc, token, path="/ui/")
    assert causes[0] == "sign-in-redirect"


async def test_insufficient_scope_403_names_the_scope_and_where_to_allow_it(
    sandbox: Sandbox,
) -> None:
    # a read-only token doing a write: the API's 403 names `update`
    profile, store = sandbox_profile(sandbox, "demo-service-app", scopes=("read",))
    token = (await run_flow(profile, secrets=store, bus=Bus())).api_token.access_token
    causes = await diagnose(profile, token, method="POST")
    assert causes[0] == "insufficient-scope"


async def test_doctor_checklist_for_a_refused_token_request(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-scope-not-allowed")
    run = await run_doctor(profile, secrets=store, bus=Bus())
    d = run.diagnosis
    assert d.step("authority").status == "pass"  # type: ignore[union-attr]
    assert (
        d.step("trusted-app").status == "fail" and "invalid_scope" in d.step("trusted-app").evidence
    )  # type: ignore[union-attr]
    assert d.step("first-200").status == "skip"  # type: ignore[union-attr]
    assert "update" in d.causes[0].title + d.causes[0].evidence


CANARY = "canary-doctor-secret-7d1e"


async def test_reports_hold_no_secret_and_no_whole_token(idp: TestProvider, tmp_path: Path) -> None:
    profile, store = idp_profile(idp, "service_post")
    run = await run_doctor(profile, secrets=store, bus=Bus())
    token = run.facts.flow.api_token.access_token  # type: ignore[union-attr]
    secret = idp.clients["service_post"].secret
    doc = report_json(run, store.redactor)
    for fmt in ("json", "md"):
        text = render(doc, fmt, store.redactor)
        assert token not in text and secret not in text  # type: ignore[operator]
        assert token[:20] not in text  # not even the header+payload start of it
    md = render(doc, "md", store.redactor)
    assert "| PASS | The first request returns HTTP 200 |" in md
    assert (
        "TOKENLAB_CLIENT_SECRET" in md and "TOKENLAB_ACCESS_TOKEN" in md
    )  # curl with placeholders
    # a failing run with a canary secret: nowhere in the report either
    bad, bad_store = idp_profile(idp, "service_basic")
    bad_store.remember(bad.name, SecretKind.CLIENT_SECRET, CANARY)
    bad_run = await run_doctor(bad, secrets=bad_store, bus=Bus())
    bad_doc = report_json(bad_run, bad_store.redactor)
    assert CANARY not in render(bad_doc, "json", bad_store.redactor) + render(
        bad_doc, "md", bad_store.redactor
    )
    assert bad_doc["diagnosis"]["steps"][1]["status"] == "fail"


def test_doctor_command(cli: object, sandbox: Sandbox, tmp_path: Path) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("doctor", "--profile", "demo-service-app", "--report", str(tmp_path / "r.md"))  # type: ignore[operator]
    assert r.code == 0 and "OK: the API answered HTTP 200" in r.out, r.out + r.err
    assert (tmp_path / "r.md").read_text().startswith("# Doctor report: demo-service-app")
    r = cli("doctor", "--profile", "demo-disabled", "--json")  # type: ignore[operator]
    assert r.code == 1 and json.loads(r.out)["diagnosis"]["api_ok"] is False
    r = cli("doctor", "--profile", "demo-service-app", "--report", str(tmp_path / "r.txt"))  # type: ignore[operator]
    assert r.code == 2 and "FILE.md or FILE.json" in r.err
