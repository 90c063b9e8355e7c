"""The Domain API, reference tokens, revocation and introspection."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import pytest

from tests.sandbox_fixtures import authorize_url, sign_in, token_request
from tests.support.pkce import pkce_pair
from tokenlab.sandbox import (
    DEMO_REFERENCE_TOKEN,
    DEMO_REVOKED_REFERENCE_TOKEN,
    DEMO_SECRETS,
    Sandbox,
)

CUSTOMERS = "/api/domain/odata/Crm_Sales_Customers"
SERVICE = ("com.tokenlab.demo/service-app", DEMO_SECRETS["com.tokenlab.demo/service-app"])
READER = ("com.tokenlab.demo/read-only", DEMO_SECRETS["com.tokenlab.demo/read-only"])
WEB = ("com.tokenlab.demo/web-app", DEMO_SECRETS["com.tokenlab.demo/web-app"])


def service_token(http: httpx.Client, sb: Sandbox, scope: str = "read update", auth=SERVICE) -> str:
    resp = token_request(http, sb, {"grant_type": "client_credentials", "scope": scope}, auth=auth)
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def challenge(resp: httpx.Response) -> str:
    return resp.headers["www-authenticate"]


def test_first_api_call_returns_customers_and_honours_top(http, sandbox):
    token = service_token(http, sandbox)
    resp = http.get(CUSTOMERS, params={"$top": "3"}, headers=bearer(token))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["@odata.context"].startswith(f"{sandbox.url}/api/domain/odata/")
    assert len(body["value"]) == 3
    assert {"Id", "Number", "Name"} <= set(body["value"][0])
    assert len(http.get(CUSTOMERS, headers=bearer(token)).json()["value"]) > 10


def test_filter_and_select(http, sandbox):
    token = service_token(http, sandbox)
    resp = http.get(
        CUSTOMERS, params={"$filter": "Number eq 'C0002'", "$select": "Name"}, headers=bearer(token)
    )
    assert resp.json()["value"] == [{"Name": "Blue River Foods"}]


def test_no_token_is_401_without_an_error_code(http):
    resp = http.get(CUSTOMERS)
    assert resp.status_code == 401
    assert challenge(resp) == "Bearer"


def test_tampered_token_is_401_invalid_signature(http, sandbox):
    token = service_token(http, sandbox, "read")
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = ["read", "update"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    resp = http.get(CUSTOMERS, headers=bearer(f"{header}.{forged}.{sig}"))
    assert resp.status_code == 401
    assert 'error="invalid_token"' in challenge(resp) and "signature" in challenge(resp)


def test_garbage_token_is_401_with_the_identitymodel_message(http):
    resp = http.get(CUSTOMERS, headers=bearer("not-a-token"))
    assert resp.status_code == 401
    assert challenge(resp).startswith(
        'Bearer error="invalid_token", error_description="IDX14100: JWT is not well formed, '
        "there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format."
    )


def test_expired_token_is_401_expired(isolated_sandbox):
    sb = isolated_sandbox
    with httpx.Client(base_url=sb.url) as http:
        token = service_token(http, sb)
        assert http.get(CUSTOMERS, headers=bearer(token)).status_code == 200
        sb.clock.advance(3601)
        resp = http.get(CUSTOMERS, headers=bearer(token))
    assert resp.status_code == 401
    assert 'error="invalid_token"' in challenge(resp) and "expired" in challenge(resp)


def test_token_signed_by_an_unknown_key_is_401(http, sandbox):
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = jwt.decode(service_token(http, sandbox), options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "other", "typ": "at+jwt"})
    resp = http.get(CUSTOMERS, headers=bearer(forged))
    assert resp.status_code == 401
    assert challenge(resp) == (
        'Bearer error="invalid_token", error_description="The signature key was not found"'
    )


def _user_tokens(http, sb, scope):
    verifier, code_challenge = pkce_pair()
    url = authorize_url(
        sb.url, WEB[0], "http://127.0.0.1:4000/callback", scope, code_challenge, nonce="n",
        response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        code = sign_in(browser, url).params["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": "http://127.0.0.1:4000/callback",
    }
    resp = token_request(http, sb, data, auth=WEB)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_identity_only_token_has_the_wrong_audience(http, sandbox):
    tokens = _user_tokens(http, sandbox, "openid profile")
    resp = http.get(CUSTOMERS, headers=bearer(tokens["access_token"]))
    assert resp.status_code == 401 and "audience" in challenge(resp)


def test_sending_the_id_token_is_401_for_its_audience(http, sandbox):
    tokens = _user_tokens(http, sandbox, "openid read")
    assert http.get(CUSTOMERS, headers=bearer(tokens["access_token"])).status_code == 200
    resp = http.get(CUSTOMERS, headers=bearer(tokens["id_token"]))
    assert resp.status_code == 401  # an id_token's audience is the client: JwtBearer says so
    assert f"The audience '{WEB[0]}' is invalid" in challenge(resp)


def test_missing_read_scope_is_403_insufficient_scope(http, sandbox):
    token = service_token(http, sandbox, "update")
    resp = http.get(CUSTOMERS, headers=bearer(token))
    assert resp.status_code == 403
    assert 'error="insufficient_scope"' in challenge(resp) and 'scope="read"' in challenge(resp)


def test_writes_need_update(http, sandbox):
    read_only = service_token(http, sandbox, "read", auth=READER)
    resp = http.post(CUSTOMERS, json={"Name": "New Co"}, headers=bearer(read_only))
    assert resp.status_code == 403 and 'scope="update"' in challenge(resp)
    token = service_token(http, sandbox)
    created = http.post(CUSTOMERS, json={"Name": "New Co"}, headers=bearer(token))
    assert created.status_code == 201, created.text
    entity = f"{CUSTOMERS}({created.json()['Id']})"
    assert http.patch(entity, json={"Name": "Renamed"}, headers=bearer(token)).status_code == 204
    assert http.get(entity, headers=bearer(token)).json()["Name"] == "Renamed"
    assert http.delete(entity, headers=bearer(read_only)).status_code == 403
    assert http.delete(entity, headers=bearer(token)).status_code == 204


def test_business_errors_use_the_platform_shape(http, sandbox):
    token = service_token(http, sandbox)
    bad = http.get(CUSTOMERS, params={"$filter": "Name eq"}, headers=bearer(token))
    assert bad.status_code == 500
    assert set(bad.json()) == {"message", "code", "type", "info"}
    unknown = http.get("/api/domain/odata/Crm_Nothing", headers=bearer(token))
    assert unknown.status_code == 404 and "Crm_Nothing" in unknown.json()["message"]


def test_browser_route_redirects_to_the_sign_in_page(http, sandbox):
    token = service_token(http, sandbox)
    resp = http.get("/api/legacy/customers", headers=bearer(token))
    assert resp.status_code == 302
    location = resp.headers["location"]
    assert location.startswith("/id/account/login?ReturnUrl=")
    page = http.get(location)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "password" in page.text
    assert http.get("/ui/").status_code == 302


# -- reference tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Authorization", "X-Api-Key"])
def test_reference_token_in_either_header(http, header):
    value = f"Bearer {DEMO_REFERENCE_TOKEN}" if header == "Authorization" else DEMO_REFERENCE_TOKEN
    resp = http.get(CUSTOMERS, params={"$top": "1"}, headers={header: value})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["value"]) == 1


@pytest.mark.parametrize("header", ["Authorization", "X-Api-Key"])
def test_revoked_reference_token_is_401(http, header):
    value = (
        f"Bearer {DEMO_REVOKED_REFERENCE_TOKEN}"
        if header == "Authorization"
        else DEMO_REVOKED_REFERENCE_TOKEN
    )
    resp = http.get(CUSTOMERS, headers={header: value})
    assert resp.status_code == 401 and "revoked" in challenge(resp)


def test_both_headers_at_once_is_400(http):
    resp = http.get(
        CUSTOMERS,
        headers={
            "Authorization": f"Bearer {DEMO_REFERENCE_TOKEN}",
            "X-Api-Key": DEMO_REFERENCE_TOKEN,
        },
    )
    assert resp.status_code == 400
    assert "one header" in resp.json()["message"]


def test_api_key_takes_only_reference_tokens(http, sandbox):
    resp = http.get(CUSTOMERS, headers={"X-Api-Key": service_token(http, sandbox)})
    assert resp.status_code == 401


# -- revocation and introspection ------------------------------------------------------------


def introspect(http, sb, token, auth=SERVICE):
    resp = http.post("/id/connect/introspect", data={"token": token}, auth=auth)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_introspection_of_access_and_reference_tokens(http, sandbox):
    info = introspect(http, sandbox, service_token(http, sandbox, "read"))
    assert info["active"] is True and info["scope"] == "read"
    assert info["client_id"] == SERVICE[0] and info["iss"] == f"{sandbox.url}/id"
    assert introspect(http, sandbox, "junk") == {"active": False}
    assert introspect(http, sandbox, DEMO_REFERENCE_TOKEN)["active"] is True
    assert introspect(http, sandbox, DEMO_REVOKED_REFERENCE_TOKEN) == {"active": False}
    unauthenticated = http.post("/id/connect/introspect", data={"token": "junk"})
    assert unauthenticated.status_code in (400, 401)


def test_revoking_a_refresh_token(http, sandbox):
    refresh = _user_tokens(http, sandbox, "openid offline_access read")["refresh_token"]
    assert introspect(http, sandbox, refresh, auth=WEB)["active"] is True
    assert introspect(http, sandbox, refresh, auth=SERVICE)["active"] is False  # not its token
    resp = http.post(
        "/id/connect/revocation",
        data={"token": refresh, "token_type_hint": "refresh_token"},
        auth=WEB,
    )
    assert resp.status_code == 200
    assert introspect(http, sandbox, refresh, auth=WEB)["active"] is False
    data = {"grant_type": "refresh_token", "refresh_token": refresh}
    assert token_request(http, sandbox, data, auth=WEB).json()["error"] == "invalid_grant"


def test_revoking_a_reference_token(http, sandbox):
    ref = sandbox.add_reference_token(scopes=("read",))
    assert http.get(CUSTOMERS, headers={"X-Api-Key": ref.token}).status_code == 200
    assert (
        http.post("/id/connect/revocation", data={"token": ref.token}, auth=SERVICE).status_code
        == 200
    )
    resp = http.get(CUSTOMERS, headers={"X-Api-Key": ref.token})
    assert resp.status_code == 401 and "revoked" in challenge(resp)
    assert introspect(http, sandbox, ref.token)["active"] is False
