"""Revocation (RFC 7009) and the end-session URL, against the real provider and the sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.idp.fixtures import POST_LOGOUT_REDIRECT, TestProvider
from tests.idp.interact import sign_out
from tests.support.signin import USER_SCOPES, idp_web_tokens, sandbox_web_tokens
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.authority import Discovery
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.flows.session import SessionEndpointError, end_session_url, revoke
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.sandbox import Sandbox, demo_catalog

CALLBACK = "http://127.0.0.1:53125/callback"


@asynccontextmanager
async def flow_context(
    profile: Profile,
    secrets: SecretStore,
    bus: Bus | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[FlowContext]:
    bus = bus or Bus()
    async with build_client(
        HttpOptions(), bus=bus, run_id="s", redactor=secrets.redactor, transport=transport
    ) as client:
        yield FlowContext(profile=profile, secrets=secrets, bus=bus, run_id="s", client=client)


# --- the two targets: a confidential web client and its first tokens -----------------------------


def idp_web(
    idp: TestProvider, browser: httpx.Client | None = None
) -> tuple[Profile, SecretStore, Callable[[], dict[str, Any]]]:
    """`browser` keeps the sign-in session (cookies), e.g. to sign out of it later."""
    web = idp.clients["web"]
    profile = new_profile(
        "idp-web",
        idp.base_url,
        "web-app",
        client_id=web.client_id,
        auth_method="client_secret_basic",
        scopes=tuple(USER_SCOPES.split()),
    )
    secrets = SecretStore(env={})
    secrets.remember(profile.name, SecretKind.CLIENT_SECRET, web.secret or "")

    def tokens() -> dict[str, Any]:
        return idp_web_tokens(idp, CALLBACK, browser=browser)

    return profile, secrets, tokens


def sandbox_web(sb: Sandbox) -> tuple[Profile, SecretStore, Callable[[], dict[str, Any]]]:
    demo = next(d for d in demo_catalog(sb.url) if d.name == "demo-web-app")
    profile = to_profile(demo)

    def tokens() -> dict[str, Any]:
        return sandbox_web_tokens(sb, profile, CALLBACK)

    return profile, SecretStore(env={}), tokens


@pytest.fixture(params=["idp", "sandbox"])
def web(
    request: pytest.FixtureRequest,
) -> tuple[Profile, SecretStore, Callable[[], dict[str, Any]]]:
    if request.param == "idp":
        request.applymarker(pytest.mark.idp)
        return idp_web(request.getfixturevalue("idp"))
    return sandbox_web(request.getfixturevalue("sandbox"))


# --- revocation ----------------------------------------------------------------------------------


async def test_revoked_refresh_token_no_longer_refreshes(
    web: tuple[Profile, SecretStore, Callable[[], dict[str, Any]]],
) -> None:
    profile, secrets, tokens = web
    refresh_token = tokens()["refresh_token"]
    secrets.store(profile.name, SecretKind.REFRESH_TOKEN, refresh_token)
    bus = Bus()
    with bus.collect() as events:
        async with flow_context(profile, secrets, bus) as ctx:
            await revoke(ctx, refresh_token, "refresh_token")
    posts = [e for e in events if isinstance(e, HttpExchange) and e.method == "POST"]
    assert len(posts) == 1 and posts[0].url.endswith("/connect/revocation")
    assert posts[0].status == 200
    assert "token_type_hint=refresh_token" in posts[0].request_body
    assert refresh_token not in "\n".join(repr(e) for e in events)

    with pytest.raises(TokenEndpointError) as caught:
        await run_flow(profile, secrets=secrets, bus=Bus(), flow="refresh")
    assert caught.value.error == "invalid_grant"
    assert "revoked" in caught.value.message


async def test_revoking_twice_is_not_an_error(
    web: tuple[Profile, SecretStore, Callable[[], dict[str, Any]]],
) -> None:
    """RFC 7009 2.2: an invalid or already revoked token also answers 200."""
    profile, secrets, tokens = web
    refresh_token = tokens()["refresh_token"]
    async with flow_context(profile, secrets) as ctx:
        await revoke(ctx, refresh_token, "refresh_token")
        await revoke(ctx, refresh_token, "refresh_token")
        await revoke(ctx, "not-a-token-at-all")


async def test_revocation_with_a_wrong_secret_is_explained(sandbox: Sandbox) -> None:
    profile, _, tokens = sandbox_web(sandbox)
    refresh_token = tokens()["refresh_token"]
    secrets = SecretStore(env={})
    secrets.remember(profile.name, SecretKind.CLIENT_SECRET, "wrong-secret-123")
    async with flow_context(profile, secrets) as ctx:
        with pytest.raises(TokenEndpointError) as caught:
            await revoke(ctx, refresh_token, "refresh_token")
    assert caught.value.error == "invalid_client"
    assert "IsEnabled" in caught.value.hint
    assert refresh_token not in str(caught.value) and "wrong-secret-123" not in str(caught.value)
    # still valid: the failed revocation changed nothing
    result = await run_flow(
        profile,
        secrets=SecretStore(env={}),
        bus=Bus(),
        flow="refresh",
        options=FlowOptions(refresh_token=refresh_token),
    )
    assert result.api_token.refresh_token


async def test_revoked_reference_token_is_refused_by_the_api(sandbox: Sandbox) -> None:
    demo = next(d for d in demo_catalog(sandbox.url) if d.name == "demo-service-app")
    profile = to_profile(demo)
    ref = sandbox.add_reference_token()
    api = f"{profile.api}Crm_Sales_Customers?$top=1"
    headers = {"Authorization": f"Bearer {ref.token}"}
    with httpx.Client(timeout=5) as http:
        assert http.get(api, headers=headers).status_code == 200
        async with flow_context(profile, SecretStore(env={})) as ctx:
            await revoke(ctx, ref.token)
        assert http.get(api, headers=headers).status_code == 401


def _stream(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "application/json"},
        stream=httpx.ByteStream(json.dumps(body).encode()),
    )


async def test_no_revocation_endpoint_is_a_clear_error() -> None:
    base = "http://127.0.0.1:9/id"
    transport = httpx.MockTransport(
        lambda request: _stream(200, {"issuer": base, "token_endpoint": f"{base}/connect/token"})
    )
    profile = new_profile("acme", "http://127.0.0.1:9", "spa", client_id="c", auth_method="none")
    async with flow_context(profile, SecretStore(env={}), transport=transport) as ctx:
        with pytest.raises(SessionEndpointError) as caught:
            await revoke(ctx, "rt-0123456789", "refresh_token")
    assert "offers no revocation endpoint" in caught.value.message
    assert "--" not in caught.value.hint
    shown = hint_with_remedy(caught.value.hint, caught.value.remedy)
    assert "tokenlab secret rm acme --kind refresh-token" in shown
    assert "rt-0123456789" not in str(caught.value)


# --- end session ---------------------------------------------------------------------------------


def test_end_session_url_shape() -> None:
    authority = "https://acme.my.erp.net/id"
    doc = Discovery(authority, {"end_session_endpoint": f"{authority}/connect/endsession"})
    url = end_session_url(
        doc, id_token="eyJhbGciOi.x.y", post_logout_redirect_uri="https://app/bye", state="s1"
    )
    assert url == (
        "https://acme.my.erp.net/id/connect/endsession?id_token_hint=eyJhbGciOi.x.y"
        "&post_logout_redirect_uri=https%3A%2F%2Fapp%2Fbye&state=s1"
    )
    assert end_session_url(doc) == f"{authority}/connect/endsession"
    odd = Discovery(authority, {"end_session_endpoint": f"{authority}/logout?tenant=a"})
    assert end_session_url(odd, state="s") == f"{authority}/logout?tenant=a&state=s"
    with pytest.raises(SessionEndpointError, match="offers no end-session endpoint"):
        end_session_url(Discovery(authority, {}))


async def test_end_session_url_signs_out_at_the_sandbox(sandbox: Sandbox) -> None:
    profile, secrets, tokens = sandbox_web(sandbox)
    id_token = tokens()["id_token"]
    async with flow_context(profile, secrets) as ctx:
        url = end_session_url(
            await ctx.discovery(), id_token, post_logout_redirect_uri=CALLBACK, state="bye"
        )
    assert url.startswith(f"{sandbox.url}/id/connect/endsession?id_token_hint=")
    with httpx.Client(timeout=5) as browser:
        landed = browser.get(url)
    assert landed.status_code == 302
    assert landed.headers["location"] == f"{CALLBACK}?state=bye"


@pytest.mark.idp
async def test_end_session_url_signs_out_at_the_idp(idp: TestProvider) -> None:
    with httpx.Client(timeout=5) as browser:  # keeps the sign-in session to end it
        profile, secrets, tokens = idp_web(idp, browser)
        id_token = tokens()["id_token"]
        async with flow_context(profile, secrets) as ctx:
            url = end_session_url(
                await ctx.discovery(),
                id_token,
                post_logout_redirect_uri=POST_LOGOUT_REDIRECT,
                state="bye",
            )
        assert url.startswith(f"{idp.issuer}/connect/endsession?")
        landed = sign_out(url, http=browser)
    assert landed.startswith(POST_LOGOUT_REDIRECT)
    assert parse_qs(urlsplit(landed).query)["state"] == ["bye"]
