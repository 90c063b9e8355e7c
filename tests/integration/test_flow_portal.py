"""The web portal: the code flow (openid profile) identifies the user, client credentials calls
the API. Against the sandbox and the real provider (each with a portal registration), and with a
code-flow client that has no service access (the second half fails, explained)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import jwt
import pytest

from tests.idp.fixtures import TestProvider
from tests.integration.test_flow_authcode import IdpTarget, SandboxTarget, run
from tokenlab.core.events import HttpExchange
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.portal import api_scopes
from tokenlab.sandbox import DEMO_USER, Sandbox

PORTAL_SUCCESS = re.compile(
    r"started( http)+ action:open-url( http)* token( http)? token issued issued finished:True"
)


def form_of(exchange: HttpExchange) -> dict[str, str]:
    return dict(parse_qsl(exchange.request_body))


async def test_portal_signs_in_then_calls_the_api_with_client_credentials_on_the_real_provider(
    idp: TestProvider,
) -> None:
    target = IdpTarget(idp)
    done = await run(target, target.profile("portal"))
    assert done.error is None, done.error
    assert PORTAL_SUCCESS.fullmatch(done.sequence()), done.sequence()
    assert done.authorize_params()["scope"] == "openid profile"
    result = done.result
    assert result is not None and result.identity is not None
    user = jwt.decode(result.identity.access_token, options={"verify_signature": False})
    service = jwt.decode(result.api_token.access_token, options={"verify_signature": False})
    assert (
        user["sub"] == idp.user.sub and service.get("sub") != user["sub"]
    )  # RFC 9068: sub = client
    assert service["client_id"] == "com.test/portal" and set(result.api_token.scope) == {
        "read",
        "update",
    }
    records = [r for r in idp.token_requests() if r["client_id"] == "com.test/portal"][-2:]
    assert [r["grant_type"] for r in records] == ["authorization_code", "client_credentials"]


async def test_portal_signs_in_then_calls_the_api_with_client_credentials(
    sandbox: Sandbox,
) -> None:
    target = SandboxTarget(sandbox)
    profile = target.profile("portal")
    assert {"openid", "profile"} <= set(profile.scopes)
    done = await run(target, profile)
    assert done.error is None, done.error
    assert PORTAL_SUCCESS.fullmatch(done.sequence()), done.sequence()
    assert done.authorize_params()["scope"] == "openid profile"  # identity only

    code_post, service_post = done.token_posts()
    assert form_of(code_post)["grant_type"] == "authorization_code"
    assert form_of(service_post)["grant_type"] == "client_credentials"
    assert form_of(service_post)["scope"] == "read update"  # no protocol scopes

    result = done.result
    assert result is not None and result.flow == "portal" and result.identity is not None
    user = jwt.decode(result.identity.access_token, options={"verify_signature": False})
    service = jwt.decode(result.api_token.access_token, options={"verify_signature": False})
    assert user["sub"] == DEMO_USER.id
    assert "sub" not in service and service["client_system_user"] == "sandbox-portal"
    assert set(result.api_token.scope) == {"read", "update"}
    assert result.to_json()["calls_the_api"] == "api_token"
    assert any("api_token" in n and "client credentials" in n for n in result.notes)
    assert any(n.startswith("signed in as Demo User") for n in result.notes)


async def test_portal_without_service_access_is_explained(idp: TestProvider) -> None:
    target = IdpTarget(idp)  # `web` may sign users in, but has no client_credentials grant
    done = await run(target, target.profile("portal-without-service"))
    assert isinstance(done.error, TokenEndpointError), done.error
    assert done.error.error == "unauthorized_client"
    assert "SystemUser" in done.error.hint
    assert re.fullmatch(
        r"started( http)+ action:open-url( http)* token( http)? token failed finished:False",
        done.sequence(),
    ), done.sequence()


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (("openid", "profile", "read", "update"), ("read", "update")),
        (("read",), ("read",)),
        (("openid", "profile"), ("read", "update")),
        ((), ("read", "update")),
    ],
)
def test_api_scopes(scopes: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert api_scopes(scopes) == expected
