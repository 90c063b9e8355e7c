"""The test provider's resource server, over real HTTP: jose-style 401s and failed requests.

``idp.jose_api_url`` is the Domain API behind jose-based Node middleware (express-oauth2-jwt-bearer
style): its 401s carry jose's own error messages, JSON-quoted. Both it and the platform-shaped
``idp.api_url`` answer a 403 for ``Systems_Security_Users`` (authenticated, not allowed), a 404 for
an unknown entity set and a 500 business error for a bad ``$filter``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.idp.fixtures import FORBIDDEN_ENTITY_SET, TestProvider

pytestmark = pytest.mark.idp


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


@pytest.fixture(scope="module")
def service_token(idp: TestProvider) -> str:
    client = idp.clients["service_basic"]
    resp = httpx.post(
        idp.token_endpoint,
        data={"grant_type": "client_credentials", "scope": "read update"},
        auth=(client.client_id, client.secret or ""),
    )
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["access_token"]
    return token


def get(http: httpx.Client, url: str, token: str | None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http.get(url, headers={"Accept": "application/json", **headers})


def jose_refusal(message: str) -> str:
    """What the middleware writes: the message JSON-quoted (so jose's quotes are escaped)."""
    return f'Bearer realm="api", error="invalid_token", error_description={json.dumps(message)}'


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = ["read", "update", "admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


# -- jose-style 401s ------------------------------------------------------------------------------


def test_jose_api_accepts_a_good_token(
    idp: TestProvider, http: httpx.Client, service_token: str
) -> None:
    resp = get(http, f"{idp.jose_api_url}Crm_Sales_Customers?$top=1", service_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["@odata.context"].startswith(idp.jose_api_url)
    assert len(resp.json()["value"]) == 1


def test_jose_api_without_a_token(idp: TestProvider, http: httpx.Client) -> None:
    resp = get(http, f"{idp.jose_api_url}Crm_Sales_Customers", None)
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == 'Bearer realm="api"'


JOSE_401S: dict[str, tuple[Any, str]] = {
    "expired": (
        lambda idp, t: idp.mint_token(expires_in=-120),
        '"exp" claim timestamp check failed',
    ),
    "not yet valid": (
        lambda idp, t: idp.mint_token({"nbf": int(time.time()) + 3600}),
        '"nbf" claim timestamp check failed',
    ),
    "issuer": (
        lambda idp, t: idp.mint_token({"iss": "https://id.erp.net/id"}),
        'unexpected "iss" claim value',
    ),
    "trailing slash issuer": (
        lambda idp, t: idp.mint_token({"iss": idp.issuer + "/"}),
        'unexpected "iss" claim value',
    ),
    "audience": (
        lambda idp, t: idp.mint_token({"aud": "TableAPI"}),
        'unexpected "aud" claim value',
    ),
    "typ": (lambda idp, t: idp.mint_token(typ="JWT"), 'unexpected "typ" JWT header value'),
    "tampered": (lambda idp, t: tampered(t), "signature verification failed"),
    "unpublished key": (
        lambda idp, t: idp.mint_token(unpublished_key=True),
        "no applicable key found in the JSON Web Key Set",
    ),
    "not a JWT": (lambda idp, t: "not-a-jwt", "Invalid Compact JWS"),
    "reference token": (lambda idp, t: idp.reference_tokens.valid[0], "Invalid Compact JWS"),
}


@pytest.mark.parametrize("case", list(JOSE_401S))
def test_jose_api_reports_joses_own_error_message(
    idp: TestProvider, http: httpx.Client, service_token: str, case: str
) -> None:
    make, message = JOSE_401S[case]
    resp = get(http, f"{idp.jose_api_url}Crm_Sales_Customers", make(idp, service_token))
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == jose_refusal(message)
    assert resp.json() == {"error": "invalid_token", "error_description": message}


def test_unpublished_key_is_refused_by_the_platform_api_too(
    idp: TestProvider, http: httpx.Client
) -> None:
    token = idp.mint_token(unpublished_key=True)
    resp = get(http, f"{idp.api_url}Crm_Sales_Customers", token)
    assert resp.status_code == 401 and "key this instance does not know" in resp.text


def test_jose_api_insufficient_scope(idp: TestProvider, http: httpx.Client) -> None:
    token = idp.mint_token({"scope": ["update"]})
    resp = get(http, f"{idp.jose_api_url}Crm_Sales_Customers", token)
    assert resp.status_code == 403
    assert resp.headers["www-authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="Insufficient Scope", scope="read"'
    )


# -- failed requests after the token was accepted (both APIs) ------------------------------------


@pytest.fixture(params=["platform", "jose"])
def api_url(request: pytest.FixtureRequest, idp: TestProvider) -> str:
    return idp.api_url if request.param == "platform" else idp.jose_api_url


def business_body(resp: httpx.Response) -> dict[str, str]:
    assert resp.headers["content-type"].startswith("application/json")
    body: dict[str, str] = resp.json()
    assert set(body) == {"message", "code", "type", "info"}
    return body


def test_403_for_a_token_that_passed_every_check(
    http: httpx.Client, service_token: str, api_url: str
) -> None:
    assert get(http, f"{api_url}Crm_Sales_Customers", service_token).status_code == 200
    resp = get(http, f"{api_url}{FORBIDDEN_ENTITY_SET}?$top=1", service_token)
    assert resp.status_code == 403
    assert "www-authenticate" not in resp.headers  # not about the token
    body = business_body(resp)
    assert body["code"] == "AccessDenied"
    assert body["message"] == (
        f"The user 'TestSystemUser' has no permission to read '{FORBIDDEN_ENTITY_SET}'."
    )


def test_404_for_an_entity_set_that_does_not_exist(
    http: httpx.Client, service_token: str, api_url: str
) -> None:
    resp = get(http, f"{api_url}Crm_Sales_Customer?$top=1", service_token)
    assert resp.status_code == 404
    body = business_body(resp)
    assert body["code"] == "NotFound" and "Crm_Sales_Customer" in body["message"]


def test_500_business_error_for_a_bad_filter(
    http: httpx.Client, service_token: str, api_url: str
) -> None:
    resp = get(http, f"{api_url}Crm_Sales_Customers?$filter=Name eq Acme", service_token)
    assert resp.status_code == 500
    body = business_body(resp)
    assert body["code"] == "InvalidFilter" and "Name eq Acme" in body["message"]
    good = get(http, f"{api_url}Crm_Sales_Customers?$filter=Number eq 'C0002'", service_token)
    assert [row["Name"] for row in good.json()["value"]] == ["Globex Corp"]


def test_the_provider_still_starts_fast(idp: TestProvider) -> None:
    assert idp.startup_seconds < 2.0
