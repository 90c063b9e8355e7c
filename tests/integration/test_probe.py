"""`core/probing` against both real targets: the test provider's resource server and the sandbox."""

from __future__ import annotations

import argparse
import io
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab import cli
from tokenlab.commands import probe_cmd
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import ProbeResult, probe, repeat_probe
from tokenlab.core.profiles import ProbeRequest, Profile, ProfileStore
from tokenlab.core.redact import Redactor
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.sandbox import DEMO_REFERENCE_TOKEN, DEMO_REVOKED_REFERENCE_TOKEN, Sandbox


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with build_client(HttpOptions(timeout=5.0)) as c:
        yield c


async def token_for(profile: Profile, store: SecretStore, **options: Any) -> TokenSet:
    result = await run_flow(
        profile, secrets=store, bus=Bus(), options=FlowOptions(**options) if options else None
    )
    return result.api_token


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    return f"{head}.{payload}.{flipped}"


def assert_masked(result: ProbeResult, *secrets: str) -> None:
    everything = repr(result) + repr(result.to_json())
    for secret in secrets:
        assert secret not in everything


# -- the test provider ------------------------------------------------------------------------


@pytest.fixture
async def idp_service(idp: TestProvider) -> tuple[Profile, TokenSet]:
    profile, store = idp_profile(idp, "service_basic")
    return profile, await token_for(profile, store)


async def test_idp_valid_client_credentials_token_is_ok(
    idp: TestProvider, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = idp_service
    bus = Bus()
    async with build_client(HttpOptions(), bus=bus, redactor=Redactor()) as c:
        with bus.collect(HttpExchange) as events:
            result = await probe(c, profile, token)
    assert result.status == 200 and result.ok and result.verdict.kind == "ok"
    assert result.url == f"{idp.api_url}Crm_Sales_Customers?$top=1"
    assert result.body.kind == "json" and len(result.body.data["value"]) == 1
    assert '"value": [' in result.body.text  # pretty-printed
    assert "1 row(s)" in result.verdict.summary
    assert result.token_header == "Authorization" and result.redirects == ()
    assert ("Authorization", f"Bearer {result.token}") in [
        (k.title(), v) for k, v in result.request_headers
    ]
    assert len(events) == 1  # one exchange recorded, masked
    assert_masked(result, token.access_token)
    assert token.access_token not in repr(events)


async def test_idp_missing_token_is_401_token_missing(
    client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, _ = idp_service
    result = await probe(client, profile, None)
    assert result.status == 401 and not result.ok
    assert result.verdict.kind == "token-missing"
    (challenge,) = result.challenges
    assert challenge.is_scheme("bearer") and challenge.realm == "DomainAPI" and not challenge.error


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (lambda idp, t: idp.mint_token(expires_in=-120), "token-expired", "expired"),
        (lambda idp, t: tampered(t.access_token), "bad-signature", "signature"),
        (
            lambda idp, t: idp.mint_token({"iss": "https://acme.example/id"}),
            "wrong-issuer",
            "issuer",
        ),
        (lambda idp, t: idp.mint_token({"aud": "TableAPI"}), "wrong-audience", "audience"),
        (lambda idp, t: idp.mint_token(typ="JWT"), "wrong-token-type", "access token"),
        (
            lambda idp, t: idp.mint_token({"nbf": int(time.time()) + 3600}),
            "token-not-yet-valid",
            "not yet valid",
        ),
        (lambda idp, t: "not-a-jwt", "token-malformed", "malformed"),
    ],
    ids=["expired", "tampered", "wrong-issuer", "wrong-audience", "typ", "nbf", "garbage"],
)
async def test_idp_rejected_tokens_get_the_right_401_verdict(
    idp: TestProvider,
    client: httpx.AsyncClient,
    idp_service: tuple[Profile, TokenSet],
    make: Any,
    kind: str,
    words: str,
) -> None:
    profile, good = idp_service
    bad = make(idp, good)
    result = await probe(client, profile, bad)
    assert result.status == 401 and result.verdict.kind == kind, result.verdict
    bearer = result.challenges[0]
    assert bearer.error == "invalid_token" and words in (bearer.error_description or "").lower()
    assert words in result.verdict.summary.lower()
    assert_masked(result, bad)


async def test_idp_insufficient_scope_names_the_scope(
    idp: TestProvider, client: httpx.AsyncClient
) -> None:
    profile, store = idp_profile(idp, "readonly")
    token = await token_for(profile, store)
    assert token.scope == ("read",)
    result = await probe(client, profile, token, method="POST", body='{"Name": "X"}')
    assert result.status == 403 and result.verdict.kind == "insufficient-scope"
    assert result.verdict.missing_scopes == ("update",)
    assert result.challenges[0].scope == ("update",)
    assert "update" in result.verdict.summary and "the token has: read" in result.verdict.summary
    assert "Trusted Application" in result.verdict.hint


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_idp_reference_token_in_either_header(
    idp: TestProvider,
    client: httpx.AsyncClient,
    idp_service: tuple[Profile, TokenSet],
    header: str,
) -> None:
    profile, _ = idp_service
    token = idp.reference_tokens.valid[0]
    result = await probe(client, profile, token, header=header)
    assert result.ok, result.verdict
    assert (
        result.token_header == {"authorization": "Authorization", "x-api-key": "X-Api-Key"}[header]
    )
    assert_masked(result, token)
    revoked = await probe(client, profile, idp.reference_tokens.revoked[0], header=header)
    assert revoked.status == 401 and revoked.verdict.kind == "token-revoked"


async def test_an_access_token_in_x_api_key_is_refused(
    idp: TestProvider, client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = idp_service
    result = await probe(client, profile, token, header="x-api-key")
    assert result.status == 401 and result.verdict.kind == "x-api-key-not-reference"


async def test_profile_headers_never_make_a_second_authorization(
    idp: TestProvider, client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = idp_service
    stale = ProbeRequest(headers=(("accept", "application/json"), ("authorization", "Bearer old")))
    result = await probe(client, replace(profile, probe=stale), token)
    assert result.ok, result.verdict
    assert [k for k, _ in result.request_headers if k.lower() == "authorization"] == [
        "authorization"
    ]


async def test_idp_both_headers_is_400(
    idp: TestProvider, client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, _ = idp_service
    token = idp.reference_tokens.valid[0]
    result = await probe(client, profile, token, headers={"X-Api-Key": token})
    assert result.status == 400 and result.verdict.kind == "both-headers"
    assert result.token_header == "Authorization+X-Api-Key"
    assert result.challenges[0].error == "invalid_request"


async def test_idp_unknown_entity_set_is_404(
    client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = idp_service
    result = await probe(client, profile, token, path="No_Such_Set")
    assert result.status == 404 and result.verdict.kind == "not-found"
    assert "No_Such_Set" in result.verdict.summary


async def test_idp_authorize_page_is_a_sign_in_failure(
    idp: TestProvider, client: httpx.AsyncClient, idp_service: tuple[Profile, TokenSet]
) -> None:
    """A URL that ends on the provider's password form (found by the body) is a failure."""
    profile, token = idp_service
    path = (
        f"/id/connect/authorize?client_id={idp.clients['web'].client_id}&response_type=code"
        "&redirect_uri=http://127.0.0.1/callback&scope=openid"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    )
    result = await probe(client, profile, token, path=path)
    assert not result.ok and result.verdict.kind == "sign-in-redirect"
    assert result.redirects and result.status == 200 and result.body.has_password_field


# -- the sandbox --------------------------------------------------------------------------------


@pytest.fixture
async def sandbox_service(sandbox: Sandbox) -> tuple[Profile, TokenSet]:
    profile, store = sandbox_profile(sandbox, "demo-service-app")
    return profile, await token_for(profile, store)


async def test_sandbox_valid_token_is_ok(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    result = await probe(client, profile, token)
    assert result.ok and result.status == 200 and result.body.kind == "json"
    assert result.elapsed_ms > 0 and result.challenges == ()
    assert_masked(result, token.access_token)


async def test_sandbox_missing_and_tampered(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    missing = await probe(client, profile, "")
    assert missing.verdict.kind == "token-missing" and missing.challenges[0].scheme == "Bearer"
    bad = await probe(client, profile, tampered(token.access_token))
    assert bad.verdict.kind == "bad-signature"
    assert "signature" in (bad.challenges[0].error_description or "")


async def test_sandbox_expired_token(isolated_sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(isolated_sandbox, "demo-service-app")
    token = await token_for(profile, store)
    isolated_sandbox.clock.advance(3700)
    async with build_client(HttpOptions()) as c:
        # a token given as text: its age is unknown, so the API's "expired" stands
        result = await probe(c, profile, token.access_token)
        # the token set this run received a moment ago: the API's clock must be ahead
        fresh = await probe(c, profile, token)
    assert result.status == 401 and result.verdict.kind == "token-expired"
    assert result.challenges[0].error == "invalid_token"
    assert "this machine's clock and the API's differ by 62 min" in result.verdict.summary
    assert fresh.status == 401 and fresh.verdict.kind == "clock-skew"
    assert "The API's clock is 62 min ahead of this machine's and the authority's" in (
        fresh.verdict.causes[0].title
    )
    assert [c.key for c in fresh.verdict.causes[:2]] == ["clock-skew", "token-expired"]
    assert fresh.verdict.remedy is not None and fresh.verdict.remedy.get("clock") == "api"
    assert 3600 < fresh.verdict.remedy.get("offset_s") < 3800


async def test_sandbox_global_authority_token_is_named(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    api_profile, _ = sandbox_profile(sandbox, "demo-service-app")
    profile, store = sandbox_profile(sandbox, "demo-global-authority")
    token = await token_for(profile, store, allow_global_authority=True)
    result = await probe(client, api_profile, token)
    assert result.status == 401 and result.verdict.kind == "global-authority"
    assert "/global/id" in result.verdict.summary
    assert "issuer" in (result.challenges[0].error_description or "")


async def test_sandbox_insufficient_scope(sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    profile, store = sandbox_profile(sandbox, "demo-service-app", scopes=("update",))
    token = await token_for(profile, store)
    result = await probe(client, profile, token)
    assert result.status == 403 and result.verdict.missing_scopes == ("read",)
    assert "read" in result.verdict.summary


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_sandbox_reference_tokens(
    sandbox: Sandbox, client: httpx.AsyncClient, header: str
) -> None:
    profile, store = sandbox_profile(sandbox, "demo-automation")
    token = await token_for(profile, store)
    assert token.token_type == "reference"
    ok = await probe(client, profile, token, header=header)
    assert ok.ok, ok.verdict
    revoked = await probe(client, profile, DEMO_REVOKED_REFERENCE_TOKEN, header=header)
    assert revoked.verdict.kind == "token-revoked"
    assert_masked(ok, DEMO_REFERENCE_TOKEN)
    assert_masked(revoked, DEMO_REVOKED_REFERENCE_TOKEN)


async def test_sandbox_both_headers(sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-automation")
    result = await probe(
        client, profile, DEMO_REFERENCE_TOKEN, headers={"X-Api-Key": DEMO_REFERENCE_TOKEN}
    )
    assert result.status == 400 and result.verdict.kind == "both-headers"


@pytest.mark.parametrize("path", ["/ui/customers", "/api/legacy/Customers"])
async def test_sandbox_redirect_to_sign_in_is_a_failure(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet], path: str
) -> None:
    profile, token = sandbox_service
    result = await probe(client, profile, token, path=path)
    assert result.status == 200 and not result.ok
    assert result.verdict.kind == "sign-in-redirect"
    (hop,) = result.redirects
    assert hop.status == 302 and hop.sign_in and "/id/account/login?ReturnUrl=" in hop.location
    assert result.sign_in_page == hop.location
    assert result.body.kind == "html" and result.body.has_password_field
    assert_masked(result, token.access_token)


async def test_sandbox_business_error_and_404(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    result = await probe(client, profile, token, path="Crm_Sales_Customers?$filter=Name")
    assert result.status == 500 and result.verdict.kind == "business-error"
    summary = result.verdict.summary
    assert "Invalid $filter expression" in summary and "InvalidFilter" in summary
    assert "Microsoft.OData.ODataException" in summary
    assert result.body.data["code"] == "InvalidFilter"  # an error code, not a secret
    missing = await probe(client, profile, token, path="Nope")
    assert missing.status == 404 and "Nope" in missing.verdict.summary


async def test_sandbox_html_where_json_was_expected(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    result = await probe(client, profile, token, path="/id/account/login")
    assert result.status == 200 and not result.ok
    assert result.verdict.kind == "sign-in-redirect"  # a password form, even without a redirect
    home = await probe(client, profile, token, path="/")
    assert home.status == 200 and home.body.kind == "html" and not home.ok
    assert home.verdict.kind == "html-not-json" and "API URL" in home.verdict.hint


async def test_repeat_counts_and_percentiles(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    result = await repeat_probe(client, profile, token, n=25)
    assert result.ok and result.sent == 25 and result.statuses == {"200": 25}
    assert result.verdicts == {"ok": 25}
    assert result.p50_ms is not None and result.p95_ms is not None and result.max_ms is not None
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms
    mixed = await repeat_probe(client, profile, None, n=3)
    assert not mixed.ok and mixed.statuses == {"401": 3} and mixed.verdicts == {"token-missing": 3}


async def test_repeat_stops_at_the_time_limit(
    client: httpx.AsyncClient, sandbox_service: tuple[Profile, TokenSet]
) -> None:
    profile, token = sandbox_service
    result = await repeat_probe(client, profile, token, n=1000, max_seconds=0.3)
    assert 0 < result.sent < 1000 and "time limit" in result.stopped
    assert result.total_seconds < 1.5 and not result.ok


async def test_repeat_bounds(client: httpx.AsyncClient, sandbox_service: Any) -> None:
    from tokenlab.core.errors import UsageError

    profile, token = sandbox_service
    for n in (0, 1001):
        with pytest.raises(UsageError):
            await repeat_probe(client, profile, token, n=n)
    with pytest.raises(UsageError):
        await repeat_probe(client, profile, token, n=1, max_seconds=0)


# -- `tokenlab probe` ---------------------------------------------------------------------------

_WHOLE_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


def _parser_with_probe(original: Any) -> Any:
    """`cli.build_parser` plus `probe`, until the lead registers it in `tokenlab/cli.py`."""

    def build() -> argparse.ArgumentParser:
        parser = original()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "probe" not in sub.choices:
            probe_cmd.add_parser(sub)
        return parser  # type: ignore[no-any-return]

    return build


@pytest.fixture
def tokenlab(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(cli, "build_parser", _parser_with_probe(cli.build_parser))

    def run(*args: str, stdin: str = "") -> Run:
        out, err = io.StringIO(), io.StringIO()
        try:
            code = cli.main(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err)
        except SystemExit as exc:  # argparse's own exits (--help)
            code = int(exc.code or 0)
        return Run(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def demo_profiles(sandbox: Sandbox) -> None:
    write_demo_profiles(ProfileStore(), sandbox.url)


def no_whole_token(run: Run, *tokens: str) -> None:
    assert not _WHOLE_JWT.search(run.both), run.both
    for token in tokens:
        assert token not in run.both


def test_cli_probe_with_a_fresh_token_exits_0(tokenlab: Any, demo_profiles: None) -> None:
    run = tokenlab("probe", "--profile", "demo-service-app")
    assert run.code == 0, run.both
    assert "→ GET http://127.0.0.1:" in run.out and "Crm_Sales_Customers?$top=1" in run.out
    assert "← 200 OK in" in run.out and "OK [ok]" in run.out
    assert "from flow client-credentials" in run.out and "…(" in run.out  # masked token
    no_whole_token(run)


def test_cli_probe_json(tokenlab: Any, demo_profiles: None) -> None:
    run = tokenlab("probe", "--profile", "demo-service-app", "--json", "-v")
    assert run.code == 0, run.both
    data = json.loads(run.out)
    assert data["ok"] and data["status"] == 200 and data["verdict"]["kind"] == "ok"
    assert data["body"]["kind"] == "json" and data["request"]["token_header"] == "Authorization"
    no_whole_token(run)


def test_cli_probe_given_token_from_stdin(tokenlab: Any, demo_profiles: None) -> None:
    run = tokenlab(
        "probe", "-p", "demo-automation", "--token", "-", "--header", "x-api-key", "--json",
        stdin=DEMO_REVOKED_REFERENCE_TOKEN + "\n",
    )  # fmt: skip
    assert run.code == 1, run.both
    data = json.loads(run.out)
    assert data["status"] == 401 and data["verdict"]["kind"] == "token-revoked"
    assert data["request"]["token_header"] == "X-Api-Key"
    no_whole_token(run, DEMO_REVOKED_REFERENCE_TOKEN)
    ok = tokenlab("probe", "-p", "demo-automation", "--token", DEMO_REFERENCE_TOKEN)
    assert ok.code == 0 and "sent as Authorization" in ok.out
    no_whole_token(ok, DEMO_REFERENCE_TOKEN)
    header = tokenlab(  # pasted as its whole header line: the header name and scheme go
        "probe", "-p", "demo-automation", "--token", "-",
        stdin=f"Authorization: Bearer {DEMO_REFERENCE_TOKEN}\n",
    )  # fmt: skip
    assert header.code == 0 and "sent as Authorization" in header.out, header.both
    no_whole_token(header, DEMO_REFERENCE_TOKEN)


def test_cli_probe_failures_exit_1_with_the_verdict(tokenlab: Any, demo_profiles: None) -> None:
    sign_in = tokenlab("probe", "-p", "demo-service-app", "--path", "/ui/customers")
    assert sign_in.code == 1
    assert "redirect to http://" in sign_in.out and "(a sign-in page)" in sign_in.out
    assert "FAIL [sign-in-redirect]" in sign_in.out
    missing = tokenlab("probe", "-p", "demo-service-app", "--token", "enrt_not_a_real_token_1")
    assert missing.code == 1 and "FAIL [reference-token-unknown]" in missing.out
    assert "error: invalid_token" in missing.out  # the challenge, decoded
    global_ = tokenlab("probe", "-p", "demo-global-authority", "--allow-global-authority")
    assert global_.code == 1 and "FAIL [global-authority]" in global_.out
    business = tokenlab(
        "probe", "-p", "demo-service-app", "--path", "Crm_Sales_Customers?$filter=x"
    )
    assert business.code == 1 and "FAIL [business-error]" in business.out
    assert "InvalidFilter" in business.out
    for run in (sign_in, missing, global_, business):
        no_whole_token(run)


def test_cli_probe_repeat(tokenlab: Any, demo_profiles: None) -> None:
    run = tokenlab("probe", "-p", "demo-service-app", "--repeat", "5")
    assert run.code == 0, run.both
    assert "sent 5 of 5" in run.out and "statuses: 200×5" in run.out and "p95" in run.out
    data = json.loads(tokenlab("probe", "-p", "demo-service-app", "--repeat", "3", "--json").out)
    assert data["statuses"] == {"200": 3} and data["latency_ms"]["max"] > 0
    failing = tokenlab("probe", "-p", "demo-service-app", "--repeat", "2", "--token", "x.y.z")
    assert failing.code == 1 and "statuses: 401×2" in failing.out


def test_cli_probe_insufficient_scope_on_the_real_provider(
    tokenlab: Any, idp: TestProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, _ = idp_profile(idp, "readonly")
    ProfileStore().save(profile)
    secret = idp.clients["readonly"].secret
    assert secret
    monkeypatch.setenv("TOKENLAB_CLIENT_SECRET", secret)
    run = tokenlab("probe", "-p", profile.name, "-X", "POST", "--data", '{"Name": "X"}')
    assert run.code == 1, run.both
    assert "FAIL [insufficient-scope]" in run.out and "scope: update" in run.out
    no_whole_token(run, secret)


@pytest.mark.parametrize(
    "args",
    [
        ["--repeat", "0"],
        ["--repeat", "1001"],
        ["--max-seconds", "0"],
        ["--header", "cookie"],
        ["--token", "   "],
        ["--token", "two tokens"],
        ["--token", "-", "--secret-stdin"],
        ["--token", "abc", "--flow", "client-credentials"],
        ["-X", "G T", "--token", "abc"],
    ],
)
def test_cli_probe_usage_errors_exit_2(tokenlab: Any, demo_profiles: None, args: list[str]) -> None:
    run = tokenlab("probe", "-p", "demo-service-app", *args)
    assert run.code == 2, run.both
    assert "tokenlab: error:" in run.err


def test_cli_probe_flow_failure_as_json(tokenlab: Any, demo_profiles: None) -> None:
    run = tokenlab("probe", "-p", "demo-disabled", "--json")
    assert run.code == 1
    data = json.loads(run.out)
    assert data == {
        "schema": "tokenlab.probe/1",
        "ok": False,
        "stage": "token",
        "error": data["error"],
    }
    assert data["error"]["error"] == "invalid_client"


# -- faults a real server cannot be made to show (httpx.MockTransport) ---------------------------

API = "https://acme.example/api/domain/odata/"
PROFILE = Profile(name="mock", instance="https://acme.example", scenario="service-app")
TOKEN = (
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FjbWUuZXhhbXBsZS9pZCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
)


def mock(handler: Any) -> httpx.AsyncClient:
    def streamed(request: httpx.Request) -> httpx.Response:
        # http.py reads the raw stream with a size cap; MockTransport's responses are pre-read
        done = handler(request)
        return httpx.Response(
            done.status_code, headers=done.headers, stream=httpx.ByteStream(done.content)
        )

    return build_client(HttpOptions(), transport=httpx.MockTransport(streamed))


async def test_binary_body_is_detected() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    async with mock(
        lambda r: httpx.Response(200, content=png, headers={"content-type": "image/png"})
    ) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert result.body.kind == "binary" and "binary data" in result.body.text
    assert "89 50 4e 47" in result.body.text and result.body.size == len(png)


async def test_text_is_truncated_and_control_characters_escaped() -> None:
    text = "\x1b[31mred\x1b[0m\n" + ("line of text\n" * 1000) + "é" * 10
    async with mock(lambda r: httpx.Response(200, text=text)) as c:
        result = await probe(c, PROFILE, TOKEN, headers={"Accept": "text/plain"})
    assert result.ok and result.body.kind == "text" and result.body.truncated
    assert "\x1b" not in result.body.text and "\\x1b[31mred" in result.body.text
    assert len(result.body.text) < 4100 and "more characters" in result.body.text


async def test_latin1_charset_is_decoded() -> None:
    body = "Caf\xe9".encode("latin-1")
    async with mock(
        lambda r: httpx.Response(
            200, content=body, headers={"content-type": "text/plain; charset=iso-8859-1"}
        )
    ) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert result.body.kind == "text" and result.body.text == "Caf\xe9"


async def test_a_token_echoed_by_the_server_is_masked() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={"seen": request.headers["authorization"], "access_token": TOKEN},
            headers={
                "WWW-Authenticate": f'Bearer error="invalid_token", error_description="bad {TOKEN}"'
            },
        )

    async with mock(echo) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert_masked(result, TOKEN)
    assert result.verdict.kind == "invalid-token"


async def test_malformed_challenge_is_reported_and_read_leniently() -> None:
    async with mock(
        lambda r: httpx.Response(
            401,
            headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired'
            },
        )
    ) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert "not closed" in result.challenge_problem
    assert result.challenges[0].error_description == "expired"
    assert result.verdict.kind == "token-expired"


async def test_401_without_a_challenge() -> None:
    async with mock(lambda r: httpx.Response(401)) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert result.verdict.kind == "unauthorized" and "no WWW-Authenticate" in result.verdict.summary


async def test_redirect_loop_is_bounded() -> None:
    calls: list[str] = []

    def loop(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"location": f"/api/domain/odata/next{len(calls)}"})

    async with mock(loop) as c:
        result = await probe(c, PROFILE, TOKEN, max_redirects=3)
    assert len(calls) == 4 and result.verdict.kind == "too-many-redirects" and not result.ok


async def test_the_token_never_follows_a_redirect_to_another_origin() -> None:
    seen: dict[str, dict[str, str]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = dict(request.headers)
        if request.url.host == "acme.example":
            return httpx.Response(
                303, headers={"location": "https://login.example/account/login?ReturnUrl=%2F"}
            )
        return httpx.Response(200, html="<form><input type=password name=pw></form>")

    async with mock(handler) as c:
        result = await probe(c, PROFILE, TOKEN, method="POST", body="{}")
    assert "authorization" in seen["acme.example"]
    assert "authorization" not in seen["login.example"]
    assert result.redirects[0].credentials_dropped and result.redirects[0].sign_in
    assert result.verdict.kind == "sign-in-redirect"
    assert_masked(result, TOKEN)


async def test_307_keeps_the_method_and_303_turns_it_into_get() -> None:
    methods: list[tuple[str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append((request.method, request.content))
        if request.url.path.endswith("/a"):
            return httpx.Response(307, headers={"location": "b"})
        if request.url.path.endswith("/b"):
            return httpx.Response(303, headers={"location": "c"})
        return httpx.Response(200, json={"value": []})

    async with mock(handler) as c:
        result = await probe(c, PROFILE, TOKEN, method="POST", path="a", body='{"x": 1}')
    assert methods == [("POST", b'{"x": 1}'), ("POST", b'{"x": 1}'), ("GET", b"")]
    assert result.ok and [h.status for h in result.redirects] == [307, 303]


async def test_json_error_body_that_is_not_json() -> None:
    async with mock(
        lambda r: httpx.Response(
            500, content=b"{oops", headers={"content-type": "application/json"}
        )
    ) as c:
        result = await probe(c, PROFILE, TOKEN)
    assert result.body.kind == "text" and result.verdict.kind == "server-error"


async def test_transport_failures_raise_the_explained_error() -> None:
    from tokenlab.core.errors import TransportError

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async with mock(refuse) as c:
        with pytest.raises(TransportError) as err:
            await probe(c, PROFILE, TOKEN)
        repeated = await repeat_probe(c, PROFILE, TOKEN, n=3)
    assert "refused" in err.value.message
    assert repeated.statuses == {"error": 3} and len(repeated.errors) == 1 and not repeated.ok


def test_percentile_is_nearest_rank() -> None:
    from tokenlab.core.probing import percentile

    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0 and percentile([], 50) is None


def test_the_command_mirrors_the_core_bounds() -> None:
    from tokenlab.core import probing as core_probe
    from tokenlab.core.reference_tokens import PREFIX

    assert probe_cmd.MAX_REPEAT == core_probe.MAX_REPEAT
    assert probe_cmd.MAX_REPEAT_SECONDS == core_probe.MAX_REPEAT_SECONDS
    assert probe_cmd.REFERENCE_PREFIX == PREFIX
