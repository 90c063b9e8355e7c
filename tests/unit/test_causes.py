"""The table of causes on constructed evidence: every rule of issue 8's diagnosis, one by one.

No network: tokens are signed here, evidence is built as the probe and the doctor build it.
"""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tokenlab.core.causes import (
    MEANINGS,
    RULES,
    ApiEvidence,
    BusinessError,
    Evidence,
    TokenEndpointEvidence,
    judge_clocks,
    rank,
    read_words,
    token_clock_offset,
)
from tokenlab.core.causes.clocks import ClockJudgement
from tokenlab.core.errors import (
    DnsError,
    RemedyKind,
    RequestTimeoutError,
    SecretMissingError,
    ServerUnreachableError,
    TlsVerificationError,
    TokenlabError,
)
from tokenlab.core.explain import Answer, explain, explanation_json
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.signature import signature_check
from tokenlab.core.inspection.token_report import TokenReport, check_token
from tokenlab.core.probing import judge
from tokenlab.core.profiles import Profile

ISSUER = "https://acme.my.erp.net/id"
NOW = time.time()
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PROFILE = Profile(
    name="acme",
    instance="https://acme.my.erp.net",
    scenario="service-app",
    client_id="com.acme/app",
    scopes=("read", "update"),
    audience="DomainAPI",
)


def report(required: tuple[str, ...] = ("read",), **changes: Any) -> TokenReport:
    """Our own checks of a token signed here (every check passes unless `changes` break one)."""
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": "DomainAPI", "scope": ["read", "update"], "client_id": "com.acme/app",
        "iat": int(NOW), "nbf": int(NOW), "exp": int(NOW) + 3600, "jti": "j",
    }  # fmt: skip
    claims.update(changes)
    token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})
    decoded = decode_token(token)
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    jwk.update(kid="k1", use="sig", alg="RS256")
    return check_token(
        decoded,
        expected_issuer=ISSUER,
        audience="DomainAPI",
        required_scopes=required,
        client_id="com.acme/app",
        now=NOW,
        signature=signature_check(decoded, jwk, "k1"),
    )


def api(status: int = 401, said: str = "", error: str = "invalid_token", **kw: Any) -> ApiEvidence:
    """An answer as the probe reads it: the API's words run through the same reader."""
    reading = read_words(said, error if status == 401 else "")
    values: dict[str, Any] = {
        "status": status,
        "credentials": ("authorization",),
        "challenge_error": error if status in (401, 403) else "",
        "has_challenge": status in (401, 403),
        "said": said,
        "readings": reading.keys,
        "words_family": reading.family,
    }
    values.update(kw)
    return ApiEvidence(**values)


def keys(e: Evidence) -> list[str]:
    return [c.key for c in rank(e)]


def text_of(e: Evidence) -> str:
    return " ".join(f"{c.title} {c.evidence} {c.fix}" for c in rank(e))


# -- the table itself ---------------------------------------------------------------------------


def test_every_rule_has_a_meaning_with_a_remedy() -> None:
    assert {r.key for r in RULES} <= MEANINGS.keys()
    without = sorted(k for k, m in MEANINGS.items() if m.remedy is None)
    assert without == [], without


# -- the API's own words, by family ------------------------------------------------------------

WORDS = [
    # ASP.NET Core JwtBearer (JwtBearerHandler's descriptions), new and old wordings
    ("The audience 'api://other' is invalid", "wrong-audience", "ASP.NET"),
    ("The issuer 'https://id.erp.net/id' is invalid", "wrong-issuer", "ASP.NET"),
    ("The token expired at '01/02/2024 10:00:00'", "token-expired", "ASP.NET"),
    ("The token is not valid before '01/02/2031 10:00:00'", "token-not-yet-valid", "ASP.NET"),
    ("The signature is invalid", "bad-signature", "ASP.NET"),
    ("The signature key was not found", "signing-key-unknown", "ASP.NET"),
    ("The token is expired", "token-expired", "ASP.NET"),
    ("The token has no expiration", "token-no-expiry", "ASP.NET"),
    # Microsoft.IdentityModel codes
    ("IDX10214: Audience validation failed. Audiences: 'TableAPI'. Did not match: "
     "validationParameters.ValidAudience: 'DomainAPI'", "wrong-audience", "IdentityModel"),
    ("IDX10205: Issuer validation failed. Issuer: 'https://x/id'. Did not match: "
     "validationParameters.ValidIssuer: 'https://acme/id'", "wrong-issuer", "IdentityModel"),
    ("IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): "
     "'1/2/2024 10:00:00 AM', Current time (UTC): '1/2/2024 11:00:00 AM'.", "token-expired",
     "IdentityModel"),
    ("IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom (UTC): "
     "'1/2/2031'", "token-not-yet-valid", "IdentityModel"),
    ("IDX10501: Signature validation failed. Unable to match key: \nkid: 'abc'.",
     "signing-key-unknown", "IdentityModel"),
    ("IDX10503: Signature validation failed. Token does not have a kid. Keys tried: 'x'.",
     "bad-signature", "IdentityModel"),
    ("IDX10511: Signature validation failed. Keys tried: 'x'. kid: 'k1'.", "bad-signature",
     "IdentityModel"),
    ("IDX12741: JWT: '[PII is hidden]' must have three segments (JWS) or five segments (JWE).",
     "token-malformed", "IdentityModel"),
    ("IDX14100: JWT is not well formed, there are no dots (.).", "token-malformed",
     "IdentityModel"),
    ("IDX12709: CanReadToken() returned false. JWT is not well formed.", "token-malformed",
     "IdentityModel"),
    # IdentityServer and its introspection handler
    ("Token is not active.", "token-revoked", "IdentityServer"),
    ("The access token has expired", "token-expired", "IdentityServer"),
    # jose (Node)
    ('"exp" claim timestamp check failed', "token-expired", "jose"),
    ('unexpected "aud" claim value', "wrong-audience", "jose"),
    ('unexpected "iss" claim value', "wrong-issuer", "jose"),
    ('"nbf" claim timestamp check failed', "token-not-yet-valid", "jose"),
    ("signature verification failed", "bad-signature", "jose"),
    ("no applicable key found in the JSON Web Key Set", "signing-key-unknown", "jose"),
    ("Invalid Compact JWS", "token-malformed", "jose"),
    ('"alg" (Algorithm) Header Parameter value not allowed', "bad-algorithm", "jose"),
    # jsonwebtoken / express-jwt
    ("jwt expired", "token-expired", "jsonwebtoken"),
    ("jwt audience invalid. expected: DomainAPI", "wrong-audience", "jsonwebtoken"),
    ("jwt issuer invalid. expected: https://acme/id", "wrong-issuer", "jsonwebtoken"),
    ("jwt not active", "token-not-yet-valid", "jsonwebtoken"),
    ("jwt malformed", "token-malformed", "jsonwebtoken"),
    # Spring Security
    ("An error occurred while attempting to decode the Jwt: Jwt expired at "
     "2024-01-02T10:00:00Z", "token-expired", "Spring"),
    ("The iss claim is not valid", "wrong-issuer", "Spring"),
    ("The aud claim is not valid", "wrong-audience", "Spring"),
    ("Jwt used before 2031-01-02T10:00:00Z", "token-not-yet-valid", "Spring"),
    ("An error occurred while attempting to decode the Jwt: Signed JWT rejected: Another "
     "algorithm expected, or no matching key(s) found", "signing-key-unknown", "Spring"),
    ("An error occurred while attempting to decode the Jwt: Malformed token", "token-malformed",
     "Spring"),
    ("Invalid signature", "bad-signature", "Spring"),
]  # fmt: skip


@pytest.mark.parametrize(("said", "key", "family"), WORDS, ids=[w[0][:40] for w in WORDS])
def test_the_apis_words_name_the_cause(said: str, key: str, family: str) -> None:
    verdict = judge(api(401, said))
    assert verdict.kind == key, verdict
    assert verdict.causes[0].key == key and family in verdict.summary
    assert said.split("\n")[0][:30] in verdict.summary  # the words are quoted as evidence


@pytest.mark.parametrize(("said", "key", "family"), WORDS, ids=[w[0][:40] for w in WORDS])
def test_the_apis_words_rank_above_our_other_findings(said: str, key: str, family: str) -> None:
    # our own check found another problem (a client_id mismatch): the API's words still lead
    e = Evidence(profile=PROFILE, api=api(401, said), token=report(client_id="com.other/app"))
    found = keys(e)
    assert found[0] == key and "wrong-client" in found
    assert "invalid-token" not in found and "unauthorized" not in found


def test_an_identityserver_error_code_names_the_cause_without_words() -> None:
    assert judge(api(401, "", error="expired_token")).kind == "token-expired"


def test_a_description_listing_several_failures_keeps_their_order() -> None:
    words = "The audience 'TableAPI' is invalid; The signature key was not found"
    assert [c.key for c in judge(api(401, words)).causes] == [
        "wrong-audience",
        "signing-key-unknown",
    ]


# -- a 401 that names nothing -------------------------------------------------------------------


def test_an_unexplained_401_lists_the_checks_that_passed() -> None:
    e = Evidence(profile=PROFILE, api=api(401, "Bearer token rejected"), token=report())
    (cause,) = rank(e)
    assert cause.key == "invalid-token" and "unexplained" in cause.title
    assert "our checks passed: format, algorithm" in cause.evidence
    assert "issuer" in cause.evidence and "signature" in cause.evidence
    assert "expiry" in cause.evidence and "audience" in cause.evidence
    assert cause.remedy is not None and cause.remedy.kind is RemedyKind.ASK_ADMINISTRATORS


def test_an_unexplained_401_without_a_token_report_says_to_verify() -> None:
    verdict = judge(api(401, "", error=""))
    assert verdict.kind == "unauthorized" and "no WWW-Authenticate" not in verdict.summary
    assert verdict.remedy is not None and verdict.remedy.kind is RemedyKind.VERIFY_WITH_AUTHORITY
    bare = judge(api(401, "", error="", has_challenge=False))
    assert "no WWW-Authenticate challenge" in bare.summary


def test_an_unrecognised_401_ranks_what_our_checks_found_first() -> None:
    e = Evidence(profile=PROFILE, api=api(401, "Access denied"), token=report(aud="TableAPI"))
    assert keys(e)[:2] == ["wrong-audience", "invalid-token"]
    other = Evidence(profile=PROFILE, api=api(401, "Access denied"), token=report(iss=ISSUER + "/"))
    assert keys(other)[0] == "wrong-issuer"  # not the same generic cause for every 401


def test_a_reference_token_refused_without_words_is_revoked_or_unknown() -> None:
    verdict = judge(api(401, "", reference_token=True))
    assert verdict.kind == "token-revoked"
    assert verdict.remedy is not None and verdict.remedy.get("kind") == "reference-token"


def test_a_token_from_a_global_authority_leads_the_issuer_complaint() -> None:
    said = "The issuer 'https://id.erp.net/id' is invalid"
    found = rank(
        Evidence(api=api(401, said, token_issuer="https://id.erp.net/id", global_issuer=True))
    )
    assert [c.key for c in found] == ["global-authority"]  # wrong-issuer folded into it
    assert said in found[0].evidence


# -- 403, 404, 405, 400, 5xx -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "words", "setting"),
    [
        ("service-app", "SystemUserAllowed, SystemUser", "SystemUser and its permissions"),
        ("web-app", "signed-in user's permissions", "the user's permissions"),
    ],
)
def test_a_403_for_a_token_that_passed_every_check_is_not_allowed(
    scenario: str, words: str, setting: str
) -> None:
    flow = "client-credentials" if scenario == "service-app" else "auth-code"
    profile = Profile(
        name="p", instance="https://acme.my.erp.net", scenario=scenario, client_id="c"
    )  # type: ignore[arg-type]
    e = Evidence(profile=profile, flow=flow, api=api(403, "", error=""), token=report())
    (cause,) = rank(e)
    assert cause.key == "forbidden"
    assert cause.title == "Authenticated, but not allowed: the token passed every check"
    assert words in cause.fix and "on the instance" in cause.fix
    assert "our checks passed" in cause.evidence
    assert cause.remedy is not None and cause.remedy.get("setting") == setting


def test_insufficient_scope_names_the_scope_and_where_to_get_it() -> None:
    e = Evidence(
        profile=PROFILE,
        api=api(403, "needs update", error="insufficient_scope", challenge_scopes=("update",),
                token_scopes=("read",), method="POST"),
    )  # fmt: skip
    cause = rank(e)[0]
    assert cause.key == "insufficient-scope" and cause.title == "The token lacks the scope update"
    assert "the token has: read" in cause.evidence and "'update'" in cause.fix
    # the profile asks for update already: the Trusted Application is what lacks it
    assert cause.remedy is not None and cause.remedy.kind is RemedyKind.FIX_TRUSTED_APPLICATION
    assert cause.remedy.get("value") == "update"
    asks_read = Evidence(profile=Profile(name="p", instance="https://a", scenario="service-app",
                                         scopes=("read",)), api=e.api)  # fmt: skip
    r = rank(asks_read)[0].remedy
    assert r is not None and r.kind is RemedyKind.REQUEST_SCOPES
    assert r.get("scopes") == ("read", "update")


@pytest.mark.parametrize(
    ("status", "key", "what", "words"),
    [
        (404, "not-found", "path", "the token was accepted"),
        (405, "method-not-allowed", "method", "the token was accepted"),
        (400, "bad-request", "request", "malformed"),
    ],
)
def test_request_failures_are_named_for_what_they_are(
    status: int, key: str, what: str, words: str
) -> None:
    verdict = judge(api(status, "Resource not found for the segment 'Nope'.", error=""))
    assert verdict.kind == key and words in verdict.summary.lower()
    assert verdict.remedy is not None and verdict.remedy.kind is RemedyKind.FIX_REQUEST
    assert verdict.remedy.get("what") == what


def test_a_business_error_says_the_token_was_accepted() -> None:
    business = BusinessError(
        "Invalid $filter expression", "InvalidFilter", "ODataException", "use eq"
    )
    verdict = judge(api(500, "Invalid $filter expression", error="", business=business))
    assert verdict.kind == "business-error"
    assert "accepted the token" in verdict.summary and "InvalidFilter" in verdict.summary
    assert "info: use eq" in verdict.summary
    assert judge(api(502, "", error="")).kind == "server-error"


# -- the token endpoint, and warnings already raised ---------------------------------------------


def te(error: str, description: str = "", flow: str = "client-credentials", **kw: Any) -> Evidence:
    values: dict[str, Any] = {"scopes": ("read", "DomainApi"), "client_id": "com.acme/app"}
    values.update(kw)
    return Evidence(flow=flow, token_endpoint=TokenEndpointEvidence(
        error, description, 400, "json", flow=flow, **values))  # fmt: skip


@pytest.mark.parametrize("description", ["scope 'DomainApi' is not allowed", "invalid scope", ""])
def test_a_legacy_scope_is_to_be_removed_never_added_to_the_trusted_application(
    description: str,
) -> None:
    (cause,) = rank(te("invalid_scope", description))
    assert cause.key == "legacy-scope"
    assert "remove 'DomainApi'" in cause.fix and "Scope list" not in cause.fix
    assert cause.remedy is not None and cause.remedy.kind is RemedyKind.REQUEST_SCOPES
    assert cause.remedy.get("scopes") == ("read",)


def test_a_refused_scope_that_is_not_legacy_is_allowed_on_the_application() -> None:
    (cause,) = rank(
        te("invalid_scope", "scope 'update' is not allowed", scopes=("read", "update", "DomainApi"))
    )
    assert cause.key == "invalid-scope" and "'update'" in cause.title
    assert cause.remedy is not None and cause.remedy.get("value") == "update"


@pytest.mark.parametrize(
    ("flow", "key"),
    [("client-credentials", "protocol-scope"), ("auth-code", "protocol-scope-refused")],
)
def test_a_protocol_scope_is_never_added_to_the_trusted_application(flow: str, key: str) -> None:
    scopes = ("openid", "offline_access", "read")
    (cause,) = rank(
        te("invalid_scope", "scope 'offline_access' is not allowed", flow, scopes=scopes)
    )
    assert cause.key == key and "remove 'offline_access'" in cause.fix
    assert "Scope list" not in cause.fix and cause.remedy is not None
    assert cause.remedy.kind is RemedyKind.REQUEST_SCOPES
    assert "offline_access" not in cause.remedy.get("scopes")


def test_a_flow_warning_is_repeated_as_a_cause_never_contradicted() -> None:
    from tokenlab.core.authority import Finding

    warned = Finding("warning", "the scope 'DomainApi' is legacy and must not be used any more")
    profile = Profile(name="p", instance="https://a", scenario="service-app",
                      scopes=("read", "DomainApi"))  # fmt: skip
    e = Evidence(profile=profile, warnings=(warned,), api=api(403, "", error=""), token=report())
    found = {c.key: c for c in rank(e)}
    assert list(found) == ["forbidden", "legacy-scope"]
    assert "remove 'DomainApi'" in found["legacy-scope"].fix
    r = found["legacy-scope"].remedy
    assert r is not None and r.kind is RemedyKind.REQUEST_SCOPES and r.get("scopes") == ("read",)
    assert "DomainApi" not in found["forbidden"].fix


def test_our_scope_check_never_asks_to_allow_a_legacy_scope() -> None:
    legacy = Evidence(profile=PROFILE, token=report(required=("read", "DomainApi")))
    assert "insufficient-scope" not in keys(legacy)
    both = Evidence(
        profile=PROFILE, token=report(required=("read", "update", "DomainApi"), scope=["read"])
    )
    (cause,) = [c for c in rank(both) if c.key == "insufficient-scope"]
    assert cause.title == "The token lacks the scope update" and "DomainApi" not in cause.fix


def test_a_secret_the_flow_masked_stays_masked_in_the_diagnosis() -> None:
    from tokenlab.core.diagnosis import RunFacts, checklist

    exc = explain(Answer(400, "invalid_client", "bad secret CANARY-s3cret", "json"),
                  flow="client-credentials", client_id="c", scopes=(), public_client=False)  # fmt: skip
    exc.description = exc.description.replace("CANARY-s3cret", "CANA…(13 chars)")  # as flows do
    exc.message = exc.message.replace("CANARY-s3cret", "CANA…(13 chars)")
    d = checklist(RunFacts(profile=PROFILE, flow_error=exc))
    assert d.causes[0].key == "invalid-client"
    assert "CANARY-s3cret" not in repr(d) and "CANA…(13 chars)" in d.causes[0].evidence


def test_explain_carries_the_cause_and_its_remedy() -> None:
    exc = explain(Answer(400, "unauthorized_client", "", "json"), flow="client-credentials",
                  client_id="com.acme/app", scopes=("read",), public_client=False)  # fmt: skip
    assert exc.cause == "no-service-access" and "SystemUserAllowed" in exc.hint
    assert exc.remedy is not None and exc.remedy.kind is RemedyKind.FIX_TRUSTED_APPLICATION
    data = explanation_json(exc)
    assert data["remedy"]["kind"] == "fix-trusted-application" and data["cause"] == exc.cause


# -- clocks ------------------------------------------------------------------------------------


def test_three_clocks_name_the_odd_one_out_and_by_how_much() -> None:
    api_behind = judge_clocks(authority=0.4, api=-600)
    assert api_behind is not None and api_behind.odd == "api" and api_behind.offset_s == -600.2
    assert api_behind.text == "The API's clock is 10 min behind this machine's and the authority's"
    machine = judge_clocks(authority=3700, api=3701)
    assert machine is not None and machine.odd == "this-machine"
    assert machine.text == "This machine's clock is 62 min behind the authority's and the API's"
    authority = judge_clocks(authority=7200, api=2)
    assert authority is not None and authority.odd == "authority" and authority.offset_s == 7199.0


def test_two_clocks_only_say_that_they_differ() -> None:
    two = judge_clocks(api=125)
    assert two is not None and two.odd == "" and two.off
    assert two.text == "This machine's clock and the API's differ by 2 min (the API is ahead)"
    agree = judge_clocks(authority=1, api=-2)
    assert agree is not None and not agree.off and "agree" in agree.text
    apart = judge_clocks(authority=600, api=-600)
    assert apart is not None and apart.odd == "" and "the authority's is 10 min ahead" in apart.text
    assert judge_clocks() is None


def clocks(authority: float | None, api_skew: float | None) -> ClockJudgement | None:
    return judge_clocks(authority=authority, api=api_skew)


def test_a_fresh_token_refused_as_not_yet_valid_by_an_api_behind_is_the_apis_clock() -> None:
    received = NOW
    iat = NOW + 1  # issued a second before it arrived here: the authority agrees with us
    authority = token_clock_offset(iat, received)
    e = Evidence(
        profile=PROFILE,
        api=api(401, "The token is not valid before '01/02/2031 10:00:00'", clock_skew_s=-600),
        token=report(),
        clocks=clocks(authority, -600),
    )
    found = rank(e)
    assert [c.key for c in found[:2]] == ["clock-skew", "token-not-yet-valid"]
    assert found[0].title.startswith("The API's clock is 10 min behind")
    assert found[0].remedy is not None and found[0].remedy.data == {
        "clock": "api",
        "offset_s": -600.5,
    }
    assert "the API's clock is wrong" in found[0].fix
    assert "api-accepts" in found[0].steps


def test_an_expired_token_says_which_clock_is_off_when_this_machines_is() -> None:
    e = Evidence(profile=PROFILE, api=api(401, "The token expired at '…'"), token=report(),
                 clocks=clocks(3700, 3700))  # fmt: skip
    found = rank(e)
    assert [c.key for c in found] == ["token-expired", "clock-skew"]
    assert (
        "this machine's clock is 62 min behind the authority's and the API's" in found[0].evidence
    )
    assert found[1].remedy is not None and found[1].remedy.get("clock") == "this-machine"


def test_an_expired_token_with_agreeing_clocks_says_so() -> None:
    e = Evidence(profile=PROFILE, api=api(401, "jwt expired"), clocks=clocks(0.5, -1))
    (cause,) = rank(e)
    assert cause.key == "token-expired" and "agree" in cause.evidence


def test_clocks_off_with_nothing_refused_is_an_abnormal_time_step() -> None:
    (cause,) = rank(Evidence(profile=PROFILE, clocks=clocks(300, None)))
    assert cause.key == "clock-skew" and "time" in cause.steps
    assert (
        cause.title
        == "This machine's clock and the authority's differ by 5 min (the authority is ahead)"
    )
    assert cause.remedy is not None and cause.remedy.kind is RemedyKind.FIX_CLOCK


# -- the network and the flow -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "error", "key", "remedy"),
    [
        ("probe", ServerUnreachableError("connection refused by http://127.0.0.1:9"),
         "api-unreachable", RemedyKind.SET_PROFILE_FIELD),
        ("authority", DnsError("cannot resolve the host name 'acme'"), "identity-service-dns",
         RemedyKind.FIX_AUTHORITY),
        ("flow", TlsVerificationError("TLS verification failed"), "identity-service-tls",
         RemedyKind.TRUST_CA),
        ("probe", RequestTimeoutError("timed out"), "api-timeout", RemedyKind.RAISE_TIMEOUT),
        ("flow", SecretMissingError("no client secret for acme"), "secret-missing",
         RemedyKind.STORE_SECRET),
        ("flow", TokenlabError("the sign-in was not finished"), "flow-failed", None),
    ],
)  # fmt: skip
def test_failures_without_an_answer_still_name_a_cause(
    stage: str, error: TokenlabError, key: str, remedy: RemedyKind | None
) -> None:
    (cause,) = rank(Evidence(profile=PROFILE, errors={stage: error}))
    assert cause.key == key and cause.evidence == error.message
    assert (cause.remedy.kind if cause.remedy else None) is remedy


# -- no face's words in the core ------------------------------------------------------------------


def test_no_cause_names_a_cli_flag_or_command() -> None:
    cases = [Evidence(profile=PROFILE, api=api(401, w), token=report()) for w, _, _ in WORDS] + [
        te(code) for code in ("invalid_client", "invalid_scope", "invalid_grant", "access_denied")
    ]
    for e in cases:
        text = text_of(e)
        assert not re.search(r"(?<![\w-])--[a-z]|\btokenlab [a-z]", text), text
        assert "unknown)" not in text, text  # every template value was there


CORE_FILES = [
    "tokenlab/core/causes",
    "tokenlab/core/probing",
    "tokenlab/core/diagnosis.py",
    "tokenlab/core/explain.py",
    "tokenlab/core/doctor.py",
    "tokenlab/core/report.py",
]


def test_no_string_in_these_core_modules_names_a_cli_flag_or_command() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    paths = [p for f in CORE_FILES for p in sorted((root / f).rglob("*.py")) or [root / f]]
    flag = re.compile(r"(?<![\w-])--[a-z]|\btokenlab [a-z]")
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and flag.search(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert len(paths) > 15 and found == [], found
