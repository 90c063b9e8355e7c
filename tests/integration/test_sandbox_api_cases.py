"""What the sandbox's API servers answer, over real HTTP, for each way a call can go wrong.

The instance's own Domain API words its 401s like ASP.NET Core JwtBearer; the demo-api-*
profiles point at misconfigured API servers (or ask for a failing path) while getting their
token normally. These tests check the servers' answers; the diagnosis reads them elsewhere.
"""

from __future__ import annotations

import base64
import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sandbox_fixtures import token_request
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.core.profiles import validate
from tokenlab.sandbox import DEMO_SECRETS, DemoProfile, Sandbox, demo_catalog
from tokenlab.sandbox.jwt_bearer import dotnet_time

CUSTOMERS = "/api/domain/odata/Crm_Sales_Customers"
SERVICE = ("com.tokenlab.demo/service-app", DEMO_SECRETS["com.tokenlab.demo/service-app"])
FIRST_CALL = "Crm_Sales_Customers?$top=1"
API_CASES = {
    "demo-api-clock-behind", "demo-api-clock-ahead", "demo-api-wrong-audience",
    "demo-api-wrong-issuer", "demo-api-stale-keys", "demo-api-unexplained",
    "demo-api-forbidden", "demo-api-not-found", "demo-api-business-error", "demo-api-refused",
        "demo-api-flaky-node",
}  # fmt: skip


def demo(sandbox: Sandbox, name: str) -> DemoProfile:
    (found,) = [d for d in demo_catalog(sandbox.url) if d.name == name]
    return found


def token_of(http: httpx.Client, sandbox: Sandbox, d: DemoProfile) -> str:
    """What `tokenlab token -p NAME` does for these profiles: client_credentials, demo secret."""
    assert d.client_id and d.public_secret and d.scenario == "service-app"
    data = {"grant_type": "client_credentials", "scope": " ".join(d.scopes)}
    resp = token_request(http, sandbox, data, auth=(d.client_id, d.public_secret))
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["access_token"]
    return token


def call(http: httpx.Client, sandbox: Sandbox, d: DemoProfile, token: str) -> httpx.Response:
    """What `tokenlab probe -p NAME` sends: GET {api}{probe path} with the bearer token."""
    api = d.api_url or f"{sandbox.url}/api/domain/odata/"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return http.get(f"{api}{d.probe_path or FIRST_CALL}", headers=headers)


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def refused(description: str) -> str:
    return f'Bearer error="invalid_token", error_description="{description}"'


def server_time(resp: httpx.Response) -> float:
    return parsedate_to_datetime(resp.headers["date"]).timestamp()


def authority_time(http: httpx.Client, sandbox: Sandbox) -> float:
    return server_time(http.get(f"{sandbox.url}/id/.well-known/openid-configuration"))


# -- the demo-api-* profiles: a good token, refused by a misconfigured API server ---------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "demo-api-wrong-audience",
            lambda sb, c: refused("The audience 'DomainAPI, TableAPI' is invalid"),
        ),
        ("demo-api-wrong-issuer", lambda sb, c: refused(f"The issuer '{sb.url}/id' is invalid")),
        ("demo-api-stale-keys", lambda sb, c: refused("The signature key was not found")),
        ("demo-api-unexplained", lambda sb, c: "Bearer"),
    ],
)
def test_misconfigured_api_servers_refuse_a_good_token_in_jwtbearer_words(
    http: httpx.Client, sandbox: Sandbox, name: str, expected: Any
) -> None:
    d = demo(sandbox, name)
    token = token_of(http, sandbox, d)
    assert call(http, sandbox, demo(sandbox, "demo-service-app"), token).status_code == 200
    resp = call(http, sandbox, d, token)
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == expected(sandbox, claims(token))
    assert resp.content == b""  # JwtBearer's challenge has no body
    assert abs(server_time(resp) - authority_time(http, sandbox)) < 5  # clocks agree here


def test_api_server_with_a_clock_10_min_behind(http: httpx.Client, sandbox: Sandbox) -> None:
    d = demo(sandbox, "demo-api-clock-behind")
    token = token_of(http, sandbox, d)
    resp = call(http, sandbox, d, token)
    assert resp.status_code == 401
    nbf = claims(token)["nbf"]
    assert resp.headers["www-authenticate"] == refused(
        f"The token is not valid before '{dotnet_time(nbf)}'"
    )
    offset = server_time(resp) - authority_time(http, sandbox)
    assert -605 < offset < -595, offset
    assert abs(server_time(resp) - (nbf - 600)) < 5  # the API thinks the token is from its future


def test_api_server_with_a_clock_2_h_ahead(http: httpx.Client, sandbox: Sandbox) -> None:
    d = demo(sandbox, "demo-api-clock-ahead")
    token = token_of(http, sandbox, d)
    resp = call(http, sandbox, d, token)
    assert resp.status_code == 401
    exp = claims(token)["exp"]
    assert resp.headers["www-authenticate"] == refused(f"The token expired at '{dotnet_time(exp)}'")
    offset = server_time(resp) - authority_time(http, sandbox)
    assert 7195 < offset < 7205, offset


def test_forbidden_is_a_403_for_a_token_that_passes_every_check(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    d = demo(sandbox, "demo-api-forbidden")
    token = token_of(http, sandbox, d)
    assert claims(token)["scope"] == ["read", "update"]
    resp = call(http, sandbox, d, token)
    assert resp.status_code == 403
    assert "www-authenticate" not in resp.headers  # not a token problem
    body = resp.json()
    assert set(body) == {"message", "code", "type", "info"}
    assert body["code"] == "AccessDenied"
    assert body["message"] == (
        "The user 'sandbox-no-permission' has no permission to read 'Crm_Sales_Customers'."
    )
    # the same call with the service application's token is fine: the user's rights differ
    good = token_of(http, sandbox, demo(sandbox, "demo-service-app"))
    assert call(http, sandbox, d, good).status_code == 200


@pytest.mark.parametrize(
    ("name", "status", "code", "mentions"),
    [
        ("demo-api-not-found", 404, "EntitySetNotFound", "'Crm_Sales_Customer'"),
        ("demo-api-business-error", 500, "InvalidFilter", "Name eq Acme"),
    ],
)
def test_failed_requests_after_the_token_was_accepted(
    http: httpx.Client, sandbox: Sandbox, name: str, status: int, code: str, mentions: str
) -> None:
    d = demo(sandbox, name)
    assert d.api_url is None and d.probe_path
    resp = call(http, sandbox, d, token_of(http, sandbox, d))
    assert resp.status_code == status
    assert "www-authenticate" not in resp.headers
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"message", "code", "type", "info"}
    assert body["code"] == code and mentions in body["message"]


def test_refused_connection_but_a_working_token(http: httpx.Client, sandbox: Sandbox) -> None:
    d = demo(sandbox, "demo-api-refused")
    assert d.api_url == "http://127.0.0.1:1/api/domain/odata/"
    token = token_of(http, sandbox, d)
    with pytest.raises(httpx.ConnectError):
        call(http, sandbox, d, token)
    assert call(http, sandbox, demo(sandbox, "demo-service-app"), token).status_code == 200


def test_case_servers_serve_the_instances_data_to_tokens_they_accept(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    """They are real API servers: a token made to fit them is accepted."""
    node = sandbox.case_apis["legacy-audience"]
    fitting = sandbox.instance.key.sign(
        {**_fresh_claims(sandbox), "aud": f"{sandbox.url}/id/resources"}, typ="at+jwt"
    )
    resp = call(http, sandbox, demo(sandbox, "demo-api-wrong-audience"), fitting)
    assert resp.status_code == 200, resp.headers
    assert resp.json()["@odata.context"].startswith(node.root)


# -- the instance's own API: one JwtBearer description per failure ------------------------------


def _fresh_claims(sandbox: Sandbox, **changes: Any) -> dict[str, Any]:
    now = int(sandbox.clock())
    base = {
        "iss": f"{sandbox.url}/id",
        "aud": ["DomainAPI", "TableAPI"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "scope": ["read"],
        "client_id": SERVICE[0],
        "client_system_user": "sandbox-service",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tampered(token: str) -> str:
    head, _, signature = token.split(".")
    payload = _b64(json.dumps({**claims(token), "scope": ["read", "update", "admin"]}).encode())
    return f"{head}.{payload}.{signature}"


def _alg_none(token: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    return f"{header}.{token.split('.')[1]}."


def _foreign(sandbox: Sandbox, **changes: Any) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    headers = {"kid": "not-in-the-jwks", "typ": "at+jwt"}
    return jwt.encode(_fresh_claims(sandbox, **changes), key, algorithm="RS256", headers=headers)


def _signed(sandbox: Sandbox, typ: str = "at+jwt", **changes: Any) -> str:
    return sandbox.instance.key.sign(_fresh_claims(sandbox, **changes), typ=typ)


NOW = int(time.time())
FORMAT = "The token needs to be in JWS or JWE Compact Serialization Format."
INSTANCE_401S: dict[str, tuple[Any, str]] = {
    "no dots": (
        lambda sb: "not-a-token",
        f"IDX14100: JWT is not well formed, there are no dots (.). {FORMAT}",
    ),
    "one dot": (
        lambda sb: "abc.def",
        f"IDX14120: JWT is not well formed, there is only one dot (.). {FORMAT}",
    ),
    "three dots": (
        lambda sb: "a.b.c.d",
        f"IDX14121: JWT is not a well formed JWE, there must be four dots (.). {FORMAT}",
    ),
    "bad header": (lambda sb: "%%%.e30.sig", "IDX14102: Unable to decode the header '"),
    "tampered": (lambda sb: _tampered(_signed(sb)), "The signature is invalid"),
    "alg none": (lambda sb: _alg_none(_signed(sb)), "The signature is invalid"),
    "unknown key": (lambda sb: _foreign(sb), "The signature key was not found"),
    "unknown key, expired": (
        lambda sb: _foreign(sb, exp=NOW - 120),
        f"The token expired at '{dotnet_time(NOW - 120)}'",
    ),
    "unknown key, foreign issuer": (
        lambda sb: _foreign(sb, iss="https://id.example/id"),
        "The issuer 'https://id.example/id' is invalid",
    ),
    "expired": (
        lambda sb: _signed(sb, exp=NOW - 60),
        f"The token expired at '{dotnet_time(NOW - 60)}'",
    ),
    "not yet valid": (
        lambda sb: _signed(sb, nbf=NOW + 900),
        f"The token is not valid before '{dotnet_time(NOW + 900)}'",
    ),
    "no exp": (lambda sb: _signed(sb, exp=None), "The token has no expiration"),
    "audience": (
        lambda sb: _signed(sb, aud="SomeOtherAPI"),
        "The audience 'SomeOtherAPI' is invalid",
    ),
    "no audience": (lambda sb: _signed(sb, aud=None), "The audience '(null)' is invalid"),
    "issuer": (lambda sb: _signed(sb, iss=f"{sb.url}/id/"), "The issuer '{url}/id/' is invalid"),
}


@pytest.mark.parametrize("case", list(INSTANCE_401S))
def test_the_instance_api_words_each_failure_like_jwtbearer(
    http: httpx.Client, sandbox: Sandbox, case: str
) -> None:
    make, description = INSTANCE_401S[case]
    resp = http.get(CUSTOMERS, headers={"Authorization": f"Bearer {make(sandbox)}"})
    assert resp.status_code == 401 and resp.content == b""
    expected = refused(description.replace("{url}", sandbox.url))
    assert resp.headers["www-authenticate"].startswith(expected.rstrip('"')), resp.headers


def test_a_failure_jwtbearer_does_not_word_has_no_description(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    resp = http.get(CUSTOMERS, headers={"Authorization": f"Bearer {_signed(sandbox, typ='JWT')}"})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    jwe = "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"  # encrypted: this API holds no decryption key
    resp = http.get(CUSTOMERS, headers={"Authorization": f"Bearer {jwe}"})
    assert resp.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_an_issuer_that_could_break_the_header_is_quoted(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    token = _signed(sandbox, iss='https://evil.example/"id\\\r\nX-Injected: 1')
    resp = http.get(CUSTOMERS, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and "x-injected" not in resp.headers
    assert resp.headers["www-authenticate"] == refused(
        "The issuer 'https://evil.example/\\\"id\\\\??X-Injected: 1' is invalid"
    )


def test_no_token_is_a_bare_challenge(http: httpx.Client) -> None:
    resp = http.get(CUSTOMERS)
    assert resp.status_code == 401 and resp.content == b""
    assert resp.headers["www-authenticate"] == "Bearer"


# -- the catalog: every profile loads, and the CLI lists and uses the new ones ------------------


def test_every_demo_profile_is_a_valid_profile(sandbox: Sandbox) -> None:
    catalog = demo_catalog(sandbox.url)
    assert {d.name for d in catalog} >= API_CASES
    for d in catalog:
        assert d.name.startswith("demo-") and d.description and "\n" not in d.description
        assert len(d.description) <= 100, d.name
        profile = to_profile(d)
        validate(profile)
        assert profile.api == (d.api_url or f"{sandbox.url}/api/domain/odata/")
        assert profile.probe.path == (d.probe_path or FIRST_CALL)
    for name in API_CASES:
        assert demo(sandbox, name).expected_error  # says what goes wrong


def test_print_profiles_lists_the_api_cases_and_they_get_tokens(cli: Any, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    r = cli("demo", "--port", port, "--print-profiles")
    assert r.code == 0, r.err
    listed = {line.split()[0] for line in r.out.splitlines() if line.startswith("demo-")}
    assert listed >= API_CASES
    summaries = {
        p["name"]: p for p in json.loads(cli("profiles", "list", "--json").out)["profiles"]
    }
    assert (
        summaries["demo-api-clock-behind"]["api"]
        == f"{sandbox.url}/cases/clock-behind/api/domain/odata/"
    )
    assert (
        summaries["demo-api-business-error"]["probe"]["path"]
        == "Crm_Sales_Customers?$filter=Name eq Acme"
    )
    for name in sorted(API_CASES):
        r = cli("token", "--profile", name, "-q")
        assert r.code == 0 and r.out.count(".") == 2, (name, r.err)


def test_the_banner_shows_where_each_case_points(sandbox: Sandbox) -> None:
    from tokenlab.sandbox import banner

    text = banner(sandbox)
    assert f"api {sandbox.url}/cases/stale-keys/api/domain/odata/" in text
    assert "probe Crm_Sales_Customer?$top=1" in text
    assert "api http://127.0.0.1:1/api/domain/odata/" in text
