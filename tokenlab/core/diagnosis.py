"""The seed's "Validate the token" checklist, step by step, and the causes of what failed.

Inputs are what a run gathered (authority report, flow result or error, token report, probe);
each may be missing because an earlier step failed, and the checklist says so step by step.
Each stage has its own step function, so the doctor can publish steps as soon as they are known;
the causes come from the one table (`tokenlab.core.causes`), and every failed or abnormal step
is explained by at least one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.causes import (
    Cause,
    ClockJudgement,
    Evidence,
    RegistrationEvidence,
    RegistrationFact,
    TokenEndpointEvidence,
    judge_clocks,
    rank,
    token_clock_offset,
)
from tokenlab.core.causes.model import UNEXPLAINED, lower_first
from tokenlab.core.errors import Remedy, TokenlabError

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport
    from tokenlab.core.inspection.token_report import TokenReport
    from tokenlab.core.probing import ProbeResult
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import FlowResult
    from tokenlab.core.trusted_app.compare import AppCheck

StepStatus = Literal["pass", "warn", "fail", "skip"]

AUTHORITY_TITLE = "The authority answers and is the instance identity service"
APP_TITLE = "The Trusted Application is usable"
ISSUED_TITLE = "A token is issued"
ACCEPTS_TITLE = "The API accepts it"
FIRST_200_TITLE = "The first request returns HTTP 200"
# Steps 4-7: what the token says, each from these checks of its `TokenReport`.
TOKEN_STEPS = (
    ("issuer", "Its issuer matches the instance identity service", ("issuer",)),
    ("signature", "Its signature is valid", ("algorithm", "signature")),
    ("time", "It is not expired and the clock is right", ("expiry", "not_before", "issued_at")),
    ("scopes", "The needed scopes are granted", ("scope",)),
)
STEP_KEYS = (
    "authority",
    "trusted-app",
    "token-issued",
    *(key for key, _, _ in TOKEN_STEPS),
    "api-accepts",
    "first-200",
)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    status: StepStatus
    evidence: str
    hint: str = ""
    remedy: Remedy | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "evidence": self.evidence,
            "hint": self.hint,
            "remedy": self.remedy.to_json() if self.remedy else None,
        }


@dataclass(frozen=True)
class Diagnosis:
    steps: tuple[Step, ...]
    causes: tuple[Cause, ...] = ()  # most likely first; whenever a step failed or warned

    @property
    def api_ok(self) -> bool:
        """The seed's finish line: the first API request returned HTTP 200."""
        last = self.step("first-200")
        return last is not None and last.status == "pass"

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "api_ok": self.api_ok,
            "steps": [s.to_json() for s in self.steps],
            "causes": [c.to_json() for c in self.causes],
        }


@dataclass
class RunFacts:
    """Everything one doctor run learned; None where a step did not get that far."""

    profile: Profile
    authority: AuthorityReport | None = None
    authority_error: TokenlabError | None = None
    flow: FlowResult | None = None
    flow_error: TokenlabError | None = None
    token: TokenReport | None = None
    token_error: TokenlabError | None = None
    probe: ProbeResult | None = None
    probe_error: TokenlabError | None = None
    # the Trusted Application's registration beside its card (an administrator profile was given)
    app_check: AppCheck | None = None
    app_check_error: TokenlabError | None = None


# -- the evidence, for the table of causes -------------------------------------------------------


def clocks_of(facts: RunFacts, *, api: bool = True) -> ClockJudgement | None:
    """This machine's clock, the authority's (its Date, else a fresh token's iat), the API's."""
    authority = facts.authority.clock_skew_s if facts.authority is not None else None
    if authority is None and facts.flow is not None and facts.token is not None:
        from tokenlab.core.inspection.claims import as_time

        iat = as_time(facts.token.token.claims.get("iat"))
        authority = token_clock_offset(iat, facts.flow.api_token.issued_at)
    api_skew = facts.probe.clock_skew_s if api and facts.probe is not None else None
    return judge_clocks(authority=authority, api=api_skew)


def _token_endpoint(facts: RunFacts) -> TokenEndpointEvidence | None:
    """The refusal as the table reads it, with the error's words as the flow scrubbed them
    (a provider may echo a secret in its description: the flow masks the error, not a copy)."""
    evidence = getattr(facts.flow_error, "evidence", None)
    if not isinstance(evidence, TokenEndpointEvidence) or facts.flow_error is None:
        return None
    return replace(evidence, description=getattr(facts.flow_error, "description", ""))


def registration_of(facts: RunFacts) -> RegistrationEvidence | None:
    """The registration's mismatches, as the table of causes reads them."""
    check = facts.app_check
    if check is None:
        return None
    url = check.registration.url if check.registration is not None else ""
    return RegistrationEvidence(
        url,
        tuple(
            RegistrationFact(c.kind, c.field, c.expected, c.registered, c.detail)
            for c in check.mismatches
        ),
    )


def evidence_of(facts: RunFacts, *stages: str) -> Evidence:
    """The evidence of the given stages ("authority", "flow", "token", "api"; none: all)."""
    wanted = set(stages or ("authority", "flow", "token", "api"))
    errors = {
        stage: error
        for stage, error, part in (
            ("authority", facts.authority_error, "authority"),
            ("flow", facts.flow_error, "flow"),
            ("token", facts.token_error, "token"),
            ("probe", facts.probe_error, "api"),
        )
        if error is not None and part in wanted
    }
    te = _token_endpoint(facts)
    return Evidence(
        profile=facts.profile,
        flow=facts.flow.flow if facts.flow is not None else (te.flow if te is not None else ""),
        token_endpoint=te if "flow" in wanted else None,
        api=facts.probe.evidence if facts.probe is not None and "api" in wanted else None,
        token=facts.token if "token" in wanted else None,
        authority=facts.authority if "authority" in wanted else None,
        warnings=tuple(f for f in facts.flow.findings if f.level == "warning")
        if facts.flow is not None and "flow" in wanted
        else (),
        errors=MappingProxyType(errors),
        clocks=clocks_of(facts, api="api" in wanted)
        if wanted & {"authority", "token", "api"}
        else None,
        registration=registration_of(facts) if "flow" in wanted else None,
    )


def _explained(step: Step, evidence: Evidence) -> Step:
    """A failed or warned step carries the fix and remedy of its most likely cause."""
    if step.status not in ("fail", "warn"):
        return step
    cause = next((c for c in rank(evidence) if step.key in c.steps), None)
    if cause is None:
        return step
    return Step(step.key, step.title, step.status, step.evidence, cause.fix, cause.remedy)


# -- the steps, one function per stage --------------------------------------------------------


def authority_steps(facts: RunFacts) -> tuple[Step, ...]:
    """1. The authority answers and is the instance identity service."""
    a = facts.authority
    if facts.profile.scenario == "automation":
        why = "automation sends a reference token: no identity service is asked"
        step = Step("authority", AUTHORITY_TITLE, "skip", why)
    elif facts.authority_error is not None:
        step = Step("authority", AUTHORITY_TITLE, "fail", facts.authority_error.message)
    elif a is not None:
        errors = [f for f in a.findings if f.level == "error"]
        warnings = [f for f in a.findings if f.level == "warning"]
        if errors:
            step = Step("authority", AUTHORITY_TITLE, "fail", errors[0].message)
        elif a.kind != "instance" or warnings:
            what = warnings[0].message if warnings else f"{a.authority} is classified {a.kind}"
            step = Step("authority", AUTHORITY_TITLE, "warn", what)
        else:
            what = f"{a.authority}: issuer matches, {len(a.keys)} signing key(s)"
            step = Step("authority", AUTHORITY_TITLE, "pass", what)
    else:
        step = Step("authority", AUTHORITY_TITLE, "skip", "not checked")
    return (_explained(step, evidence_of(facts, "authority")),)


def flow_steps(facts: RunFacts) -> tuple[Step, ...]:
    """2. The Trusted Application is usable; 3. a token is issued."""
    error = facts.flow_error
    if facts.flow is not None:
        t = facts.flow.api_token
        life = f", expires in {t.expires_in} s" if t.expires_in is not None else ""
        scope = " ".join(t.scope) or "-"
        issued = f"{t.token_type} token via {facts.flow.flow}{life}; scope {scope}"
        if facts.profile.scenario == "automation":
            app = Step("trusted-app", APP_TITLE, "skip", "no Trusted Application is involved")
        else:
            app = _registered(facts, "the token endpoint issued a token")
        return app, Step("token-issued", ISSUED_TITLE, "pass", issued)
    if error is None:
        return (
            Step("trusted-app", APP_TITLE, "skip", "no flow ran"),
            Step("token-issued", ISSUED_TITLE, "skip", "no flow ran"),
        )
    evidence = evidence_of(facts, "flow")
    if _token_endpoint(facts) is not None:
        code = getattr(error, "error", "") or f"HTTP {getattr(error, 'status', '')}"
        refused = f"refused: {code}"
        app = Step("trusted-app", APP_TITLE, "fail", error.message, error.hint, error.remedy)
        if facts.app_check is not None:  # the registration says why: its cause explains the step
            app = _explained(app, evidence)
        return app, _explained(Step("token-issued", ISSUED_TITLE, "fail", refused), evidence)
    return (
        Step("trusted-app", APP_TITLE, "skip", "the token endpoint was not asked"),
        _explained(Step("token-issued", ISSUED_TITLE, "fail", error.message), evidence),
    )


def _registered(facts: RunFacts, issued: str) -> Step:
    """Step 2 after a token was issued: a pass, unless the registration (when read) differs."""
    check, error = facts.app_check, facts.app_check_error
    if error is not None:
        return Step("trusted-app", APP_TITLE, "pass", f"{issued}; {lower_first(error.message)}")
    if check is None:
        return Step("trusted-app", APP_TITLE, "pass", issued)
    if check.ok:
        return Step("trusted-app", APP_TITLE, "pass", f"{issued}; the registration matches")
    said = "; ".join(f"{c.field} is {c.registered or '(none)'}" for c in check.mismatches)
    step = Step("trusted-app", APP_TITLE, "warn", f"{issued}; but the registration says {said}")
    return _explained(step, evidence_of(facts, "flow"))


def _check_step(report: TokenReport, key: str, title: str, names: tuple[str, ...]) -> Step:
    checks = [c for c in (report.check(n) for n in names) if c is not None]
    if not checks:
        return Step(key, title, "skip", "not checked for this kind of token")
    for status in ("fail", "warn"):
        bad = [c for c in checks if c.status == status]
        if bad:
            c = bad[0]
            evidence = f"{c.reason} (observed {c.observed or '-'}, expected {c.expected or '-'})"
            return Step(key, title, "fail" if status == "fail" else "warn", evidence)
    if all(c.status == "skip" for c in checks):
        return Step(key, title, "skip", checks[0].reason)
    seen = "; ".join(f"{c.observed}" for c in checks if c.status == "pass" and c.observed)
    return Step(key, title, "pass", seen)


def _token_step(facts: RunFacts, key: str, title: str, names: tuple[str, ...]) -> Step:
    report = facts.token
    if report is None:
        why = facts.token_error.message if facts.token_error else "no token to check"
        return Step(key, title, "fail" if facts.token_error else "skip", why)
    if report.token.kind == "reference":
        intro = report.check("introspection")
        why = intro.reason if intro else "a reference token is opaque: only the API can check it"
        return Step(key, title, "skip", why)
    step = _check_step(report, key, title, names)
    clocks = clocks_of(facts, api=False)
    if key == "time" and step.status == "pass" and clocks is not None and clocks.off:
        return Step(key, title, "warn", f"{step.evidence}; but {lower_first(clocks.text)}")
    return step


def token_steps(facts: RunFacts) -> tuple[Step, ...]:
    """4.-7. What the token says: issuer, signature, times (and clocks), scopes."""
    evidence = evidence_of(facts, "token")
    return tuple(
        _explained(_token_step(facts, key, title, names), evidence)
        for key, title, names in TOKEN_STEPS
    )


def api_steps(facts: RunFacts) -> tuple[Step, ...]:
    """8. The API accepts it; 9. the first request returns HTTP 200."""
    pr = facts.probe
    evidence = evidence_of(facts)
    if pr is None:
        why = facts.probe_error.message if facts.probe_error else "no token to send"
        status: StepStatus = "fail" if facts.probe_error else "skip"
        steps = (
            Step("api-accepts", ACCEPTS_TITLE, status, why),
            Step("first-200", FIRST_200_TITLE, status, why),
        )
        return tuple(_explained(s, evidence) for s in steps)
    v = pr.verdict
    said = f"HTTP {pr.status}: {v.summary}"
    refused = pr.status in (401, 403) or v.kind == "sign-in-redirect"
    accepts = Step("api-accepts", ACCEPTS_TITLE, "fail" if refused else "pass",
                   said if refused else f"HTTP {pr.status}")  # fmt: skip
    if v.ok and pr.status == 200:
        done = f"HTTP 200 from {pr.final_url} in {pr.elapsed_ms:.0f} ms"
        first = Step("first-200", FIRST_200_TITLE, "pass", done)
    else:
        first = Step("first-200", FIRST_200_TITLE, "fail", said)
    return _explained(accepts, evidence), _explained(first, evidence)


STAGES: tuple[Callable[[RunFacts], tuple[Step, ...]], ...] = (
    authority_steps,
    flow_steps,
    token_steps,
    api_steps,
)


def checklist(facts: RunFacts) -> Diagnosis:
    steps = tuple(step for stage in STAGES for step in stage(facts))
    return Diagnosis(steps, diagnose(facts, steps))


def diagnose(facts: RunFacts, steps: tuple[Step, ...]) -> tuple[Cause, ...]:
    """The causes, most likely first; every failed or warned step is explained by one."""
    abnormal = [s for s in steps if s.status in ("fail", "warn")]
    if not abnormal:
        return ()
    causes = list(rank(evidence_of(facts)))
    for step in abnormal:
        if not any(step.key in c.steps for c in causes):
            causes.append(_unexplained_step(step))
    return tuple(causes)


def _unexplained_step(step: Step) -> Cause:
    """The last resort, so that no failed step stands without a cause: the step's own words."""
    title = f"{step.title}: {'no' if step.status == 'fail' else 'not quite'}"
    fix = step.hint or "see the step's evidence and the exchanges of this run"
    return Cause(
        f"{step.key}-{step.status}",
        title,
        step.evidence,
        fix,
        step.remedy,
        (step.key,),
        UNEXPLAINED,
    )
