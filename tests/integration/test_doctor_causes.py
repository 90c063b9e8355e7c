"""The doctor against the sandbox: a cause for every failure, live steps, clocks, remedies."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.targets import sandbox_profile
from tokenlab.core.authority import AuthorityCache, inspect_authority
from tokenlab.core.diagnosis import STEP_KEYS, RunFacts, Step, checklist
from tokenlab.core.doctor import DoctorRun, check_issued_token, run_doctor
from tokenlab.core.errors import RemedyKind
from tokenlab.core.events import Bus, DoctorStepDone, Event, FlowFinished, FlowStarted, HttpExchange
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.sandbox import DEMO_REVOKED_REFERENCE_TOKEN, Sandbox


def with_probe(profile: Profile, **changes: Any) -> Profile:
    return replace(profile, probe=replace(profile.probe, **changes))


def case(sandbox: Sandbox, name: str, **changes: Any) -> tuple[Profile, SecretStore]:
    probe_changes = {k: changes.pop(k) for k in ("path", "method", "body") if k in changes}
    profile, store = sandbox_profile(sandbox, name, **changes)
    return (with_probe(profile, **probe_changes) if probe_changes else profile), store


# (demo profile, changes, the first cause the doctor must name)
FAILURES = {
    "disabled app": ("demo-disabled", {}, "invalid-client"),
    "no system user": ("demo-no-system-user", {}, "no-service-access"),
    "scope not allowed": ("demo-scope-not-allowed", {}, "invalid-scope"),
    "legacy scope": ("demo-service-app", {"scopes": ("read", "DomainApi")}, "legacy-scope"),
    "global authority": ("demo-global-authority", {}, "global-authority"),
    "secret missing": ("demo-service-app", {"public_secret": ""}, "secret-missing"),
    "authority refuses": ("demo-service-app", {"authority_url": "http://127.0.0.1:9/id"},
                          "identity-service-unreachable"),
    "API refuses": ("demo-service-app", {"api_url": "http://127.0.0.1:9/api/domain/odata/"},
                    "api-unreachable"),
    "404": ("demo-service-app", {"path": "Nope"}, "not-found"),
    "405": ("demo-service-app", {"method": "PUT"}, "method-not-allowed"),
    "business error": ("demo-service-app", {"path": "Crm_Sales_Customers?$filter=Name"},
                       "business-error"),
    "sign-in page": ("demo-service-app", {"path": "/ui/customers"}, "sign-in-redirect"),
    "HTML page": ("demo-service-app", {"path": "/"}, "html-not-json"),
    "insufficient scope": ("demo-service-app", {"scopes": ("update",)}, "insufficient-scope"),
}  # fmt: skip


def assert_every_abnormal_step_is_explained(run: DoctorRun) -> None:
    d = run.diagnosis
    abnormal = [s for s in d.steps if s.status in ("fail", "warn")]
    assert d.causes, d.steps
    for step in abnormal:
        by_rule = [
            c for c in d.causes if step.key in c.steps and c.key != f"{step.key}-{step.status}"
        ]
        assert by_rule, (step, d.causes)  # a rule of the table, not the last-resort fallback
        assert step.hint and step.remedy is not None, step


@pytest.mark.parametrize("name", list(FAILURES))
async def test_a_failing_doctor_always_names_a_cause(sandbox: Sandbox, name: str) -> None:
    demo, changes, first = FAILURES[name]
    profile, store = case(sandbox, demo, **changes)
    run = await run_doctor(profile, secrets=store, bus=Bus())
    assert not run.diagnosis.api_ok
    assert run.diagnosis.causes[0].key == first, run.diagnosis.causes
    assert run.diagnosis.causes[0].remedy is not None
    assert_every_abnormal_step_is_explained(run)


async def test_a_revoked_reference_token_is_named(sandbox: Sandbox) -> None:
    auto, store = sandbox_profile(sandbox, "demo-automation")
    store.remember(auto.name, SecretKind.REFERENCE_TOKEN, DEMO_REVOKED_REFERENCE_TOKEN)
    run = await run_doctor(auto, secrets=store, bus=Bus())
    cause = run.diagnosis.causes[0]
    assert cause.key == "token-revoked" and cause.remedy is not None
    assert cause.remedy.kind is RemedyKind.STORE_SECRET
    assert cause.remedy.get("kind") == "reference-token"
    assert_every_abnormal_step_is_explained(run)


# -- the checklist, live -------------------------------------------------------------------------


def steps_of(events: list[Event]) -> list[DoctorStepDone]:
    return [e for e in events if isinstance(e, DoctorStepDone)]


def as_step(e: DoctorStepDone) -> Step:
    return Step(e.key, e.title, e.status, e.evidence, e.hint, e.remedy)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["demo-service-app", "demo-disabled"])
async def test_each_step_is_published_as_soon_as_it_is_known(sandbox: Sandbox, name: str) -> None:
    profile, store = sandbox_profile(sandbox, name)
    bus = Bus()
    with bus.collect() as events:
        run = await run_doctor(profile, secrets=store, bus=bus)
    done = steps_of(events)
    assert [e.key for e in done] == list(STEP_KEYS)
    assert [(e.index, e.total) for e in done] == [(i, 9) for i in range(1, 10)]
    assert tuple(as_step(e) for e in done) == run.diagnosis.steps  # the run equals what was shown
    assert checklist(run.facts) == run.diagnosis  # and what the facts say again
    order = [type(e).__name__ + ":" + getattr(e, "key", "") for e in events]
    assert order.index("DoctorStepDone:authority") < order.index("FlowStarted:")
    assert order.index("FlowFinished:") < order.index("DoctorStepDone:trusted-app")
    assert order.index("DoctorStepDone:scopes") < order.index("DoctorStepDone:api-accepts")
    if name == "demo-service-app":
        probe_exchange = max(i for i, e in enumerate(events) if isinstance(e, HttpExchange))
        assert order.index("DoctorStepDone:scopes") < probe_exchange
        assert probe_exchange < order.index("DoctorStepDone:api-accepts")
        assert all(e.status == "pass" for e in done)
    else:
        app = done[1]
        assert app.status == "fail" and app.remedy is not None
        assert app.remedy.kind is RemedyKind.FIX_TRUSTED_APPLICATION
    assert any(isinstance(e, FlowStarted) for e in events)
    assert any(isinstance(e, FlowFinished) for e in events)


# -- clocks: which one is off -------------------------------------------------------------------


async def facts_with_api_clock_moved(sb: Sandbox, seconds: float) -> RunFacts:
    """The authority's clock read, a token issued, then the API's clock moved (the same server
    here, so only its answers after the move show it) before the API is asked."""
    profile, store = sandbox_profile(sb, "demo-service-app")
    facts = RunFacts(profile=profile)
    cache = AuthorityCache()
    async with build_client(HttpOptions()) as client:
        facts.authority = await inspect_authority(client, profile.authority, cache=cache)
        facts.flow = await run_flow(profile, secrets=store, bus=Bus(), client=client, cache=cache)
        token = facts.flow.api_token
        facts.token = await check_issued_token(client, cache, profile, token.access_token)
        sb.clock.advance(seconds)
        facts.probe = await probe(client, profile, token)
    return facts


async def test_an_api_clock_ahead_explains_a_fresh_token_refused_as_expired(
    isolated_sandbox: Sandbox,
) -> None:
    facts = await facts_with_api_clock_moved(isolated_sandbox, 3700)
    d = checklist(facts)
    assert d.step("time").status == "pass"  # type: ignore[union-attr]
    clock, expired = d.causes[:2]
    assert clock.key == "clock-skew" and expired.key == "token-expired"
    assert clock.title.startswith("The API's clock is 62 min ahead of this machine's")
    assert clock.remedy is not None and clock.remedy.get("clock") == "api"
    assert 3600 < clock.remedy.get("offset_s") < 3800
    assert "the API's clock is 62 min ahead" in expired.evidence


async def test_an_api_clock_behind_explains_a_fresh_token_not_yet_valid(
    isolated_sandbox: Sandbox,
) -> None:
    facts = await facts_with_api_clock_moved(isolated_sandbox, -600)
    assert facts.probe is not None and facts.probe.verdict.kind == "clock-skew"
    d = checklist(facts)
    clock = d.causes[0]
    assert clock.key == "clock-skew" and d.causes[1].key == "token-not-yet-valid"
    assert clock.title.startswith("The API's clock is 10 min behind this machine's")
    assert clock.remedy is not None and clock.remedy.get("clock") == "api"
    assert d.step("api-accepts").remedy == clock.remedy  # type: ignore[union-attr]


async def test_this_machines_clock_off_is_named_even_when_the_api_answers(
    isolated_sandbox: Sandbox,
) -> None:
    isolated_sandbox.clock.advance(600)  # both servers agree; this machine is 10 min behind
    profile, store = sandbox_profile(isolated_sandbox, "demo-service-app")
    run = await run_doctor(profile, secrets=store, bus=Bus())
    d = run.diagnosis
    assert d.api_ok and d.step("time").status == "warn"  # type: ignore[union-attr]
    assert d.step("authority").status == "warn"  # type: ignore[union-attr]
    (cause,) = d.causes
    assert cause.key == "clock-skew"
    assert cause.title == "This machine's clock is 10 min behind the authority's and the API's"
    assert cause.remedy is not None and cause.remedy.get("clock") == "this-machine"
    assert set(cause.steps) >= {"time", "authority"}


# -- remedies in the reports and the CLI ------------------------------------------------------------


async def test_reports_carry_the_fix_and_the_remedy(sandbox: Sandbox) -> None:
    from tokenlab.commands.remedies import hint_with_remedy
    from tokenlab.core.report import checklist_lines, render, report_json

    profile, store = sandbox_profile(sandbox, "demo-disabled")
    run = await run_doctor(profile, secrets=store, bus=Bus())
    doc = report_json(run, store.redactor)
    first = doc["diagnosis"]["causes"][0]
    assert first["key"] == "invalid-client" and first["remedy"]["kind"] == "fix-trusted-application"
    assert doc["diagnosis"]["steps"][1]["remedy"]["setting"] == "IsEnabled"
    md = render(doc, "md", store.redactor, hint_with_remedy)
    assert "Fix: check that the Trusted Application" in md
    assert "on the instance, set IsEnabled of the Trusted Application" in md  # the CLI's words
    neutral = render(doc, "md", store.redactor)
    causes_section = neutral.split("## Most likely causes")[1].split("\n## ")[0]
    assert "next step: fix-trusted-application (client_id=" in causes_section
    assert "--" not in causes_section  # without the CLI's rendering: no flag anywhere
    lines = "\n".join(checklist_lines(run))
    assert "fix: check that" in lines and "next step: fix-trusted-application" in lines


def test_the_cli_renders_remedies_as_flags(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0
    r = cli("probe", "--profile", "demo-service-app", "--path", "Nope")
    assert r.code == 1 and "FAIL [not-found]" in r.out
    assert "hint: check the probe path" in r.out and "(--path, --method, --header)" in r.out
    r = cli("doctor", "--profile", "demo-scope-not-allowed", "--report", str(tmp_path / "r.md"))
    assert r.code == 1 and "most likely cause first:" in r.out
    assert "on the instance, set Scope of the Trusted Application" in r.out
    assert "on the instance, set Scope" in (tmp_path / "r.md").read_text()
    r = cli("doctor", "--profile", "demo-disabled", "--json")
    data = json.loads(r.out)
    assert (
        r.code == 1
        and data["diagnosis"]["causes"][0]["remedy"]["kind"] == "fix-trusted-application"
    )
