"""The sandbox seen from outside: discovery, client credentials, demo catalog, startup."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.sandbox_fixtures import authorize_url, sign_in, token_request
from tests.support.pkce import pkce_pair, random_value
from tokenlab.sandbox import (
    DEMO_SECRETS,
    DEMO_USER,
    DemoProfile,
    Sandbox,
    TrustedApplication,
    demo_catalog,
    hash_secret,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "com.tokenlab.demo/service-app"
SERVICE_SECRET = DEMO_SECRETS[SERVICE]


def jwks_keys(http: httpx.Client, authority: str = "/id") -> dict[str, jwt.PyJWK]:
    doc = http.get(f"{authority}/.well-known/openid-configuration").json()
    keys = httpx.get(doc["jwks_uri"]).json()["keys"]
    return {k["kid"]: jwt.PyJWK(k) for k in keys}


def verify(http: httpx.Client, token: str, authority: str = "/id", **kw: object) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwks_keys(http, authority)[kid]
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False}, **kw)


def client_credentials(http: httpx.Client, sb: Sandbox, **data: str) -> httpx.Response:
    return token_request(
        http, sb, {"grant_type": "client_credentials", **data}, auth=(SERVICE, SERVICE_SECRET)
    )


# -- discovery --------------------------------------------------------------------------------


def test_discovery_document_describes_the_instance_identity_service(http, sandbox):
    resp = http.get("/id/.well-known/openid-configuration")
    assert resp.status_code == 200
    doc = resp.json()
    base = sandbox.url
    assert doc["issuer"] == f"{base}/id"
    assert doc["jwks_uri"] == f"{base}/id/.well-known/openid-configuration/jwks"
    assert doc["authorization_endpoint"] == f"{base}/id/connect/authorize"
    assert doc["token_endpoint"] == f"{base}/id/connect/token"
    assert doc["end_session_endpoint"] == f"{base}/id/connect/endsession"
    assert doc["revocation_endpoint"] == f"{base}/id/connect/revocation"
    assert doc["introspection_endpoint"] == f"{base}/id/connect/introspect"
    assert doc["device_authorization_endpoint"] == f"{base}/id/connect/deviceauthorization"
    assert doc["userinfo_endpoint"] == f"{base}/id/connect/userinfo"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["response_types_supported"]) == {"code", "code id_token"}
    assert "form_post" in doc["response_modes_supported"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    assert "urn:ietf:params:oauth:grant-type:device_code" in doc["grant_types_supported"]
    assert "max-age=" in resp.headers["cache-control"]
    date = resp.headers["date"]
    assert (
        abs(
            time.mktime(time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT"))
            - time.mktime(time.gmtime())
        )
        < 60
    )


def test_jwks_publishes_the_signing_key_and_tokens_verify_with_it(http, sandbox):
    resp = http.get("/id/.well-known/openid-configuration/jwks")
    assert resp.status_code == 200
    assert "max-age=" in resp.headers["cache-control"]
    (key,) = resp.json()["keys"]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert key["kid"] and "d" not in key  # public half only
    token = client_credentials(http, sandbox).json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": key["kid"], "typ": "at+jwt"}
    jwt.decode(token, jwt.PyJWK(key), algorithms=["RS256"], audience="DomainAPI")


def test_global_authority_is_a_separate_issuer_with_its_own_key(http, sandbox):
    doc = http.get("/global/id/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{sandbox.url}/global/id"
    assert doc["token_endpoint"] == f"{sandbox.url}/global/id/connect/token"
    assert set(jwks_keys(http, "/global/id")).isdisjoint(jwks_keys(http, "/id"))


@pytest.mark.parametrize("path", ["/sys/auto-discovery", "/tools/auto-discovery"])
def test_auto_discovery_points_at_identity_and_domain_api(http, sandbox, path):
    resp = http.get(path)
    assert resp.status_code == 200
    sites = {site["Type"]: site for site in resp.json()["WebSites"]}
    assert sites["ID"]["URL"] == f"{sandbox.url}/id"
    root = sites["DomainAPI"]["AdditionalProperties"]["ODataServiceRoot"]
    assert root == f"{sandbox.url}/api/domain/odata/"


# -- client credentials -----------------------------------------------------------------------


def test_client_credentials_with_basic_auth_gives_a_service_token(http, sandbox):
    resp = client_credentials(http, sandbox, scope="read update")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read update"
    assert "refresh_token" not in body
    claims = verify(http, body["access_token"])
    assert claims["iss"] == f"{sandbox.url}/id"
    assert "DomainAPI" in claims["aud"]
    assert claims["scope"] == ["read", "update"]
    assert claims["client_id"] == SERVICE
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["client_system_user"] == "sandbox-service"
    for name in ("nbf", "jti", "client_db", "client_system_user_type", "client_system_user_id"):
        assert name in claims
    assert "sub" not in claims


def test_client_credentials_with_post_auth_and_no_scope_gets_all_allowed_scopes(http, sandbox):
    data = {
        "grant_type": "client_credentials",
        "client_id": SERVICE,
        "client_secret": SERVICE_SECRET,
    }
    resp = token_request(http, sandbox, data)
    assert resp.status_code == 200, resp.text
    assert verify(http, resp.json()["access_token"])["scope"] == ["read", "update"]


def test_client_credentials_refuses_protocol_scopes(http, sandbox):
    resp = client_credentials(http, sandbox, scope="openid read")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_scope"
    assert "openid" in resp.json()["error_description"]


def test_secret_is_stored_as_base64_sha256(sandbox):
    expected = base64.b64encode(hashlib.sha256(SERVICE_SECRET.encode()).digest()).decode()
    assert sandbox.apps[SERVICE].secret_hash == expected == hash_secret(SERVICE_SECRET)


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        ({"grant_type": "password"}, (SERVICE, SERVICE_SECRET), 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, None, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": SERVICE}, None, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, (SERVICE, "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("com.nobody/app", "x"), 401, "invalid_client"),
    ],
    ids=["unknown-grant", "no-client", "no-secret", "wrong-secret", "unknown-app"],
)
def test_token_endpoint_errors(http, sandbox, data, auth, status, error):
    resp = (
        token_request(http, sandbox, data, auth=auth)
        if auth
        else token_request(http, sandbox, data)
    )
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == error
    assert resp.headers["cache-control"] == "no-store"


def _assertion(
    client_id: str, key: object, aud: str, *, jti: str | None = None, alg="RS256"
) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=alg)


@pytest.fixture
def key_app(sandbox):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app = sandbox.register(
        TrustedApplication(
            f"com.test/jwt-{uuid.uuid4().hex[:8]}",
            system_user_allowed=True,
            system_user="jwt-user",
            public_key=pem.decode(),
        )
    )
    return app, key


def _jwt_auth(http, sandbox, client_id, assertion):
    data = {
        "grant_type": "client_credentials",
        "scope": "read",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    return token_request(http, sandbox, data)


def test_private_key_jwt_authenticates_a_registered_public_key(http, sandbox, key_app):
    app, key = key_app
    token_url = f"{sandbox.url}/id/connect/token"
    assertion = _assertion(app.client_id, key, token_url)
    resp = _jwt_auth(http, sandbox, app.client_id, assertion)
    assert resp.status_code == 200, resp.text
    assert verify(http, resp.json()["access_token"])["client_id"] == app.client_id
    # single-use jti
    again = _jwt_auth(http, sandbox, app.client_id, assertion)
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")
    assert "jti" in again.json()["error_description"]
    # the issuer is an accepted audience too
    assert (
        _jwt_auth(
            http, sandbox, app.client_id, _assertion(app.client_id, key, f"{sandbox.url}/id")
        ).status_code
        == 200
    )


def test_private_key_jwt_rejects_wrong_key_and_wrong_audience(http, sandbox, key_app):
    app, key = key_app
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token_url = f"{sandbox.url}/id/connect/token"
    bad_sig = _jwt_auth(http, sandbox, app.client_id, _assertion(app.client_id, other, token_url))
    assert (bad_sig.status_code, bad_sig.json()["error"]) == (401, "invalid_client")
    bad_aud = _jwt_auth(
        http, sandbox, app.client_id, _assertion(app.client_id, key, "https://elsewhere")
    )
    assert (bad_aud.status_code, bad_aud.json()["error"]) == (401, "invalid_client")
    assert "aud" in bad_aud.json()["error_description"]


def test_private_key_jwt_with_an_ec_jwk(http, sandbox):
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    app = sandbox.register(
        TrustedApplication(
            "com.test/jwt-ec", system_user_allowed=True, system_user="u", public_key=jwk
        )
    )
    assertion = _assertion(app.client_id, key, f"{sandbox.url}/id/connect/token", alg="ES256")
    assert _jwt_auth(http, sandbox, app.client_id, assertion).status_code == 200


# -- the demo catalog ------------------------------------------------------------------------


def _catalog(sandbox: Sandbox) -> dict[str, DemoProfile]:
    return {p.name: p for p in demo_catalog(sandbox.url)}


def test_catalog_has_the_promised_profiles(sandbox):
    catalog = _catalog(sandbox)
    assert set(catalog) == {
        "demo-service-app", "demo-web-app", "demo-spa", "demo-portal", "demo-automation",
        "demo-disabled", "demo-no-system-user", "demo-scope-not-allowed",
        "demo-redirect-mismatch", "demo-global-authority",
        "demo-api-clock-behind", "demo-api-clock-ahead", "demo-api-wrong-audience",
        "demo-api-wrong-issuer", "demo-api-stale-keys", "demo-api-unexplained",
        "demo-api-forbidden", "demo-api-not-found", "demo-api-business-error", "demo-api-refused",
        "demo-api-flaky-node",
        "demo-admin",
    }  # fmt: skip
    for p in catalog.values():
        assert p.scenario in {"web-app", "spa", "web-portal", "service-app", "automation"}
        assert p.instance == sandbox.url
        assert "\n" not in p.description and p.description
    assert catalog["demo-global-authority"].authority == f"{sandbox.url}/global/id"
    assert catalog["demo-scope-not-allowed"].scopes.count("update") == 1
    with pytest.raises(AttributeError):
        catalog["demo-spa"].name = "x"  # type: ignore[misc]


def _get_token(http: httpx.Client, sandbox: Sandbox, p: DemoProfile) -> httpx.Response:
    """What tokenlab would do for the profile (the interactive part scripted)."""
    authority = (p.authority or f"{p.instance}/id").removeprefix(sandbox.url)
    api_scopes = " ".join(s for s in p.scopes if s in ("read", "update"))
    auth = (p.client_id, p.public_secret) if p.auth_method == "client_secret_basic" else None
    if p.scenario == "service-app":
        data = {"grant_type": "client_credentials", "scope": api_scopes}
        return token_request(http, sandbox, data, authority=authority, auth=auth)
    verifier, challenge = pkce_pair()
    scopes = "openid profile" if p.scenario == "web-portal" else " ".join(p.scopes)
    url = authorize_url(
        sandbox.url, p.client_id, p.redirect_uri.replace("127.0.0.1", "127.0.0.1:49152"),
        scopes, challenge, state=random_value(), nonce=random_value(),
        response_type="code id_token" if p.scenario == "web-app" else "code",
        response_mode="form_post" if p.scenario == "web-app" else None,
        authority=authority,
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    if result.mode == "error_page":
        return httpx.Response(400, json=result.params)
    assert "code" in result.params, result.params
    data = {
        "grant_type": "authorization_code",
        "code": result.params["code"],
        "redirect_uri": result.target,
        "code_verifier": verifier,
        "client_id": p.client_id,
    }
    if p.auth_method == "client_secret_post":
        data["client_secret"] = p.public_secret
    resp = token_request(http, sandbox, data, authority=authority, auth=auth)
    if p.scenario == "web-portal":
        assert resp.status_code == 200, resp.text
        data = {"grant_type": "client_credentials", "scope": api_scopes}
        resp = token_request(http, sandbox, data, authority=authority, auth=auth)
    return resp


def _first_call(http: httpx.Client, token: str) -> httpx.Response:
    return http.get(
        "/api/domain/odata/Crm_Sales_Customers",
        params={"$top": "10"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


@pytest.mark.parametrize(
    "name", ["demo-service-app", "demo-web-app", "demo-spa", "demo-portal", "demo-automation"]
)
def test_working_profiles_reach_the_domain_api(http, sandbox, name):
    p = _catalog(sandbox)[name]
    assert p.expected_error is None
    if p.scenario == "automation":
        token = p.reference_token
        assert token and token.startswith("enrt_")
    else:
        resp = _get_token(http, sandbox, p)
        assert resp.status_code == 200, resp.text
        token = resp.json()["access_token"]
    api = _first_call(http, token)
    assert api.status_code == 200, api.text
    assert len(api.json()["value"]) == 10


@pytest.mark.parametrize(
    ("name", "status", "error", "mentions"),
    [
        ("demo-disabled", 401, "invalid_client", "disabled"),
        ("demo-no-system-user", 400, "unauthorized_client", "SystemUser"),
        ("demo-scope-not-allowed", 400, "invalid_scope", "update"),
        ("demo-redirect-mismatch", 400, "invalid_redirect_uri", "http://127.0.0.1:49152/callback"),
    ],
)
def test_broken_profiles_fail_with_their_documented_error(
    http, sandbox, name, status, error, mentions
):
    p = _catalog(sandbox)[name]
    assert p.expected_error == error
    resp = _get_token(http, sandbox, p)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] == error
    assert mentions in resp.json()["error_description"]


def test_redirect_mismatch_is_never_redirected(http, sandbox):
    p = _catalog(sandbox)["demo-redirect-mismatch"]
    _, challenge = pkce_pair()
    resp = http.get(
        authorize_url(sandbox.url, p.client_id, p.redirect_uri, "openid read", challenge)
    )
    assert resp.status_code == 400
    assert "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert "invalid_redirect_uri" in resp.text


def test_global_authority_token_is_rejected_by_the_api_for_its_issuer(http, sandbox):
    p = _catalog(sandbox)["demo-global-authority"]
    resp = _get_token(http, sandbox, p)
    assert resp.status_code == 200, resp.text  # the global authority happily issues it...
    token = resp.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == p.authority
    api = _first_call(http, token)  # ...and the instance API refuses it
    assert api.status_code == 401
    # JwtBearer names the token's issuer only (not the one it expected)
    assert api.headers["www-authenticate"] == (
        f'Bearer error="invalid_token", error_description="The issuer \'{p.authority}\' is invalid"'
    )


def test_the_global_authority_also_signs_users_in(http, sandbox):
    p = _catalog(sandbox)["demo-global-authority"]
    _, challenge = pkce_pair()
    url = authorize_url(
        sandbox.url, p.client_id, "http://127.0.0.1:5000/callback", "openid profile read",
        challenge, authority="/global/id",
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.login_pages == 1 and "code" in result.params
    assert result.params["iss"] == f"{sandbox.url}/global/id"


# -- isolation, startup, the CLI entry point, HTTP plumbing ------------------------------------


def test_sandbox_imports_nothing_else_from_tokenlab():
    code = (
        "import sys, tokenlab.sandbox\n"
        "print([m for m in sys.modules if m.startswith('tokenlab.')"
        " and not m.startswith('tokenlab.sandbox')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    for source in (ROOT / "tokenlab" / "sandbox").glob("*.py"):
        text = source.read_text()
        assert "tokenlab.core" not in text and "from .." not in text, source


def test_start_time_is_well_under_a_second():
    began = time.perf_counter()
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    one_key = time.perf_counter() - began
    best = min(_time_start() for _ in range(3))
    print(f"\nsandbox start {best * 1000:.0f} ms; one RSA-2048 key {one_key * 1000:.0f} ms")
    assert best < 0.5


def _time_start() -> float:
    began = time.perf_counter()
    with Sandbox.running_in_thread(port=0) as sb:
        elapsed = time.perf_counter() - began
        assert httpx.get(f"{sb.url}/id/.well-known/openid-configuration").status_code == 200
    return elapsed


def test_serve_forever_prints_its_clients_and_stops_on_sigterm():
    code = "import sys; from tokenlab.sandbox import serve_forever; serve_forever(0, sys.stdout)"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        first = proc.stdout.readline()
        url = first.split(" at ")[1].strip()
        lines = [first]
        while not lines[-1].startswith("Press Ctrl-C"):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert httpx.get(f"{url}/id/.well-known/openid-configuration").status_code == 200
        assert DEMO_USER.password in text and "public demo value" in text
        for p in demo_catalog(url):
            assert p.name in text
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=5)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0
    assert "stopped" in rest


def _raw(sandbox: Sandbox, data: bytes) -> bytes:
    with socket.create_connection((sandbox.host, sandbox.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_http_plumbing_rejects_bad_requests(sandbox):
    assert _raw(sandbox, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400")
    big = b"POST /id/connect/token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"
    assert _raw(sandbox, big).startswith(b"HTTP/1.1 413")
    chunked = b"POST /id/connect/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert _raw(sandbox, chunked).startswith(b"HTTP/1.1 411")
    ok = _raw(sandbox, b"GET /sys/auto-discovery HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200") and b"\r\nDate: " in ok


def test_keep_alive_serves_several_requests_on_one_connection(sandbox):
    request = b"GET /sys/auto-discovery HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection((sandbox.host, sandbox.port), timeout=5) as sock:
        for _ in range(3):
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = int(
                next(x.split(b":")[1] for x in lines if x.lower().startswith(b"content-le"))
            )
            while len(body) < length:
                body += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200")


async def test_async_start_and_stop_on_the_callers_loop():
    sb = Sandbox(port=0)
    await sb.start()
    try:
        async with httpx.AsyncClient() as client:
            resp = await client.get(f"{sb.url}/id/.well-known/openid-configuration")
        assert resp.json()["issuer"] == f"{sb.url}/id"
    finally:
        await sb.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sb.url}/sys/auto-discovery")
