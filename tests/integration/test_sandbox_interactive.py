"""Interactive flows: code + PKCE, form_post, refresh, device, session endpoints."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import jwt
import pytest

from tests.sandbox_fixtures import authorize_url, parse_form_post, sign_in, token_request
from tests.support.pkce import pkce_pair, random_value
from tokenlab.sandbox import DEMO_SECRETS, DEMO_USER, Sandbox, Settings, TrustedApplication

SPA = "com.tokenlab.demo/spa"
WEB = "com.tokenlab.demo/web-app"
WEB_SECRET = DEMO_SECRETS[WEB]
DEVICE = "com.tokenlab.demo/device"
CALLBACK = "http://127.0.0.1:53123/callback"  # registered as http://127.0.0.1/callback (any port)


def half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def decode(http: httpx.Client, token: str, **kw: object) -> dict:
    keys = http.get("/id/.well-known/openid-configuration/jwks").json()["keys"]
    return jwt.decode(token, jwt.PyJWK(keys[0]), algorithms=["RS256"], **kw)


def spa_sign_in(sb: Sandbox, scope: str = "openid profile read", **extra: str):
    verifier, challenge = pkce_pair()
    state = random_value()
    url = authorize_url(sb.url, SPA, CALLBACK, scope, challenge, state=state, **extra)
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    return result, verifier, state


def redeem(http, sb, code, verifier, *, client_id=SPA, redirect_uri=CALLBACK, secret=None):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": client_id,
    }
    if secret:
        data["client_secret"] = secret
    return token_request(http, sb, data)


def web_tokens(http, sb, scope="openid profile offline_access read update"):
    verifier, challenge = pkce_pair()
    nonce = random_value()
    url = authorize_url(
        sb.url, WEB, CALLBACK, scope, challenge, state=random_value(), nonce=nonce,
        response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    resp = redeem(http, sb, result.params["code"], verifier, client_id=WEB, secret=WEB_SECRET)
    assert resp.status_code == 200, resp.text
    return resp.json()


# -- authorization code + PKCE ----------------------------------------------------------------


def test_spa_code_flow_with_pkce_in_query_mode(http, sandbox):
    nonce = random_value()
    result, verifier, state = spa_sign_in(
        sandbox, "openid profile offline_access read", nonce=nonce
    )
    assert result.mode == "query" and result.login_pages == 1
    assert result.target == CALLBACK
    assert result.params["state"] == state
    assert result.params["iss"] == f"{sandbox.url}/id"
    resp = redeem(http, sandbox, result.params["code"], verifier)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert "refresh_token" not in body  # public client: no refresh token
    assert "offline_access" not in body["scope"].split()
    access = decode(http, body["access_token"], audience="DomainAPI")
    assert access["sub"] == DEMO_USER.id and access["name"] == DEMO_USER.name
    for claim in ("id", "auth_time", "sid", "email", "user_type", "is_admin", "db", "client_id"):
        assert claim in access
    assert access["scope"] == ["openid", "profile", "read"]
    id_token = decode(http, body["id_token"], audience=SPA)
    assert id_token["nonce"] == nonce
    assert id_token["at_hash"] == half_hash(body["access_token"])
    assert id_token["exp"] - id_token["iat"] == 300


def test_web_app_code_id_token_form_post(http, sandbox):
    verifier, challenge = pkce_pair()
    nonce, state = random_value(), random_value()
    url = authorize_url(
        sandbox.url, WEB, CALLBACK, "openid profile offline_access read update", challenge,
        state=state, nonce=nonce, response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.mode == "form_post"
    assert result.target == CALLBACK
    assert "document.forms[0].submit()" in result.last.text
    assert result.params["state"] == state
    code = result.params["code"]
    id_token = decode(http, result.params["id_token"], audience=WEB)
    assert id_token["nonce"] == nonce
    assert id_token["c_hash"] == half_hash(code)
    assert id_token["iss"] == f"{sandbox.url}/id"
    resp = redeem(http, sandbox, code, verifier, client_id=WEB, secret=WEB_SECRET)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["refresh_token"] and body["id_token"] and body["access_token"]


def test_hybrid_flow_requires_a_nonce(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(
        sandbox.url, WEB, CALLBACK, "openid read", challenge, state="s1",
        response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.mode == "form_post"
    assert result.params["error"] == "invalid_request" and result.params["state"] == "s1"


def test_wrong_pkce_verifier_is_invalid_grant_and_burns_the_code(http, sandbox):
    result, verifier, _ = spa_sign_in(sandbox)
    wrong, _ = pkce_pair()
    resp = redeem(http, sandbox, result.params["code"], wrong)
    assert (resp.status_code, resp.json()["error"]) == (400, "invalid_grant")
    assert "PKCE" in resp.json()["error_description"]
    assert redeem(http, sandbox, result.params["code"], verifier).json()["error"] == "invalid_grant"


def test_missing_verifier_is_invalid_grant(http, sandbox):
    result, _, _ = spa_sign_in(sandbox)
    resp = redeem(http, sandbox, result.params["code"], "")
    assert resp.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge": ""}, "code_challenge"),
    ],
)
def test_authorize_requires_pkce_s256(sandbox, change, description):
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, SPA, CALLBACK, "openid read", challenge, state="xyz")
    url = re.sub(r"code_challenge_method=S256", "", url)
    params = {"code_challenge_method": "S256", **change}
    url += "&" + "&".join(f"{k}={v}" for k, v in params.items())
    if change.get("code_challenge") == "":
        url = re.sub(r"code_challenge=[^&]+&", "", url)
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.mode == "query" and result.login_pages == 0
    assert result.params["error"] == "invalid_request"
    assert description in result.params["error_description"]
    assert result.params["state"] == "xyz"


def test_code_is_single_use_and_reuse_revokes_its_refresh_token(http, sandbox):
    verifier, challenge = pkce_pair()
    url = authorize_url(
        sandbox.url, WEB, CALLBACK, "openid offline_access read", challenge, nonce="n",
        response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        code = sign_in(browser, url).params["code"]
    first = redeem(http, sandbox, code, verifier, client_id=WEB, secret=WEB_SECRET)
    assert first.status_code == 200
    again = redeem(http, sandbox, code, verifier, client_id=WEB, secret=WEB_SECRET)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert "already used" in again.json()["error_description"]
    refresh = _refresh(http, sandbox, first.json()["refresh_token"])
    assert refresh.json()["error"] == "invalid_grant"


def test_code_expires(http, isolated_sandbox):
    sb = isolated_sandbox
    result, verifier, _ = spa_sign_in(sb)
    sb.clock.advance(sb.settings.code_ttl + 1)
    with httpx.Client(base_url=sb.url) as client:
        resp = redeem(client, sb, result.params["code"], verifier)
    assert resp.json()["error"] == "invalid_grant"
    assert "expired" in resp.json()["error_description"]


def test_redirect_uri_must_match_the_authorize_request(http, sandbox):
    result, verifier, _ = spa_sign_in(sandbox)
    resp = redeem(
        http, sandbox, result.params["code"], verifier, redirect_uri="http://127.0.0.1:1/callback"
    )
    assert resp.json()["error"] == "invalid_grant"


def test_public_client_sending_a_secret_is_invalid_client(http, sandbox):
    result, verifier, _ = spa_sign_in(sandbox)
    resp = redeem(http, sandbox, result.params["code"], verifier, secret="anything")
    assert (resp.status_code, resp.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:8080/Callback",
        "http://127.0.0.1:8080/callback/",
        "https://127.0.0.1/callback",
    ],
)
def test_redirect_uri_match_is_exact_and_case_sensitive(sandbox, redirect_uri):
    _, challenge = pkce_pair()
    with httpx.Client() as browser:
        result = sign_in(browser, authorize_url(sandbox.url, SPA, redirect_uri, "read", challenge))
    assert result.mode == "error_page"
    assert result.params["error"] == "invalid_redirect_uri"


def test_scope_not_allowed_is_redirected_as_invalid_scope(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, SPA, CALLBACK, "openid admin", challenge, state="st")
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert (
        result.params["error"] == "invalid_scope" and "admin" in result.params["error_description"]
    )
    assert result.params["state"] == "st"


def test_service_only_app_cannot_sign_users_in(sandbox):
    app = TrustedApplication(
        "com.test/service-only", system_user_allowed=True, login_urls="http://127.0.0.1/callback"
    )
    sandbox.register(app)
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, app.client_id, CALLBACK, "read", challenge)
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.params["error"] == "unauthorized_client"


def test_wrong_password_shows_the_form_again(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, SPA, CALLBACK, "read", challenge)
    with httpx.Client() as browser:
        result = sign_in(browser, url, password="wrong")
    assert result.last is not None and result.last.status_code == 200
    assert "id='login'" in result.last.text and "Invalid username or password" in result.last.text
    assert "code" not in result.params


def test_session_is_reused_unless_prompt_login(sandbox):
    _, challenge = pkce_pair()
    with httpx.Client() as browser:
        assert (
            sign_in(
                browser, authorize_url(sandbox.url, SPA, CALLBACK, "read", challenge)
            ).login_pages
            == 1
        )
        again = sign_in(browser, authorize_url(sandbox.url, SPA, CALLBACK, "read", challenge))
        assert again.login_pages == 0 and "code" in again.params
        forced = sign_in(
            browser, authorize_url(sandbox.url, SPA, CALLBACK, "read", challenge, prompt="login")
        )
        assert forced.login_pages == 1 and "code" in forced.params


# -- refresh tokens --------------------------------------------------------------------------


def _refresh(http, sb, token):
    data = {"grant_type": "refresh_token", "refresh_token": token}
    return token_request(http, sb, data, auth=(WEB, WEB_SECRET))


def test_refresh_rotates_and_reuse_revokes_the_family(http, sandbox):
    first = web_tokens(http, sandbox)["refresh_token"]
    second_resp = _refresh(http, sandbox, first)
    assert second_resp.status_code == 200, second_resp.text
    second = second_resp.json()["refresh_token"]
    assert second != first
    assert (
        decode(http, second_resp.json()["access_token"], audience="DomainAPI")["sub"]
        == DEMO_USER.id
    )
    third = _refresh(http, sandbox, second).json()["refresh_token"]
    reuse = _refresh(http, sandbox, first)  # a rotated token comes back: theft assumed
    assert (reuse.status_code, reuse.json()["error"]) == (400, "invalid_grant")
    assert "already used" in reuse.json()["error_description"]
    assert _refresh(http, sandbox, third).json()["error"] == "invalid_grant"


def test_refresh_token_of_another_client_is_refused(http, sandbox):
    token = web_tokens(http, sandbox)["refresh_token"]
    portal = ("com.tokenlab.demo/portal", DEMO_SECRETS["com.tokenlab.demo/portal"])
    data = {"grant_type": "refresh_token", "refresh_token": token}
    assert token_request(http, sandbox, data, auth=portal).json()["error"] == "invalid_grant"


# -- device flow -----------------------------------------------------------------------------


def _device_start(http, sb):
    resp = http.post(
        "/id/connect/deviceauthorization", data={"client_id": DEVICE, "scope": "openid read"}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _poll(http, sb, device_code):
    data = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": device_code,
        "client_id": DEVICE,
    }
    return token_request(http, sb, data)


def _device_page(sb, user_code, action, password=DEMO_USER.password):
    with httpx.Client(base_url=sb.url) as browser:
        page = browser.get("/id/device", params={"userCode": user_code})
        assert page.status_code == 200 and user_code in page.text
        return browser.post(
            "/id/device",
            data={
                "user_code": user_code.lower().replace("-", ""),
                "username": DEMO_USER.username,
                "password": password,
                "action": action,
            },
        )


def test_device_flow_pending_slow_down_then_approved(isolated_sandbox):
    sandbox = isolated_sandbox
    with httpx.Client(base_url=sandbox.url) as http:
        _device_flow(http, sandbox)


def _device_flow(http, sandbox):
    start = _device_start(http, sandbox)
    assert start["interval"] == 1
    assert start["verification_uri"] == f"{sandbox.url}/id/device"
    assert start["verification_uri_complete"].endswith(start["user_code"])
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", start["user_code"])
    assert _poll(http, sandbox, start["device_code"]).json()["error"] == "authorization_pending"
    assert _poll(http, sandbox, start["device_code"]).json()["error"] == "slow_down"
    wrong = _device_page(sandbox, start["user_code"], "approve", password="nope")
    assert "Invalid username or password" in wrong.text
    approved = _device_page(sandbox, start["user_code"], "approve")
    assert approved.status_code == 200 and "connected" in approved.text
    sandbox.clock.advance(1.5)  # respect the interval without sleeping
    resp = _poll(http, sandbox, start["device_code"])
    assert resp.status_code == 200, resp.text
    assert (
        decode(http, resp.json()["access_token"], audience="DomainAPI", leeway=5)["sub"]
        == DEMO_USER.id
    )
    assert _poll(http, sandbox, start["device_code"]).json()["error"] == "invalid_grant"


def test_device_flow_denied(http, sandbox):
    start = _device_start(http, sandbox)
    denied = _device_page(sandbox, start["user_code"], "deny")
    assert "denied" in denied.text
    resp = _poll(http, sandbox, start["device_code"])
    assert (resp.status_code, resp.json()["error"]) == (400, "access_denied")


def test_device_flow_expires(isolated_sandbox):
    sb = isolated_sandbox
    with httpx.Client(base_url=sb.url) as client:
        start = _device_start(client, sb)
        sb.clock.advance(start["expires_in"] + 1)
        assert _poll(client, sb, start["device_code"]).json()["error"] == "expired_token"
        page = _device_page(sb, start["user_code"], "approve")
        assert page.status_code == 400 and "expired" in page.text


def test_device_flow_needs_a_device_capable_app(http, sandbox):
    # the portal signs users in through a browser only: no device flow on its registration
    portal = "com.tokenlab.demo/portal"
    resp = http.post(
        "/id/connect/deviceauthorization",
        data={"client_id": portal, "client_secret": DEMO_SECRETS[portal]},
    )
    assert resp.json()["error"] == "unauthorized_client"
    assert http.post("/id/connect/deviceauthorization", data={"client_id": SPA}).status_code == 200


# -- userinfo, endsession --------------------------------------------------------------------


def test_userinfo(http, sandbox):
    tokens = web_tokens(http, sandbox)
    resp = http.get(
        "/id/connect/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert resp.status_code == 200
    assert resp.json()["sub"] == DEMO_USER.id and resp.json()["email"] == DEMO_USER.email
    missing = http.get("/id/connect/userinfo")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"


def test_endsession_redirects_to_a_registered_uri_and_ends_the_session(http, sandbox):
    verifier, challenge = pkce_pair()
    with httpx.Client() as browser:
        result = sign_in(browser, authorize_url(sandbox.url, SPA, CALLBACK, "openid", challenge))
        id_token = redeem(http, sandbox, result.params["code"], verifier).json()["id_token"]
        resp = browser.get(
            f"{sandbox.url}/id/connect/endsession",
            params={
                "id_token_hint": id_token,
                "post_logout_redirect_uri": CALLBACK,
                "state": "bye",
            },
        )
        assert resp.status_code == 302
        assert resp.headers["location"] == f"{CALLBACK}?state=bye"
        again = sign_in(browser, authorize_url(sandbox.url, SPA, CALLBACK, "openid", challenge))
        assert again.login_pages == 1  # signed out: the form is back


def test_endsession_without_a_registered_uri_shows_a_signed_out_page(http, sandbox):
    resp = http.get(
        "/id/connect/endsession", params={"post_logout_redirect_uri": "https://evil.example/"}
    )
    assert resp.status_code == 200 and "signed out" in resp.text
    assert "location" not in resp.headers


def test_form_post_page_escapes_values(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(
        sandbox.url, WEB, CALLBACK, "openid", challenge, state="<x'\">", nonce="n",
        response_type="code id_token", response_mode="form_post",
    )  # fmt: skip
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.params["state"] == "<x'\">"
    assert parse_form_post(result.last.text)[1]["state"] == "<x'\">"


@pytest.mark.parametrize(
    ("redirect_uri", "accepted"),
    [
        ("https://app.example/Signin", True),
        ("https://app.example/signin", False),
        ("https://app.example/Signin/", False),
        ("https://app.example:8443/Signin", False),  # any port is for loopback only
        ("http://app.example/Signin", False),
    ],
)
def test_non_loopback_redirect_uri_needs_an_exact_match(sandbox, redirect_uri, accepted):
    sandbox.register(
        TrustedApplication(
            "com.test/exact",
            client_type="Public",
            impersonate_internal_user_allowed=True,
            login_urls="https://other.example/x, https://app.example/Signin",
        )
    )
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, "com.test/exact", redirect_uri, "read", challenge)
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    if accepted:
        assert result.target == redirect_uri and "code" in result.params
    else:
        assert result.params["error"] == "invalid_redirect_uri"


def test_cancelled_sign_in_is_access_denied(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, SPA, CALLBACK, "openid read", challenge, state="c1")
    with httpx.Client() as browser:
        result = sign_in(browser, url, cancel=True)
    assert result.target == CALLBACK
    assert result.params["error"] == "access_denied" and result.params["state"] == "c1"


def test_prompt_none_without_a_session_is_login_required(sandbox):
    _, challenge = pkce_pair()
    url = authorize_url(sandbox.url, SPA, CALLBACK, "read", challenge, state="p", prompt="none")
    with httpx.Client() as browser:
        result = sign_in(browser, url)
    assert result.login_pages == 0 and result.params["error"] == "login_required"


def test_auto_sign_in_for_headless_demos():
    with Sandbox.running_in_thread(settings=Settings(auto_sign_in=True)) as sb:
        _, challenge = pkce_pair()
        resp = httpx.get(authorize_url(sb.url, SPA, CALLBACK, "openid read", challenge, state="a"))
    assert resp.status_code == 302
    assert resp.headers["location"].startswith(f"{CALLBACK}?code=")
