"""Snapshots of the whole console, in fixed states: fixed profiles, a fixed clock, and the core's
results fed to the screen as its workers would post them (no random port in any text).

The profiles point at 127.0.0.1:9, where nothing listens: the console's own authority check is
refused at once, and the fixed report is posted after it, as a finished check would be.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from textual.pilot import Pilot

from tests.ui.console_pilot import settle, until
from tests.ui.widgets.pane_app import fake_jwt
from tests.ui.widgets.test_doctor_pane import fixed_run
from tests.ui.widgets.test_probe_pane import probed
from tokenlab.core.authority import AuthorityReport, KeyInfo, check_discovery
from tokenlab.core.discovery import Discovery
from tokenlab.core.events import FlowFinished, FlowStarted, HttpExchange, TokenIssued
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import ProbeResult
from tokenlab.core.profiles import Profile, ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import FlowResult, TokenSet
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.messages import (
    AuthorityChecked,
    DoctorFinished,
    ExchangeRecorded,
    ProbeAnswered,
    RunFinished,
    RunStarted,
    TokenReady,
    TokenReceived,
)

pytestmark = pytest.mark.slow  # the whole console, drawn and compared

INSTANCE = "http://127.0.0.1:9"  # nothing listens there
AUTHORITY = f"{INSTANCE}/id"
NOW = 1_800_000_000.0
CLAIMS = {
    "iss": AUTHORITY,
    "aud": ["DomainAPI", "TableAPI"],
    "iat": int(NOW - 60),
    "nbf": int(NOW - 60),
    "exp": int(NOW + 3540),
    "scope": ["read", "update"],
    "client_id": "com.acme/service-app",
    "client_db": "acme",
    "client_system_user": "acme-service",
    "jti": "6A1DCE9A2485948F",
}
TOKEN = fake_jwt({"alg": "RS256", "kid": "F7F94E1944594AD2", "typ": "at+jwt"}, CLAIMS)


def _profiles() -> tuple[Profile, ...]:
    return (
        new_profile(
            "acme-service",
            INSTANCE,
            "service-app",
            client_id="com.acme/service-app",
            description="the nightly export",
        ),
        new_profile("acme-portal", INSTANCE, "web-portal", client_id="com.acme/portal"),
        new_profile("acme-spa", INSTANCE, "spa", client_id="com.acme/spa"),
    )


def _app() -> TokenlabApp:
    store = ProfileStore()
    for profile in _profiles():
        store.create(profile)
    return make_app(store, SecretStore(env={}), title="snapshot", now=lambda: NOW)


def _authority_report() -> AuthorityReport:
    raw = {
        "issuer": AUTHORITY,
        "token_endpoint": f"{AUTHORITY}/connect/token",
        "authorization_endpoint": f"{AUTHORITY}/connect/authorize",
        "jwks_uri": f"{AUTHORITY}/.well-known/openid-configuration/jwks",
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "offline_access", "read", "update"],
    }
    discovery = Discovery(AUTHORITY, raw)
    return AuthorityReport(
        authority=AUTHORITY,
        kind="instance",
        discovery=discovery,
        keys=(KeyInfo("F7F94E1944594AD2", "RSA", "RS256", "sig", 2048),),
        clock_skew_s=0.4,
        findings=tuple(check_discovery(AUTHORITY, discovery)),
        found_via="derived from the instance",
    )


def _token_run(app: TokenlabApp, profile: Profile) -> None:
    """A client-credentials run, as the bridge and the worker post it."""
    screen = app.main
    screen.post_message(
        RunStarted(FlowStarted(run_id="r1", flow="client-credentials", profile=profile.name))
    )
    exchange = HttpExchange(
        run_id="r1",
        method="POST",
        url=f"{AUTHORITY}/connect/token",
        request_headers=(("Authorization", "Basic ****"),),
        request_body="grant_type=client_credentials&scope=read+update",
        status=200,
        response_headers=(("Content-Type", "application/json"),),
        response_body='{"access_token": "eyJh…", "token_type": "Bearer", "expires_in": 3600}',
        elapsed_ms=42.0,
    )
    screen.post_message(ExchangeRecorded(exchange))
    issued = TokenIssued(
        run_id="r1",
        token_type="Bearer",
        expires_in=3600,
        scopes=("read", "update"),
        masked_token="eyJh…(512 chars)",
    )
    screen.post_message(TokenReceived(issued))
    screen.post_message(RunFinished(FlowFinished(run_id="r1", ok=True)))
    tokens = TokenSet(
        TOKEN, "Bearer", 3600, ("read", "update"), issued_at=NOW - 60, flow="client-credentials"
    )
    screen.post_message(TokenReady(profile, FlowResult("client-credentials", profile.name, tokens)))


async def _fixed_state(pilot: Pilot[int]) -> None:
    """acme-service active, its authority checked and a token issued, all at NOW."""
    app = pilot.app
    assert isinstance(app, TokenlabApp)
    await until(lambda: app.main.ready, pilot)
    app.main.activate("acme-service")  # as Enter on it in the profiles list does
    await settle(pilot)  # the console's own (refused) check is over
    profile = app.main.active
    assert profile is not None and profile.name == "acme-service"
    app.main.post_message(AuthorityChecked(profile, _authority_report()))
    _token_run(app, profile)
    await settle(pilot)
    app.main.action_show_pane("flow")
    app.clear_notifications()  # the refused checks' toasts: they fade in use, not in a snapshot
    await pilot.pause()


def _show(pane: str) -> object:
    async def run_before(pilot: Pilot[int]) -> None:
        await _fixed_state(pilot)
        await pilot.press(
            {
                "authority": "1",
                "flow": "2",
                "token": "3",
                "probe": "4",
                "doctor": "5",
                "profiles": "6",
            }[pane]
        )
        await pilot.pause()

    return run_before


def test_the_main_screen_at_80x24_with_a_profile_selected(snap_compare: object) -> None:
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_fixed_state)  # type: ignore[operator]


@pytest.mark.parametrize("pane", ["authority", "flow", "token", "profiles"])
def test_each_pane_at_80x24(pane: str, snap_compare: object) -> None:
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_show(pane))  # type: ignore[operator]


def _fixed_probe(sandbox: Sandbox) -> ProbeResult:
    async def get() -> ProbeResult:
        async with build_client(HttpOptions(timeout=5.0)) as client:
            return await probed(sandbox, client, "demo-api-forbidden")

    result = asyncio.run(get())
    url = f"{INSTANCE}/api/domain/odata/Crm_Sales_Customers?$top=1"
    headers = tuple((k, v) for k, v in result.headers if k.lower() != "date")
    return replace(result, url=url, final_url=url, headers=headers, elapsed_ms=12.5)


def test_the_probe_pane_with_a_403_explained_at_80x24(
    sandbox: Sandbox, snap_compare: object
) -> None:
    result = _fixed_probe(sandbox)
    assert sandbox.url not in repr(result.verdict)  # no random port left in what is shown

    async def run_before(pilot: Pilot[int]) -> None:
        await _fixed_state(pilot)
        app = pilot.app
        assert isinstance(app, TokenlabApp) and app.main.active is not None
        await pilot.press("4")
        app.main.post_message(ProbeAnswered(app.main.active, result))
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_the_doctor_pane_at_80x24(snap_compare: object) -> None:
    run = fixed_run()

    async def run_before(pilot: Pilot[int]) -> None:
        await _fixed_state(pilot)
        app = pilot.app
        assert isinstance(app, TokenlabApp)
        await pilot.press("5")
        app.main.doctor_pane.start()
        app.main.post_message(DoctorFinished(run.facts.profile, run))
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_the_main_screen_at_60x20_folds_the_sidebar(snap_compare: object) -> None:
    assert snap_compare(_app(), terminal_size=(60, 20), run_before=_fixed_state)  # type: ignore[operator]
