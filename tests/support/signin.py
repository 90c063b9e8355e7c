"""A user's tokens by script, outside tokenlab: sign in as a browser would, exchange the code.

Tests of what comes after a sign-in (refresh, revocation, sign-out) start from these, so a bug
in tokenlab's own code flow cannot hide one in the flow under test.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.idp.fixtures import TestProvider
from tests.idp.interact import complete_authorization
from tests.sandbox_fixtures import authorize_url, sign_in
from tests.support.pkce import pkce_pair, random_value
from tokenlab.core.profiles import Profile
from tokenlab.sandbox import Sandbox

USER_SCOPES = "openid profile offline_access read update"


def idp_web_tokens(
    idp: TestProvider,
    callback: str,
    *,
    scopes: str = USER_SCOPES,
    browser: httpx.Client | None = None,
) -> dict[str, Any]:
    """The provider's confidential `web` client: code + PKCE, then a plain token request."""
    web = idp.clients["web"]
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "client_id": web.client_id,
            "response_type": "code",
            "redirect_uri": callback,
            "scope": scopes,
            "state": random_value(),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    landed = complete_authorization(
        f"{idp.authorization_endpoint}?{query}", idp.user.username, idp.user.password, http=browser
    )
    code = parse_qs(urlsplit(str(landed)).query)["code"][0]
    return _redeem(
        idp.token_endpoint, code, callback, verifier, auth=(web.client_id, web.secret or "")
    )


def sandbox_web_tokens(
    sb: Sandbox, profile: Profile, callback: str, *, scopes: str = USER_SCOPES
) -> dict[str, Any]:
    """The sandbox's demo web app (client_secret_post with its published demo secret)."""
    verifier, challenge = pkce_pair()
    url = authorize_url(
        sb.url, profile.client_id, callback, scopes, challenge, state=random_value()
    )
    with httpx.Client() as browser:
        code = sign_in(browser, url).params["code"]
    client = {"client_id": profile.client_id, "client_secret": profile.public_secret}
    return _redeem(f"{sb.url}/id/connect/token", code, callback, verifier, client=client)


def _redeem(
    token_endpoint: str,
    code: str,
    callback: str,
    verifier: str,
    *,
    auth: tuple[str, str] | None = None,
    client: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The authorization_code request; ``auth`` for Basic, ``client`` for fields in the body."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        "code_verifier": verifier,
        **(client or {}),
    }
    with httpx.Client(timeout=5) as http:
        answer = http.post(token_endpoint, data=data, auth=auth)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
