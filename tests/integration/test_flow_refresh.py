"""Refresh with rotation, end to end against the real provider (tests/idp) and the sandbox.

A first refresh token comes from a scripted sign-in and a plain code exchange; from there on
tokenlab's refresh flow does the work, and the old token must be dead after every rotation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backends import fail

from tests.idp.fixtures import TestProvider
from tests.support.keyrings import MemoryKeyring
from tests.support.signin import USER_SCOPES, idp_web_tokens, sandbox_web_tokens
from tests.support.targets import sandbox_profile
from tokenlab.core.errors import SecretMissingError
from tokenlab.core.events import Bus, Event, HttpExchange, Notice
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.refresh import ensure_fresh
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.sandbox import Sandbox

CALLBACK = "http://127.0.0.1:53124/callback"  # registered as http://127.0.0.1/callback, any port


@dataclass
class Target:
    """A provider, a confidential client profile on it, and a way to get a first refresh token."""

    name: str
    profile: Profile
    secrets: SecretStore
    first_refresh_token: object  # () -> str

    def sign_in(self) -> str:
        token = self.first_refresh_token()  # type: ignore[operator]
        assert isinstance(token, str) and token
        return token


def idp_target(idp: TestProvider) -> Target:
    web = idp.clients["web"]
    assert web.secret
    profile = new_profile(
        "idp-web",
        idp.base_url,
        "web-app",
        client_id=web.client_id,
        auth_method="client_secret_basic",
        scopes=tuple(USER_SCOPES.split()),
    )
    secrets = SecretStore(env={})
    secrets.remember(profile.name, SecretKind.CLIENT_SECRET, web.secret)

    def first() -> str:
        return str(idp_web_tokens(idp, CALLBACK)["refresh_token"])

    return Target("idp", profile, secrets, first)


def sandbox_target(sb: Sandbox) -> Target:
    # client_secret_post with the published demo secret
    profile, secrets = sandbox_profile(sb, "demo-web-app")

    def first() -> str:
        return str(sandbox_web_tokens(sb, profile, CALLBACK)["refresh_token"])

    return Target("sandbox", profile, secrets, first)


@pytest.fixture(params=["idp", "sandbox"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "idp":
        request.applymarker(pytest.mark.idp)
        yield idp_target(request.getfixturevalue("idp"))
    else:
        yield sandbox_target(request.getfixturevalue("sandbox"))


def label(event: Event) -> str:
    if isinstance(event, HttpExchange):
        return "discovery" if "openid-configuration" in event.url else "token"
    return type(event).__name__


def files_containing(root: Path, *values: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(v.encode() in data for v in values):
                hits.append(path)
    return hits


async def refresh_run(
    target: Target, bus: Bus, options: FlowOptions | None = None
) -> tuple[TokenSet, list[Event]]:
    with bus.collect() as events:
        result = await run_flow(
            target.profile, secrets=target.secrets, bus=bus, flow="refresh", options=options
        )
    return result.api_token, list(events)


# --- rotation ------------------------------------------------------------------------------------


async def test_refresh_rotates_and_the_old_token_is_refused(
    target: Target,
    memory_keyring: MemoryKeyring,
    isolated_dirs: dict[str, Path],
    tmp_path: Path,
) -> None:
    first = target.sign_in()
    name = target.profile.name
    target.secrets.store(name, SecretKind.REFRESH_TOKEN, first)
    bus = Bus()
    everything: list[Event] = []
    bus.subscribe(everything.append)

    token, events = await refresh_run(target, bus)
    assert [label(e) for e in events if not isinstance(e, Notice)] == [
        "FlowStarted",
        "discovery",
        "token",
        "TokenIssued",
        "FlowFinished",
    ]
    second = token.refresh_token
    assert second and second != first
    assert target.secrets.where(name, SecretKind.REFRESH_TOKEN).source == "keyring"
    assert target.secrets.get(name, SecretKind.REFRESH_TOKEN) == second
    assert first not in memory_keyring.values.values()
    assert token.access_token and token.expires_in and token.flow == "refresh"

    # the stored (rotated) one keeps working
    token2, _ = await refresh_run(target, bus)
    third = token2.refresh_token
    assert third and third not in (first, second)
    assert target.secrets.get(name, SecretKind.REFRESH_TOKEN) == third

    # the first one again: refused, and explained in the platform's terms
    with pytest.raises(TokenEndpointError) as caught:
        await refresh_run(target, bus, FlowOptions(refresh_token=first))
    exc = caught.value
    assert exc.error == "invalid_grant"
    if target.name == "sandbox":  # it says why: the reuse of a rotated token
        assert exc.cause == "refresh-token-reused"
        assert "revoked the whole token family" in exc.message
    else:  # the provider names no reason
        assert exc.cause == "refresh-token-refused"
        assert "expired, revoked or already used" in exc.message
    assert "sign in again" in exc.hint
    assert first not in str(exc)

    # nothing secret on disk, nothing unmasked on the bus
    assert isolated_dirs["config"].parent == tmp_path
    assert files_containing(tmp_path, first, second, third) == []
    shown = "\n".join(repr(e) for e in everything)
    for value in (first, second, third, token.access_token, token2.access_token):
        assert value not in shown
    request_bodies = [e.request_body for e in everything if isinstance(e, HttpExchange)]
    assert any(re.search(r"refresh_token=.{0,4}…\(\d+ chars\)", b) for b in request_bodies)


async def test_reuse_revokes_the_grant_so_the_newest_token_dies_too(target: Target) -> None:
    """The platform's theft protection: reusing a rotated token revokes the whole grant."""
    first = target.sign_in()
    target.secrets.store(target.profile.name, SecretKind.REFRESH_TOKEN, first)
    bus = Bus()
    await refresh_run(target, bus)
    with pytest.raises(TokenEndpointError):
        await refresh_run(target, bus, FlowOptions(refresh_token=first))
    with pytest.raises(TokenEndpointError) as caught:
        await refresh_run(target, bus)  # the stored, newest one
    assert caught.value.error == "invalid_grant"


async def test_without_a_keyring_the_new_token_stays_in_memory(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    target = sandbox_target(sandbox)
    first = target.sign_in()
    keyring.set_keyring(fail.Keyring())  # conftest restores the previous backend
    bus = Bus()
    # a store built without a bus, as the console keeps one: its notices reach the run's bus
    target.secrets = SecretStore(env={})
    target.secrets.remember(target.profile.name, SecretKind.REFRESH_TOKEN, first)
    with bus.collect() as events:
        result = await run_flow(target.profile, secrets=target.secrets, bus=bus, flow="refresh")
    second = result.api_token.refresh_token
    assert second and second != first
    where = target.secrets.where(target.profile.name, SecretKind.REFRESH_TOKEN)
    assert (where.source, target.secrets.get(target.profile.name, SecretKind.REFRESH_TOKEN)) == (
        "memory",
        second,
    )
    assert any("memory" in note for note in result.notes)
    run_id = events[0].run_id
    keyring_notices = [e for e in events if isinstance(e, Notice) and e.topic == "secrets"]
    assert [(n.run_id, "no usable keyring" in n.message) for n in keyring_notices] == [
        (run_id, True)
    ]
    assert keyring_notices[0].remedy is not None
    # a second run of the same store, on its own bus, is told again (once)
    other = Bus()
    with other.collect(Notice) as later:
        await run_flow(target.profile, secrets=target.secrets, bus=other, flow="refresh")
    assert [n.topic for n in later if n.topic == "secrets"] == ["secrets"]  # type: ignore[attr-defined]
    assert files_containing(tmp_path, first, second) == []


# --- no refresh token ------------------------------------------------------------------------------


async def test_no_refresh_token_says_sign_in_first(sandbox: Sandbox) -> None:
    target = sandbox_target(sandbox)
    bus = Bus()
    with bus.collect() as events, pytest.raises(SecretMissingError) as caught:
        await run_flow(target.profile, secrets=target.secrets, bus=bus, flow="refresh")
    assert "has no refresh token" in caught.value.message
    assert "sign in first" in caught.value.hint and "offline_access" in caught.value.hint
    assert [label(e) for e in events] == ["FlowStarted", "FlowFailed", "FlowFinished"]


# --- ensure_fresh ----------------------------------------------------------------------------------


async def test_ensure_fresh_refreshes_only_near_expiry(sandbox: Sandbox) -> None:
    target = sandbox_target(sandbox)
    first = target.sign_in()
    bus = Bus()
    async with build_client(
        HttpOptions(), bus=bus, run_id="r", redactor=target.secrets.redactor
    ) as client:
        ctx = FlowContext(
            profile=target.profile, secrets=target.secrets, bus=bus, run_id="r", client=client
        )
        fresh = TokenSet("at", "Bearer", 3600, ("read",), refresh_token=first)
        with bus.collect() as events:
            assert await ensure_fresh(ctx, fresh) is fresh
        assert events == []  # no request at all

        old = TokenSet("at", "Bearer", 3600, ("read",), refresh_token=first, issued_at=0.0)
        with bus.collect() as events:
            renewed = await ensure_fresh(ctx, old)
        assert renewed.access_token != "at" and renewed.seconds_left() > 3000  # type: ignore[operator]
        assert renewed.refresh_token and renewed.refresh_token != first
        stored = target.secrets.get(target.profile.name, SecretKind.REFRESH_TOKEN)
        assert stored == renewed.refresh_token
        assert any(isinstance(e, Notice) and "expired: refreshing" in e.message for e in events)

        soon = TokenSet("at", "Bearer", 30, ("read",), refresh_token=renewed.refresh_token)
        again = await ensure_fresh(ctx, soon, margin_s=60)
        assert again.refresh_token not in (None, renewed.refresh_token)

        unknown = TokenSet("enrt_x", "reference", None, ())
        assert await ensure_fresh(ctx, unknown) is unknown


# --- faults a real server does not show (httpx.MockTransport) ------------------------------------


def scripted(answers: list[tuple[int, dict[str, object]]]) -> httpx.MockTransport:
    base = "http://127.0.0.1:9/id"
    doc = {"issuer": base, "token_endpoint": f"{base}/connect/token"}
    left = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = (200, doc) if request.method == "GET" else left.pop(0)
        return httpx.Response(
            status,
            headers={"content-type": "application/json"},
            stream=httpx.ByteStream(json.dumps(body).encode()),
        )

    return httpx.MockTransport(handle)


async def test_no_rotation_keeps_the_old_token_and_echoed_tokens_are_masked() -> None:
    rt = "rt-that-does-not-rotate-0123"
    profile = new_profile(
        "scripted", "http://127.0.0.1:9", "spa", client_id="com.test/p", auth_method="none"
    )
    transport = scripted(
        [
            (200, {"access_token": "at-0123456789", "expires_in": 60}),
            (400, {"error": "invalid_grant", "error_description": f"token {rt} was revoked"}),
        ]
    )
    bus = Bus()
    secrets = SecretStore(env={})
    secrets.store(profile.name, SecretKind.REFRESH_TOKEN, rt)
    async with build_client(
        HttpOptions(), bus=bus, run_id="r", redactor=secrets.redactor, transport=transport
    ) as client:
        result = await run_flow(profile, secrets=secrets, bus=bus, flow="refresh", client=client)
        assert result.api_token.refresh_token == rt  # still the one to use next time
        assert secrets.get(profile.name, SecretKind.REFRESH_TOKEN) == rt
        with bus.collect() as events, pytest.raises(TokenEndpointError) as caught:
            await run_flow(profile, secrets=secrets, bus=bus, flow="refresh", client=client)
    assert caught.value.error == "invalid_grant"
    assert "was revoked" in caught.value.message and rt not in str(caught.value)
    assert rt not in caught.value.description
    assert rt not in "\n".join(repr(e) for e in events)
