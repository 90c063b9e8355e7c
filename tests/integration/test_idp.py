"""Drive the test identity provider (tests/idp) with plain httpx, like a client would."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from tests.idp.fixtures import TestClient, TestProvider
from tests.idp.interact import (
    FormPost,
    InteractionError,
    SignInError,
    aapprove_device,
    acomplete_authorization,
    approve_device,
    complete_authorization,
    sign_out,
)
from tests.support.pkce import b64url, pkce_pair, random_value

pytestmark = pytest.mark.idp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT_URI = "http://127.0.0.1:53682/callback"  # any loopback port; nothing listens there


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def verify_access_token(idp: TestProvider, token: str, http: httpx.Client) -> dict[str, Any]:
    """Verify like a resource server: signature from jwks_uri, issuer, audience, typ."""
    discovery = http.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKSet.from_dict(http.get(discovery["jwks_uri"]).json())
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    verified: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=idp.audience, issuer=idp.issuer
    )
    return verified


def client_credentials(
    idp: TestProvider,
    http: httpx.Client,
    client: TestClient,
    scope: str | None = "read update",
    secret: str | None = None,
) -> httpx.Response:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return http.post(
        idp.token_endpoint, data=data, auth=(client.client_id, secret or client.secret or "")
    )


def authorize_url(idp: TestProvider, client: TestClient, challenge: str, **extra: str) -> str:
    params = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile read update",
        "state": random_value(),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{idp.authorization_endpoint}?{urlencode(params)}"


def callback_params(url: str) -> dict[str, str]:
    assert url.startswith(REDIRECT_URI), url
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def sign_in(idp: TestProvider, url: str) -> dict[str, str]:
    result = complete_authorization(url, idp.user.username, idp.user.password)
    assert isinstance(result, str)
    return callback_params(result)


def api_get(
    idp: TestProvider, http: httpx.Client, token: str | None, **headers: str
) -> httpx.Response:
    if token is not None:
        headers.setdefault("Authorization", f"Bearer {token}")
    return http.get(
        f"{idp.api_url}Crm_Sales_Customers",
        params={"$top": "1"},
        headers={"Accept": "application/json", **headers},
    )


# --- discovery and keys -------------------------------------------------------------------------


def test_discovery_looks_like_an_instance_authority(idp: TestProvider, http: httpx.Client) -> None:
    response = http.get(f"{idp.base_url}/id/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == idp.issuer
    assert idp.issuer.endswith("/id")
    assert doc["authorization_endpoint"] == f"{idp.issuer}/connect/authorize"
    assert doc["token_endpoint"] == f"{idp.issuer}/connect/token"
    assert doc["end_session_endpoint"] == f"{idp.issuer}/connect/endsession"
    assert doc["jwks_uri"] == f"{idp.issuer}/.well-known/openid-configuration/jwks"
    assert doc["device_authorization_endpoint"] == f"{idp.issuer}/connect/deviceauthorization"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"client_credentials", "refresh_token", DEVICE_GRANT} <= set(
        doc["grant_types_supported"]
    )
    assert {"read", "update", "openid", "profile", "offline_access"} <= set(doc["scopes_supported"])


def test_jwks_publishes_only_public_rsa_keys(idp: TestProvider, http: httpx.Client) -> None:
    doc = http.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    keys = http.get(doc["jwks_uri"]).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["kid"]
        assert "d" not in key


# --- client credentials ---------------------------------------------------------------------------


def test_client_credentials_basic(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["service_basic"]
    response = client_credentials(idp, http, client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read update"
    assert "refresh_token" not in body
    claims = verify_access_token(idp, body["access_token"], http)
    assert claims["client_id"] == client.client_id
    assert claims["scope"] == ["read", "update"]
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    assert claims["client_system_user"]
    assert idp.last_token_request(client.client_id)["auth_method"] == "client_secret_basic"


def test_client_credentials_post_is_recorded_as_post(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["service_post"]
    response = http.post(
        idp.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.secret,
            "scope": "read",
        },
    )
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["scope"] == ["read"]
    record = idp.last_token_request(client.client_id)
    assert record["auth_method"] == "client_secret_post"
    assert record["grant_type"] == "client_credentials"
    assert client.secret
    assert client.secret not in str(idp.token_requests())


def test_basic_client_may_also_post_its_secret(idp: TestProvider, http: httpx.Client) -> None:
    # The provider accepts either; only the record tells which one the client used.
    client = idp.clients["service_basic"]
    response = http.post(
        idp.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.secret,
        },
    )
    assert response.status_code == 200, response.text
    assert idp.last_token_request(client.client_id)["auth_method"] == "client_secret_post"


def test_private_key_jwt(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["service_jwt"]
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": idp.token_endpoint,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 60,
        },
        idp.private_key_path.read_bytes(),
        algorithm="RS256",
        headers={"kid": idp.private_key_kid},
    )
    response = http.post(
        idp.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "scope": "read update",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert verify_access_token(idp, token, http)["client_id"] == client.client_id
    assert idp.last_token_request(client.client_id)["auth_method"] == "private_key_jwt"
    assert api_get(idp, http, token).status_code == 200


def test_no_scope_gives_all_allowed_scopes(idp: TestProvider, http: httpx.Client) -> None:
    response = client_credentials(idp, http, idp.clients["service_basic"], scope=None)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["scope"] == ["read", "update"]


def test_scope_not_allowed_is_invalid_scope(idp: TestProvider, http: httpx.Client) -> None:
    response = client_credentials(idp, http, idp.clients["readonly"], scope="read update")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_protocol_scope_in_client_credentials_is_invalid_scope(
    idp: TestProvider, http: httpx.Client
) -> None:
    response = client_credentials(idp, http, idp.clients["service_basic"], scope="openid read")
    assert response.json()["error"] == "invalid_scope"


def test_wrong_secret_is_invalid_client(idp: TestProvider, http: httpx.Client) -> None:
    response = client_credentials(idp, http, idp.clients["service_basic"], secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unknown_client_is_invalid_client(idp: TestProvider, http: httpx.Client) -> None:
    response = http.post(
        idp.token_endpoint,
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=("com.test/nobody", "whatever"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_grant_not_registered_is_unauthorized_client(idp: TestProvider, http: httpx.Client) -> None:
    response = http.post(
        idp.token_endpoint,
        data={"grant_type": "client_credentials", "client_id": idp.clients["spa"].client_id},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_password_grant_is_unsupported(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["service_basic"]
    response = http.post(
        idp.token_endpoint,
        data={"grant_type": "password", "username": "u", "password": "p"},
        auth=(client.client_id, client.secret or ""),
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_public_client_sending_a_secret_is_rejected(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["spa"]
    response = http.post(
        idp.token_endpoint,
        data={"grant_type": "authorization_code", "code": "x", "code_verifier": "y"},
        auth=(client.client_id, "a-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert idp.last_token_request(client.client_id)["auth_method"] == "client_secret_basic"


# --- authorization code + PKCE -------------------------------------------------------------------


def exchange_code(
    idp: TestProvider, http: httpx.Client, client: TestClient, code: str, verifier: str
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": client.client_id,
    }
    if client.secret is None:  # public client: no authentication
        return http.post(idp.token_endpoint, data=data)
    return http.post(idp.token_endpoint, data=data, auth=(client.client_id, client.secret))


def test_web_client_code_flow_with_refresh_rotation(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    verifier, challenge = pkce_pair()
    url = authorize_url(idp, client, challenge, scope="openid profile offline_access read update")
    params = sign_in(idp, url)
    assert params["iss"] == idp.issuer
    assert params["state"] == parse_qs(urlsplit(url).query)["state"][0]

    response = exchange_code(idp, http, client, params["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = verify_access_token(idp, tokens["access_token"], http)
    assert claims["sub"] == idp.user.sub
    assert claims["client_id"] == client.client_id
    assert set(claims["scope"]) == {"read", "update"}
    assert claims_of(tokens["id_token"])["sub"] == idp.user.sub
    assert tokens["refresh_token"]
    assert api_get(idp, http, tokens["access_token"]).status_code == 200

    old_refresh = tokens["refresh_token"]
    refreshed = http.post(
        idp.token_endpoint,
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(client.client_id, client.secret or ""),
    )
    assert refreshed.status_code == 200, refreshed.text
    new_refresh = refreshed.json()["refresh_token"]
    assert new_refresh != old_refresh
    assert verify_access_token(idp, refreshed.json()["access_token"], http)["sub"] == idp.user.sub

    reused = http.post(
        idp.token_endpoint,
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(client.client_id, client.secret or ""),
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_userinfo_accepts_user_access_tokens(
    idp: TestProvider, http: httpx.Client, service_token: str
) -> None:
    client = idp.clients["spa"]
    verifier, challenge = pkce_pair()
    code = sign_in(idp, authorize_url(idp, client, challenge))["code"]
    token = exchange_code(idp, http, client, code, verifier).json()["access_token"]
    userinfo_url = http.get(idp.discovery_url).json()["userinfo_endpoint"]
    me = http.get(userinfo_url, headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["sub"] == idp.user.sub
    assert me.json()["preferred_username"] == idp.user.username
    service = http.get(userinfo_url, headers={"Authorization": f"Bearer {service_token}"})
    assert service.status_code == 403


def test_no_refresh_token_without_offline_access(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    verifier, challenge = pkce_pair()
    params = sign_in(idp, authorize_url(idp, client, challenge))
    tokens = exchange_code(idp, http, client, params["code"], verifier).json()
    assert tokens["access_token"]
    assert "refresh_token" not in tokens


def test_web_client_hybrid_form_post(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    verifier, challenge = pkce_pair()
    nonce = random_value()
    url = authorize_url(
        idp,
        client,
        challenge,
        response_type="code id_token",
        response_mode="form_post",
        nonce=nonce,
    )
    result = complete_authorization(url, idp.user.username, idp.user.password)
    assert isinstance(result, FormPost)
    assert result.action == REDIRECT_URI
    assert {"code", "state", "id_token"} <= set(result.fields)
    assert claims_of(result.fields["id_token"])["nonce"] == nonce

    response = http.post(
        idp.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": result.fields["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": client.client_id,
            "client_secret": client.secret,
        },
    )
    assert response.status_code == 200, response.text
    assert idp.last_token_request(client.client_id)["auth_method"] == "client_secret_post"


def test_spa_public_code_flow(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["spa"]
    verifier, challenge = pkce_pair()
    params = sign_in(idp, authorize_url(idp, client, challenge))
    response = exchange_code(idp, http, client, params["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert "refresh_token" not in tokens
    assert verify_access_token(idp, tokens["access_token"], http)["client_id"] == client.client_id
    assert idp.last_token_request(client.client_id)["auth_method"] == "none"


def test_pkce_wrong_verifier_is_invalid_grant(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    params = sign_in(idp, authorize_url(idp, client, challenge))
    response = exchange_code(idp, http, client, params["code"], other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_authorize_without_pkce_is_rejected(idp: TestProvider) -> None:
    client = idp.clients["web"]
    url = authorize_url(idp, client, "x")
    url = url.replace("code_challenge=x&code_challenge_method=S256", "")
    result = complete_authorization(url, idp.user.username, idp.user.password)
    assert isinstance(result, str)
    assert callback_params(result)["error"] == "invalid_request"


def test_wrong_password_is_rejected(idp: TestProvider) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(idp, idp.clients["web"], challenge)
    with pytest.raises(SignInError, match="Invalid username or password"):
        complete_authorization(url, idp.user.username, "wrong-password")


def test_denied_consent_returns_access_denied(idp: TestProvider) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(idp, idp.clients["web"], challenge)
    result = complete_authorization(url, idp.user.username, idp.user.password, allow=False)
    assert isinstance(result, str)
    assert callback_params(result)["error"] == "access_denied"


def test_sso_session_and_prompt_login(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    _, challenge = pkce_pair()
    first = complete_authorization(
        authorize_url(idp, client, challenge), idp.user.username, idp.user.password, http=http
    )
    assert "code" in callback_params(str(first))
    # Same browser: the session cookie signs in without a password page.
    again = complete_authorization(
        authorize_url(idp, client, challenge), idp.user.username, "unused", http=http
    )
    assert "code" in callback_params(str(again))
    # prompt=login forces the password page again.
    with pytest.raises(SignInError):
        complete_authorization(
            authorize_url(idp, client, challenge, prompt="login"),
            idp.user.username,
            "wrong-password",
            http=http,
        )


def test_sign_out_ends_the_session(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    verifier, challenge = pkce_pair()
    params = callback_params(
        str(
            complete_authorization(
                authorize_url(idp, client, challenge),
                idp.user.username,
                idp.user.password,
                http=http,
            )
        )
    )
    id_token = exchange_code(idp, http, client, params["code"], verifier).json()["id_token"]
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "http://127.0.0.1/signed-out",
            "state": "bye",
        }
    )
    landed = sign_out(f"{idp.issuer}/connect/endsession?{query}", http=http)
    assert landed.startswith("http://127.0.0.1/signed-out")
    assert parse_qs(urlsplit(landed).query)["state"] == ["bye"]
    with pytest.raises(SignInError):  # the session is gone: the password page is back
        complete_authorization(
            authorize_url(idp, client, challenge), idp.user.username, "wrong", http=http
        )


def test_authorize_unknown_client(idp: TestProvider) -> None:
    _, challenge = pkce_pair()
    unknown = TestClient("x", "com.test/unknown", None, "none", (), ())
    with pytest.raises(InteractionError, match="invalid_client"):
        complete_authorization(authorize_url(idp, unknown, challenge), "u", "p")


def test_authorize_unregistered_redirect_uri(idp: TestProvider) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(idp, idp.clients["web"], challenge, redirect_uri="http://127.0.0.1/other")
    with pytest.raises(InteractionError, match="redirect_uri"):
        complete_authorization(url, idp.user.username, idp.user.password)


def test_introspection_and_revocation(idp: TestProvider, http: httpx.Client) -> None:
    client = idp.clients["web"]
    auth = (client.client_id, client.secret or "")
    verifier, challenge = pkce_pair()
    url = authorize_url(idp, client, challenge, scope="openid offline_access read")
    tokens = exchange_code(idp, http, client, sign_in(idp, url)["code"], verifier).json()
    introspect = f"{idp.issuer}/connect/introspect"

    refresh = http.post(introspect, data={"token": tokens["refresh_token"]}, auth=auth).json()
    assert refresh["active"] is True
    assert refresh["sub"] == idp.user.sub
    # JWT access tokens are self-contained: oidc-provider does not introspect or revoke them.
    structured = http.post(introspect, data={"token": tokens["access_token"]}, auth=auth)
    assert structured.json()["error"] == "unsupported_token_type"

    revoked = http.post(
        f"{idp.issuer}/connect/revocation", data={"token": tokens["refresh_token"]}, auth=auth
    )
    assert revoked.status_code == 200
    after = http.post(introspect, data={"token": tokens["refresh_token"]}, auth=auth)
    assert after.json() == {"active": False}
    refreshed = http.post(
        idp.token_endpoint,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=auth,
    )
    assert refreshed.json()["error"] == "invalid_grant"


# --- device flow ---------------------------------------------------------------------------------


def start_device(idp: TestProvider, http: httpx.Client) -> dict[str, Any]:
    client = idp.clients["device"]
    response = http.post(
        idp.device_authorization_endpoint,
        data={"client_id": client.client_id, "scope": "openid offline_access read"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["interval"] == 1
    return body


def poll_device(idp: TestProvider, http: httpx.Client, device_code: str) -> httpx.Response:
    return http.post(
        idp.token_endpoint,
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device_code,
            "client_id": idp.clients["device"].client_id,
        },
    )


@pytest.mark.slow
def test_device_flow_approved(idp: TestProvider, http: httpx.Client) -> None:
    device = start_device(idp, http)
    pending = poll_device(idp, http, device["device_code"])
    assert pending.json()["error"] == "authorization_pending"

    approve_device(
        device["verification_uri"], device["user_code"], idp.user.username, idp.user.password
    )
    time.sleep(device["interval"])
    response = poll_device(idp, http, device["device_code"])
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["refresh_token"]
    claims = verify_access_token(idp, tokens["access_token"], http)
    assert claims["sub"] == idp.user.sub
    assert claims["scope"] == ["read"]


def test_device_flow_denied(idp: TestProvider, http: httpx.Client) -> None:
    device = start_device(idp, http)
    approve_device(
        device["verification_uri"],
        device["user_code"],
        idp.user.username,
        idp.user.password,
        deny=True,
    )
    response = poll_device(idp, http, device["device_code"])
    assert response.status_code == 400
    assert response.json()["error"] == "access_denied"


async def test_async_helpers_code_and_device(idp: TestProvider) -> None:
    client = idp.clients["spa"]
    verifier, challenge = pkce_pair()
    async with httpx.AsyncClient(timeout=10.0) as http:
        url = await acomplete_authorization(
            authorize_url(idp, client, challenge), idp.user.username, idp.user.password
        )
        params = callback_params(str(url))
        response = await http.post(
            idp.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
                "client_id": client.client_id,
            },
        )
        assert response.status_code == 200, response.text

        device = (
            await http.post(
                idp.device_authorization_endpoint,
                data={"client_id": idp.clients["device"].client_id, "scope": "read"},
            )
        ).json()
        await aapprove_device(
            device["verification_uri_complete"],
            device["user_code"],
            idp.user.username,
            idp.user.password,
        )
        token = await http.post(
            idp.token_endpoint,
            data={
                "grant_type": DEVICE_GRANT,
                "device_code": device["device_code"],
                "client_id": idp.clients["device"].client_id,
            },
        )
        assert token.status_code == 200, token.text
        assert "refresh_token" not in token.json()  # no offline_access asked


# --- resource server -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_token(idp: TestProvider) -> str:
    with httpx.Client() as http:
        response = client_credentials(idp, http, idp.clients["service_basic"])
    token: str = response.json()["access_token"]
    return token


def bearer_challenge(response: httpx.Response) -> str:
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    return challenge


def test_api_accepts_valid_token(idp: TestProvider, http: httpx.Client, service_token: str) -> None:
    response = api_get(idp, http, service_token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    rows = response.json()["value"]
    assert len(rows) == 1
    assert rows[0]["Name"]


def test_api_missing_token_is_401_without_error(idp: TestProvider, http: httpx.Client) -> None:
    response = api_get(idp, http, None)
    assert response.status_code == 401
    challenge = bearer_challenge(response)
    assert "realm=" in challenge
    assert "error=" not in challenge


def test_api_tampered_token_is_invalid(
    idp: TestProvider, http: httpx.Client, service_token: str
) -> None:
    header, _, signature = service_token.split(".")
    claims = claims_of(service_token)
    claims["scope"] = ["read", "update", "admin"]
    forged_payload = b64url(json.dumps(claims).encode())
    forged = ".".join([header, forged_payload, signature])
    response = api_get(idp, http, forged)
    assert response.status_code == 401
    challenge = bearer_challenge(response)
    assert 'error="invalid_token"' in challenge
    assert "signature" in challenge


@pytest.mark.parametrize(
    ("mint", "expected"),
    [
        ({"expires_in": -120}, "expired"),
        ({"claims": {"iss": "https://id.erp.net/id"}}, "issuer"),
        ({"claims": {"aud": "TableAPI"}}, "audience"),
        ({"typ": "JWT"}, "not an access token"),  # e.g. an ID token sent to the API
    ],
    ids=["expired", "wrong-issuer", "wrong-audience", "not-at+jwt"],
)
def test_api_rejects_badly_scoped_tokens(
    idp: TestProvider, http: httpx.Client, mint: dict[str, Any], expected: str
) -> None:
    token = idp.mint_token(**mint)
    response = api_get(idp, http, token)
    assert response.status_code == 401
    challenge = bearer_challenge(response)
    assert 'error="invalid_token"' in challenge
    assert expected in challenge


def test_api_minted_valid_token_is_accepted(idp: TestProvider, http: httpx.Client) -> None:
    # Guards the parametrized rejections above: the mint itself produces acceptable tokens.
    assert api_get(idp, http, idp.mint_token()).status_code == 200


def test_api_read_needs_read_scope(idp: TestProvider, http: httpx.Client) -> None:
    response = client_credentials(idp, http, idp.clients["service_basic"], scope="update")
    token = response.json()["access_token"]
    assert claims_of(token)["scope"] == ["update"]
    api = api_get(idp, http, token)
    assert api.status_code == 403
    challenge = bearer_challenge(api)
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="read"' in challenge


def test_api_write_needs_update_scope(idp: TestProvider, http: httpx.Client) -> None:
    response = client_credentials(idp, http, idp.clients["readonly"], scope="read")
    token = response.json()["access_token"]
    write = http.post(
        f"{idp.api_url}Crm_Sales_Customers",
        json={"Name": "New"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert write.status_code == 403
    assert 'scope="update"' in bearer_challenge(write)
    assert api_get(idp, http, token).status_code == 200


def test_reference_tokens(idp: TestProvider, http: httpx.Client) -> None:
    valid = idp.reference_tokens.valid[0]
    assert api_get(idp, http, None, **{"X-Api-Key": valid}).status_code == 200
    assert api_get(idp, http, valid).status_code == 200  # Authorization: Bearer enrt_...

    revoked = api_get(idp, http, None, **{"X-Api-Key": idp.reference_tokens.revoked[0]})
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in bearer_challenge(revoked)

    unknown = api_get(idp, http, None, **{"X-Api-Key": "enrt_unknown"})
    assert unknown.status_code == 401


def test_read_only_reference_token_cannot_write(idp: TestProvider, http: httpx.Client) -> None:
    response = http.delete(
        f"{idp.api_url}Crm_Sales_Customers(1)",
        headers={"X-Api-Key": idp.reference_tokens.read_only},
    )
    assert response.status_code == 403
    assert 'scope="update"' in bearer_challenge(response)
