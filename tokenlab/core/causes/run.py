"""Causes outside the token and the API's answer: the network, the authority, the flow."""

from __future__ import annotations

import re
from collections.abc import Callable

from tokenlab.core.authority import Finding
from tokenlab.core.causes.evidence import Evidence
from tokenlab.core.causes.model import (
    ABNORMAL,
    DIRECT,
    MakeRemedy,
    Meaning,
    Rule,
    Test,
    Values,
    upper_first,
)
from tokenlab.core.demo_profiles import sandbox_port
from tokenlab.core.errors import (
    DnsError,
    Remedy,
    RemedyKind,
    RequestTimeoutError,
    ResponseTooLargeError,
    SecretMissingError,
    ServerUnreachableError,
    TlsVerificationError,
    TokenlabError,
    TransportError,
    remedy,
)
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES
from tokenlab.core.urls import join_url

# -- the network -------------------------------------------------------------------------------

# (error class, key suffix, title, fix), the most specific class first; {target} is filled in.
TRANSPORT = (
    (DnsError, "dns", "The {target}'s host name does not resolve",
     "check the spelling of the URL; on a private network, check DNS or the VPN"),
    (TlsVerificationError, "tls", "The {target}'s TLS certificate is not trusted",
     "if a corporate proxy or a private CA signs it, trust that CA (or the OS trust store); "
     "never turn verification off"),
    (RequestTimeoutError, "timeout", "The {target} did not answer in time",
     "it may be down or slow: check that it runs; if it is only slow, raise the profile's timeout"),
    (ResponseTooLargeError, "too-large", "The {target}'s answer was too large",
     "the URL may point at a download rather than at the {target}: check it"),
    (ServerUnreachableError, "unreachable", "Nothing answers at the {target}'s address",
     "check the URL (scheme, host, port) and that the {target} is running"),
    (TransportError, "transport", "The request to the {target} failed",
     "check the URL and the network"),
)  # fmt: skip
# (the stage whose error it is, the target in keys, in words, the checklist steps it fails)
TARGETS = (
    ("authority", "identity-service", "identity service", ("authority",)),
    ("flow", "identity-service", "identity service", ("token-issued",)),
    ("token", "identity-service", "identity service", ("signature",)),
    ("probe", "api", "API", ("api-accepts", "first-200")),
)


def transport_kind(error: TokenlabError | None) -> str:
    return next((kind for cls, kind, *_ in TRANSPORT if isinstance(error, cls)), "")


def _transport_remedy(target: str, kind: str) -> MakeRemedy:
    def make(e: Evidence, v: Values) -> Remedy:
        p = e.profile
        # the identity service of a demo profile is its sandbox (its API may be elsewhere)
        sandbox = sandbox_port(p) if p is not None and target != "api" else None
        if kind == "unreachable" and p is not None and sandbox is not None:
            return remedy(RemedyKind.START_SANDBOX, port=str(sandbox), profile=p.name)
        if kind == "tls":
            return remedy(RemedyKind.TRUST_CA)
        if kind == "timeout":
            return remedy(RemedyKind.RAISE_TIMEOUT, seconds=p.timeout if p else "")
        if target == "api":
            field = "api_url" if p is not None and p.api_url else "instance"
            return remedy(RemedyKind.SET_PROFILE_FIELD, profile=v.get("profile", ""), field=field)
        return remedy(RemedyKind.FIX_AUTHORITY, url=p.authority if p else "")

    return make


def _message_of(stage: str) -> Callable[[Evidence], str]:
    return lambda e: error.message if (error := e.error(stage)) is not None else ""


def _transport_rule(stage: str, key: str, kind: str, steps: tuple[str, ...]) -> Rule:
    test: Test = lambda e: transport_kind(e.error(stage)) == kind  # noqa: E731
    return Rule(key, test, _message_of(stage), DIRECT, steps)


TRANSPORT_MEANINGS = {
    f"{target}-{kind}": Meaning(
        title.replace("{target}", words),
        fix.replace("{target}", words),
        _transport_remedy(target, kind),
    )
    for _, target, words, _ in TARGETS
    for _, kind, title, fix in TRANSPORT
}
TRANSPORT_RULES = tuple(
    _transport_rule(stage, f"{target}-{kind}", kind, steps)
    for stage, target, _, steps in TARGETS
    for _, kind, *_ in TRANSPORT
)

# -- the authority's findings, and the preflight refusals that say the same ---------------------

# (words in the finding, key), first match wins; anything else is "authority-finding".
FINDINGS = (
    (r"is a global authority", "global-authority"),
    (r"^the issuer .* is not the authority", "issuer-mismatch"),
    (r"differ only by a trailing slash", "issuer-trailing-slash"),
    (r"JWKS holds no keys", "no-signing-keys"),
    (r"uses plain http|is not https", "plain-http"),
    (r"does not look like an instance identity service", "not-instance-authority"),
    (r"\bPKCE\b", "no-pkce"),
    (r"server clock is", "clock-skew"),  # judged with the other clocks (causes/clock_rules.py)
)


def finding_key(message: str) -> str:
    return next((k for words, k in FINDINGS if re.search(words, message)), "authority-finding")


def _finding(key: str) -> Callable[[Evidence], Finding | None]:
    def first(e: Evidence) -> Finding | None:
        findings = e.authority.findings if e.authority is not None else ()
        ranked = sorted(findings, key=lambda f: f.level != "error")  # errors first
        return next((f for f in ranked if f.level != "ok" and finding_key(f.message) == key), None)

    return first


def _finding_rule(key: str) -> Rule:
    find = _finding(key)
    return Rule(
        key,
        lambda e: find(e) is not None,
        lambda e: f.message if (f := find(e)) is not None else "",
        lambda e: DIRECT if (f := find(e)) is not None and f.level == "error" else ABNORMAL,
        ("authority",),
    )


def _preflight_rule(key: str) -> Rule:
    """The flow refused before sending anything, for a reason an authority finding names."""

    def test(e: Evidence) -> bool:
        error = e.error("flow")
        return (
            error is not None
            and type(error).__name__ == "FlowError"
            and finding_key(error.message) == key
        )

    return Rule(key, test, _message_of("flow"), DIRECT, ("token-issued",))


def _from_finding(key: str, fallback: MakeRemedy) -> MakeRemedy:
    """The finding's own remedy when it has one (the authority check knows best), else ours."""

    def make(e: Evidence, v: Values) -> Remedy | None:
        found = _finding(key)(e)
        return found.remedy if found is not None and found.remedy else fallback(e, v)

    return make


def _instance_authority(e: Evidence, v: Values) -> Remedy:
    url = join_url(e.profile.instance, "id") if e.profile is not None else ""
    return remedy(RemedyKind.FIX_AUTHORITY, url=url)


def _discovery_issuer(e: Evidence, v: Values) -> Remedy:
    issuer = e.authority.discovery.issuer if e.authority is not None else ""
    return remedy(RemedyKind.FIX_AUTHORITY, url=issuer)


def _finding_words(part: str) -> Callable[[Evidence, Values], str]:
    """The fallback meaning: the finding's own message and hint."""

    def text(e: Evidence, v: Values) -> str:
        found = _finding("authority-finding")(e)
        if found is None:
            return "The authority check found a problem" if part == "title" else ""
        return upper_first(found.message) if part == "title" else found.hint

    return text


def _ask(about: str) -> MakeRemedy:
    return lambda e, v: remedy(RemedyKind.ASK_ADMINISTRATORS, about=about)


AUTHORITY_MEANINGS = {
    "issuer-mismatch": Meaning(
        "The authority's discovery names another issuer",
        "tokens from it will carry that issuer: set the authority to it if it is the instance "
        "identity service, else fix the authority URL",
        _from_finding("issuer-mismatch", _discovery_issuer),
    ),
    "issuer-trailing-slash": Meaning(
        "The issuer and the authority differ only by a trailing slash",
        "set the authority to exactly the issuer: tokens carry it and APIs compare it exactly",
        _from_finding("issuer-trailing-slash", _discovery_issuer),
    ),
    "no-signing-keys": Meaning(
        "The authority publishes no signing keys",
        "no token from it can be verified: the identity service is misconfigured",
        _from_finding("no-signing-keys", _ask("the identity service's signing keys (JWKS)")),
    ),
    "plain-http": Meaning(
        "The authority uses plain http",
        "secrets and tokens would cross the network in clear text: use its https address",
        _from_finding("plain-http", _instance_authority),
    ),
    "not-instance-authority": Meaning(
        "The authority does not look like an instance identity service",
        "API tokens come from the instance's own identity service, https://{{instance}}/id",
        _from_finding("not-instance-authority", _instance_authority),
    ),
    "no-pkce": Meaning(
        "The authority does not list PKCE S256",
        "the platform's code flows require PKCE S256: check that this is the instance identity service",
        _from_finding("no-pkce", _instance_authority),
    ),
    "authority-finding": Meaning(
        _finding_words("title"),
        _finding_words("fix"),
        _from_finding("authority-finding", _instance_authority),
    ),
    "authority-not-found": Meaning(
        "The authority does not answer as an OpenID provider",
        "check the authority URL: it is usually https://{{instance}}/id",
        _instance_authority,
    ),
}
AUTHORITY_RULES = (
    *(_finding_rule(k) for k in dict.fromkeys(k for _, k in FINDINGS) if k != "clock-skew"),
    _finding_rule("authority-finding"),
    *(_preflight_rule(k) for k in ("global-authority", "plain-http")),
    Rule(
        "authority-not-found",
        lambda e: (err := e.error("authority")) is not None and not transport_kind(err),
        _message_of("authority"),
        DIRECT,
        ("authority",),
    ),
)

# -- what the flow warned about: a cause beside a failure, never against the warning -------------

# (words of the flow's warning, key): the same keys as the refusals they foretell.
WARNINGS = (
    (r"\bis legacy\b", "legacy-scope"),
    (r"\bprotocol scopes\b", "protocol-scope"),
    (r"\buses plain http\b", "plain-http"),
    (r"\bglobal authority\b", "global-authority"),
)


def _warning(key: str) -> Callable[[Evidence], Finding | None]:
    words = next(w for w, k in WARNINGS if k == key)
    return lambda e: next((f for f in e.warnings if re.search(words, f.message)), None)


def _warned_scope(special: tuple[str, ...]) -> Callable[[Evidence], Values]:
    def values(e: Evidence) -> Values:
        return {"scope": next((s for s in e.requested_scopes if s in special), "")}

    return values


def _warning_rule(key: str, values: Callable[[Evidence], Values] | None = None) -> Rule:
    find = _warning(key)
    return Rule(
        key,
        lambda e: find(e) is not None,
        lambda e: f"the flow warned: {f.message}" if (f := find(e)) is not None else "",
        ABNORMAL,
        (),
        values,
    )


WARNING_RULES = (
    _warning_rule("legacy-scope", _warned_scope(LEGACY_SCOPES)),
    _warning_rule("protocol-scope", _warned_scope(PROTOCOL_SCOPES)),
    _warning_rule("plain-http"),
    _warning_rule("global-authority"),
)

# -- the flow, the token check and the probe failing without an OAuth error or an answer ---------


def _error_text(stage: str, part: str, default: str) -> Callable[[Evidence, Values], str]:
    def text(e: Evidence, v: Values) -> str:
        error = e.error(stage)
        return (error.hint if part == "fix" else error.message) if error is not None else default

    return text


def _error_remedy(stage: str, fallback: MakeRemedy | None = None) -> MakeRemedy:
    def make(e: Evidence, v: Values) -> Remedy | None:
        error = e.error(stage)
        if error is not None and error.remedy is not None:
            return error.remedy
        return fallback(e, v) if fallback is not None else None

    return make


def _secret_kind(e: Evidence, v: Values) -> Remedy:
    automation = e.profile is not None and e.profile.scenario == "automation"
    kind = "reference-token" if automation else "client-secret"
    return Remedy(RemedyKind.STORE_SECRET, {"profile": v.get("profile", ""), "kind": kind})


def _unexplained(stage: str) -> Test:
    """A stage failed in a way no other rule reads (no OAuth error, no transport failure...)."""

    def test(e: Evidence) -> bool:
        error = e.error(stage)
        if error is None or transport_kind(error) or isinstance(error, SecretMissingError):
            return False
        if stage == "flow":
            return e.token_endpoint is None and (
                type(error).__name__ != "FlowError"
                or finding_key(error.message) == "authority-finding"
            )
        return True

    return test


FLOW_MEANINGS = {
    "secret-missing": Meaning(
        "The flow needs a secret that is not stored",
        "store the secret this profile needs (the Trusted Application's client secret, or the "
        "reference token) in the secret store or its environment variable",
        _error_remedy("flow", _secret_kind),
    ),
    "flow-failed": Meaning(
        "No token was issued",
        _error_text("flow", "fix", "see the flow's trace for what it was doing"),
        _error_remedy("flow"),
    ),
    "token-unchecked": Meaning(
        "The token could not be checked",
        _error_text("token", "fix", "see the token report"),
        _error_remedy("token", lambda e, v: remedy(RemedyKind.VERIFY_WITH_AUTHORITY)),
    ),
    "probe-failed": Meaning(
        "The API request could not be sent",
        _error_text("probe", "fix", "check the probe's request"),
        _error_remedy("probe", lambda e, v: remedy(RemedyKind.FIX_REQUEST, what="request")),
    ),
}
FLOW_RULES = (
    Rule(
        "secret-missing",
        lambda e: isinstance(e.error("flow"), SecretMissingError),
        _message_of("flow"),
        DIRECT,
        ("token-issued",),
    ),
    Rule("flow-failed", _unexplained("flow"), _message_of("flow"), DIRECT, ("token-issued",)),
    Rule(
        "token-unchecked",
        _unexplained("token"),
        _message_of("token"),
        ABNORMAL,
        ("issuer", "signature", "time", "scopes"),
    ),
    Rule(
        "probe-failed",
        _unexplained("probe"),
        _message_of("probe"),
        DIRECT,
        ("api-accepts", "first-200"),
    ),
)

MEANINGS: dict[str, Meaning] = {**TRANSPORT_MEANINGS, **AUTHORITY_MEANINGS, **FLOW_MEANINGS}
RULES: tuple[Rule, ...] = (*TRANSPORT_RULES, *AUTHORITY_RULES, *WARNING_RULES, *FLOW_RULES)
