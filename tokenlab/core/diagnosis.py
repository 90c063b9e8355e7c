"""The seed's "Validate the token" checklist, and the most likely cause of a 401 or 403.

Inputs are what a run gathered (authority report, flow result or error, token report, probe);
each may be missing because an earlier step failed, and the checklist says so step by step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.errors import TokenlabError

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport
    from tokenlab.core.inspection.checks import Check
    from tokenlab.core.inspection.token_report import TokenReport
    from tokenlab.core.probe import ProbeResult
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import FlowResult

StepStatus = Literal["pass", "warn", "fail", "skip"]

# Steps 4-7: what the token says, each from these checks of its `TokenReport`.
TOKEN_STEPS = (
    ("issuer", "Its issuer matches the instance identity service", ("issuer",)),
    ("signature", "Its signature is valid", ("algorithm", "signature")),
    ("time", "It is not expired and the clock is right", ("expiry", "not_before", "issued_at")),
    ("scopes", "The needed scopes are granted", ("scope",)),
)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    status: StepStatus
    evidence: str
    hint: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "evidence": self.evidence,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Cause:
    key: str
    title: str
    evidence: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "evidence": self.evidence, "fix": self.fix}


@dataclass(frozen=True)
class Diagnosis:
    steps: tuple[Step, ...]
    causes: tuple[Cause, ...] = ()  # most likely first; only when something failed

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


def _check_step(
    report: TokenReport | None, key: str, title: str, names: tuple[str, ...], skip_reason: str
) -> Step:
    if report is None:
        return Step(key, title, "skip", skip_reason)
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
    return Step(
        key,
        title,
        "pass",
        "; ".join(f"{c.observed}" for c in checks if c.status == "pass" and c.observed),
    )


def checklist(facts: RunFacts) -> Diagnosis:
    p = facts.profile
    steps: list[Step] = []
    automation = p.scenario == "automation"

    # 1. the authority answers and is the instance identity service
    title = "The authority answers and is the instance identity service"
    if automation:
        steps.append(
            Step(
                "authority",
                title,
                "skip",
                "automation sends a reference token: no identity service is asked",
            )
        )
    elif facts.authority_error is not None:
        steps.append(
            Step(
                "authority",
                title,
                "fail",
                facts.authority_error.message,
                facts.authority_error.hint,
            )
        )
    elif facts.authority is not None:
        a = facts.authority
        errors = [f for f in a.findings if f.level == "error"]
        warnings = [f for f in a.findings if f.level == "warning"]
        if errors:
            steps.append(Step("authority", title, "fail", errors[0].message, errors[0].hint))
        elif a.kind != "instance" or warnings:
            what = warnings[0] if warnings else None
            steps.append(
                Step(
                    "authority",
                    title,
                    "warn",
                    what.message if what else f"{a.authority} is classified {a.kind}",
                    what.hint if what else "",
                )
            )
        else:
            steps.append(
                Step(
                    "authority",
                    title,
                    "pass",
                    f"{a.authority}: issuer matches, {len(a.keys)} signing key(s)",
                )
            )
    else:
        steps.append(Step("authority", title, "skip", "not checked"))

    # 2. the Trusted Application is usable; 3. a token is issued
    from tokenlab.core.explain import TokenEndpointError

    app_title = "The Trusted Application is usable"
    issued_title = "A token is issued"
    if facts.flow is not None:
        t = facts.flow.api_token
        steps.append(
            Step(
                "trusted-app",
                app_title,
                "pass" if not automation else "skip",
                "the token endpoint issued a token"
                if not automation
                else "no Trusted Application is involved",
            )
        )
        life = f", expires in {t.expires_in} s" if t.expires_in is not None else ""
        steps.append(
            Step(
                "token-issued",
                issued_title,
                "pass",
                f"{t.token_type} token via {facts.flow.flow}{life}; scope {' '.join(t.scope) or '-'}",
            )
        )
    elif isinstance(facts.flow_error, TokenEndpointError):
        e = facts.flow_error
        steps.append(Step("trusted-app", app_title, "fail", e.message, e.hint))
        steps.append(
            Step("token-issued", issued_title, "fail", f"refused: {e.error or f'HTTP {e.status}'}")
        )
    elif facts.flow_error is not None:
        other = facts.flow_error
        steps.append(Step("trusted-app", app_title, "skip", "the token endpoint was not asked"))
        steps.append(Step("token-issued", issued_title, "fail", other.message, other.hint))
    else:
        steps.append(Step("trusted-app", app_title, "skip", "no flow ran"))
        steps.append(Step("token-issued", issued_title, "skip", "no flow ran"))

    # 4.-7. what the token says
    from tokenlab.core.authority import CLOCK_SKEW_WARNING_S

    report = facts.token
    no_token = facts.token_error.message if facts.token_error else "no token to check"
    opaque: str | None = None  # a reference token: why none of these can be checked
    if report is not None and report.token.kind == "reference":
        intro = report.check("introspection")
        opaque = (
            intro.reason
            if intro
            else "a reference token is opaque: only the API or introspection can check it"
        )
    skew = facts.authority.clock_skew_s if facts.authority else None
    for key, step_title, names in TOKEN_STEPS:
        if opaque is not None:
            steps.append(Step(key, step_title, "skip", opaque))
            continue
        step = _check_step(report, key, step_title, names, no_token)
        if (
            key == "time"
            and step.status == "pass"
            and skew is not None
            and abs(skew) > CLOCK_SKEW_WARNING_S
        ):
            step = Step(
                key,
                step_title,
                "warn",
                f"{step.evidence}; but the clocks differ by {skew:+.0f} s",
                "sync this machine's clock (NTP)",
            )
        steps.append(step)

    # 8. the API accepts it; 9. the first request returns 200
    accepts_title = "The API accepts it"
    first_title = "The first request returns HTTP 200"
    pr = facts.probe
    if pr is not None:
        v = pr.verdict
        # every other refusal verdict is judged from a 401 or 403
        if pr.status in (401, 403) or v.kind == "sign-in-redirect":
            steps.append(
                Step("api-accepts", accepts_title, "fail", f"HTTP {pr.status}: {v.summary}", v.hint)
            )
        else:
            steps.append(Step("api-accepts", accepts_title, "pass", f"HTTP {pr.status}"))
        if v.ok and pr.status == 200:
            steps.append(
                Step(
                    "first-200",
                    first_title,
                    "pass",
                    f"HTTP 200 from {pr.final_url} in {pr.elapsed_ms:.0f} ms",
                )
            )
        else:
            steps.append(
                Step("first-200", first_title, "fail", f"HTTP {pr.status}: {v.summary}", v.hint)
            )
    else:
        why = facts.probe_error.message if facts.probe_error else "no token to send"
        hint = facts.probe_error.hint if facts.probe_error else ""
        status: StepStatus = "fail" if facts.probe_error else "skip"
        steps.append(Step("api-accepts", accepts_title, status, why, hint))
        steps.append(
            Step("first-200", first_title, "fail" if facts.probe_error else "skip", why, hint)
        )

    causes = likely_causes(facts) if any(s.status == "fail" for s in steps) else []
    return Diagnosis(tuple(steps), tuple(causes))


def _failed(report: TokenReport | None, name: str) -> Check | None:
    if report is None:
        return None
    c = report.check(name)
    return c if c is not None and c.status == "fail" else None


_REFUSAL_TITLES = {
    "invalid_client": "The Trusted Application is unknown or disabled, or the secret is wrong",
    "unauthorized_client": "The Trusted Application may not use this flow (access mode or system user)",
    "invalid_scope": "A requested scope is not allowed on the Trusted Application",
    "invalid_grant": "The identity service refused the grant (code, PKCE or refresh token)",
}


def likely_causes(facts: RunFacts) -> list[Cause]:
    """The candidates for what went wrong, the most likely first (the seed: issuer, app, scopes)."""
    p = facts.profile
    report = facts.token
    pr = facts.probe
    causes: list[Cause] = []

    def add(key: str, title: str, evidence: str, fix: str) -> None:
        if all(c.key != key for c in causes):
            causes.append(Cause(key, title, evidence, fix))

    challenge_error = ""
    challenge_text = ""
    missing_scopes: tuple[str, ...] = ()
    if pr is not None:
        missing_scopes = pr.verdict.missing_scopes
        for ch in pr.challenges:
            challenge_error = challenge_error or str(ch.params.get("error", ""))
            challenge_text += " " + str(ch.params.get("error_description", ""))
    challenge_text = challenge_text.lower()

    # An opaque reference token: only the API can judge it, so its 401 means the token itself.
    reference = report is not None and report.token.kind == "reference"
    if (reference or p.scenario == "automation") and pr is not None and pr.status == 401:
        add(
            "reference-token",
            "The reference token is revoked, expired or unknown",
            f"the API said: {challenge_text.strip() or pr.verdict.summary}",
            "create a new reference token in the instance and store it with "
            "`tokenlab secret set NAME --kind reference-token`",
        )
    # A token from the global authority: the seed's central warning.
    from tokenlab.core.authority import classify

    issuer_fail = _failed(report, "issuer")
    token_iss = str(report.token.claims.get("iss", "")) if report is not None else ""
    if (
        (token_iss and classify(token_iss) == "global")
        or (pr is not None and pr.verdict.kind == "global-authority")
        or classify(p.authority) == "global"
    ):
        add(
            "global-authority",
            "The token comes from a global authority",
            f"iss={token_iss or p.authority}: global authorities sign people in but never issue tokens for instance APIs",
            "get the token from the instance identity service, https://{instance}/id (set the profile's authority to it, or leave it derived)",
        )
    if issuer_fail is not None or "issuer" in challenge_text:
        evidence = (
            f"{issuer_fail.reason} (iss={issuer_fail.observed}, expected {issuer_fail.expected})"
            if issuer_fail
            else f"the API said: {challenge_text.strip()}"
        )
        add(
            "wrong-issuer",
            "The token's issuer is not the instance identity service",
            evidence,
            "request the token from exactly the instance's authority; the API compares iss exactly (a trailing slash counts)",
        )
    expiry = _failed(report, "expiry")
    if expiry is not None or "expired" in challenge_text:
        add(
            "expired",
            "The token has expired",
            expiry.reason if expiry else f"the API said: {challenge_text.strip()}",
            "get a new token (tokenlab token), or refresh it; check this machine's clock",
        )
    nbf = _failed(report, "not_before")
    if nbf is not None:
        add(
            "not-yet-valid",
            "The token is not valid yet (nbf in the future)",
            nbf.reason,
            "check the clocks of this machine and the identity service (NTP)",
        )
    audience = _failed(report, "audience")
    if audience is not None or "audience" in challenge_text:
        add(
            "wrong-audience",
            "The token is for another audience",
            audience.reason if audience else f"the API said: {challenge_text.strip()}",
            f"ask for the API's scopes (read/update) so the token is issued for it; expected audience {p.audience or 'DomainAPI'}",
        )
    signature = _failed(report, "signature") or _failed(report, "algorithm")
    if signature is not None or "signature" in challenge_text:
        add(
            "bad-signature",
            "The token's signature does not verify",
            signature.reason if signature else f"the API said: {challenge_text.strip()}",
            "the token was changed or signed by another authority: get a fresh one from the instance identity service",
        )
    scope = _failed(report, "scope")
    if missing_scopes or challenge_error == "insufficient_scope" or scope is not None:
        scopes = " ".join(missing_scopes) or (scope.expected if scope else "")
        app = (
            f"the Trusted Application {p.client_id!r}" if p.client_id else "the Trusted Application"
        )
        add(
            "missing-scope",
            f"The token lacks the scope {scopes}".rstrip(),
            f"HTTP {pr.status} insufficient_scope"
            if pr is not None and pr.status == 403
            else "the token's scope claim",
            f"allow {scopes or 'it'} in {app}'s Scope list and request it (profile scopes: {' '.join(p.scopes) or 'none'})",
        )
    if pr is not None and pr.verdict.kind == "sign-in-redirect":
        add(
            "sign-in-redirect",
            "The request was sent to a sign-in page",
            pr.verdict.summary,
            "call the API base (https://{instance}/api/domain/odata/) with an Authorization header, not a web page URL",
        )
    if pr is not None and pr.status == 403 and report is not None:
        user_type = report.token.claims.get("user_type")
        if user_type and user_type not in ("Internal", "internal"):
            add(
                "user-type",
                f"The user type {user_type!r} may not call this API",
                f"user_type={user_type}",
                "community (external) users get identity tokens only; sign in as an internal user",
            )
    if facts.flow_error is not None and facts.flow is None and not causes:
        add(
            "token-endpoint",
            _REFUSAL_TITLES.get(getattr(facts.flow_error, "error", ""), "No token was issued"),
            facts.flow_error.message,
            facts.flow_error.hint,
        )
    # the seed's fallback list when nothing more specific was found
    if pr is not None and pr.status in (401, 403) and not causes:
        add(
            "check-issuer",
            "Check the identity authority (issuer)",
            f"HTTP {pr.status}",
            f"the token must come from {p.authority}",
        )
        add(
            "check-app",
            "Check the Trusted Application configuration",
            f"HTTP {pr.status}",
            "enabled, the right access mode (interactive/service), the required scopes",
        )
        add(
            "check-scopes",
            "Check the granted scopes",
            f"HTTP {pr.status}",
            "read for GET, update for writes",
        )
    return causes
