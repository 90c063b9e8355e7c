"""Each diagnosis rule end to end: the servers show the case, the doctor or the probe names it.

The sandbox's `demo-api-*` profiles are misconfigured API servers answering like ASP.NET Core
JwtBearer; the test provider's second API root answers like jose-based Node middleware. The
same table of causes must read both, and never fall back to one generic cause for every 401.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest

from tests.idp.fixtures import FORBIDDEN_ENTITY_SET, TestProvider
from tests.integration.test_doctor_causes import assert_every_abnormal_step_is_explained
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab.core.doctor import run_doctor
from tokenlab.core.errors import RemedyKind
from tokenlab.core.events import Bus, DoctorStepDone
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe
from tokenlab.sandbox import Sandbox

# demo profile -> (first cause, words its title or evidence must hold, remedy kind of that cause)
SANDBOX_CASES: dict[str, tuple[str, tuple[str, ...], RemedyKind]] = {
    "demo-api-clock-behind": ("clock-skew", ("API's clock", "10 min behind"), RemedyKind.FIX_CLOCK),
    "demo-api-clock-ahead": ("clock-skew", ("API's clock", "ahead"), RemedyKind.FIX_CLOCK),
    "demo-api-wrong-audience": ("wrong-audience", ("audience", "JwtBearer"), RemedyKind.REQUEST_SCOPES),
    "demo-api-wrong-issuer": ("wrong-issuer", ("issuer", "JwtBearer"), RemedyKind.FIX_AUTHORITY),
    "demo-api-stale-keys": ("signing-key-unknown", ("signature key was not found",), RemedyKind.ASK_ADMINISTRATORS),
    "demo-api-unexplained": ("unauthorized", ("no reason", "our checks passed"), RemedyKind.ASK_ADMINISTRATORS),
    "demo-api-forbidden": ("forbidden", ("passed every check", "no permission"), RemedyKind.FIX_TRUSTED_APPLICATION),
    "demo-api-not-found": ("not-found", ("accepted", "404"), RemedyKind.FIX_REQUEST),
    "demo-api-business-error": ("business-error", ("accepted", "InvalidFilter"), RemedyKind.FIX_REQUEST),
    "demo-api-refused": ("api-unreachable", ("connection refused",), RemedyKind.SET_PROFILE_FIELD),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SANDBOX_CASES))
async def test_the_doctor_names_each_sandbox_case_first(sandbox: Sandbox, name: str) -> None:
    first, words, kind = SANDBOX_CASES[name]
    profile, store = sandbox_profile(sandbox, name)
    bus = Bus()
    with bus.collect(DoctorStepDone) as steps:
        run = await run_doctor(profile, secrets=store, bus=bus)
    diagnosis = run.diagnosis
    assert not diagnosis.api_ok
    assert diagnosis.step("token-issued").status == "pass"  # type: ignore[union-attr]
    top = diagnosis.causes[0]
    assert top.key == first, [c.key for c in diagnosis.causes]
    said = f"{top.title} {top.evidence}"
    for word in words:
        assert word in said, said
    assert top.remedy is not None and top.remedy.kind == kind, top.remedy
    assert_every_abnormal_step_is_explained(run)
    assert len(steps) == len(diagnosis.steps)  # the pane could fill in live


async def test_clock_cases_say_which_clock_and_by_how_much(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-api-clock-behind")
    run = await run_doctor(profile, secrets=store, bus=Bus())
    top = run.diagnosis.causes[0]
    assert top.remedy is not None and top.remedy.get("clock") == "api"
    assert 540 <= -float(top.remedy.get("offset_s")) <= 660  # 10 min behind, give or take
    # "not valid yet" is still listed, and says what the clocks showed, not only "check yours"
    later = [c for c in run.diagnosis.causes if c.key == "token-not-yet-valid"]
    assert later and "10 min behind" in later[0].evidence


def test_the_cli_doctor_exits_1_and_prints_the_cause(cli: Any, sandbox: Sandbox) -> None:
    cli("demo", "--port", str(sandbox.port), "--print-profiles")
    r = cli("doctor", "--profile", "demo-api-wrong-audience", "--json")
    assert r.code == 1, r.err
    causes = json.loads(r.out)["diagnosis"]["causes"]
    assert causes and causes[0]["key"] == "wrong-audience"
    assert causes[0]["remedy"]["kind"] == RemedyKind.REQUEST_SCOPES.value


# -- the test provider's API behind jose middleware --------------------------------------------


def _forged(idp: TestProvider) -> str:
    head, payload, signature = idp.mint_token().split(".")
    return f"{head}.{payload}.{signature[::-1]}"


JOSE_TOKENS = {
    "expired": (lambda idp: idp.mint_token(expires_in=-120), "token-expired"),
    "not yet valid": (
        lambda idp: idp.mint_token({"nbf": int(time.time()) + 3600}),
        "token-not-yet-valid",
    ),
    "other issuer": (
        lambda idp: idp.mint_token({"iss": "https://elsewhere.example/id"}),
        "wrong-issuer",
    ),
    "other audience": (lambda idp: idp.mint_token({"aud": "TableAPI"}), "wrong-audience"),
    "bad signature": (_forged, "bad-signature"),
    "unknown key": (lambda idp: idp.mint_token(unpublished_key=True), "signing-key-unknown"),
    "not a JWT": (lambda idp: "not-a-jwt-at-all-0123456789", "token-malformed"),
    "id token type": (lambda idp: idp.mint_token(typ="JWT"), "wrong-token-type"),
}


@pytest.mark.idp
@pytest.mark.parametrize("case", list(JOSE_TOKENS))
async def test_the_probe_reads_jose_words(idp: TestProvider, case: str) -> None:
    mint, kind = JOSE_TOKENS[case]
    profile, _ = idp_profile(idp, "service_basic", api_url=idp.jose_api_url)
    async with build_client(HttpOptions()) as client:
        result = await probe(client, profile, mint(idp))
    assert result.status == 401
    assert result.verdict.kind == kind, (result.verdict, result.www_authenticate)
    assert "jose" in " ".join(c.evidence for c in result.verdict.causes[:1]) or kind in (
        "token-malformed",
    )


IDP_REQUESTS = {
    "forbidden": (FORBIDDEN_ENTITY_SET, 403, "forbidden"),
    "not found": ("Nope_Entities", 404, "not-found"),
    "business error": ("Crm_Sales_Customers?$filter=Name eq Acme", 500, "business-error"),
}


@pytest.mark.idp
@pytest.mark.parametrize("case", list(IDP_REQUESTS))
@pytest.mark.parametrize("root", ["api_url", "jose_api_url"])
async def test_the_doctor_names_refused_requests_on_the_provider(
    idp: TestProvider, case: str, root: str
) -> None:
    path, status, first = IDP_REQUESTS[case]
    profile, store = idp_profile(idp, "service_basic", api_url=getattr(idp, root))
    profile = replace(profile, probe=replace(profile.probe, path=path))
    run = await run_doctor(profile, secrets=store, bus=Bus())
    assert run.facts.probe is not None and run.facts.probe.status == status
    assert run.diagnosis.causes[0].key == first, [c.key for c in run.diagnosis.causes]
    assert_every_abnormal_step_is_explained(run)
