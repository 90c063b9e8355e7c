"""A refresh reads the newest stored refresh token (another process may have rotated the one in
hand), and a refusal after a reuse carries what the flow knew, for its explanation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import CliResult
from tests.support.signin import sandbox_web_tokens
from tests.support.targets import sandbox_profile
from tokenlab.core.events import Bus
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.refresh import RefreshTokenRefusedError, ensure_fresh, refresh
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile, ProfileStore
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.sandbox import Sandbox

CALLBACK = "http://127.0.0.1:53124/callback"
PROFILE = "demo-web-app"


@pytest.fixture
async def ctx(sandbox: Sandbox) -> AsyncIterator[FlowContext]:
    profile, _ = sandbox_profile(sandbox, PROFILE)
    secrets, bus = SecretStore(env={}), Bus()
    first = str(sandbox_web_tokens(sandbox, profile, CALLBACK)["refresh_token"])
    secrets.store(profile.name, SecretKind.REFRESH_TOKEN, first)  # the (test) OS keyring
    async with build_client(HttpOptions(), bus=bus, redactor=secrets.redactor) as client:
        yield FlowContext(profile, secrets, bus, "r", client, flow="refresh")


def spend_elsewhere(sandbox: Sandbox, profile: Profile, token: str) -> str:
    """What another process (or a copy of the token) does: refresh with it; the new token."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": profile.client_id,
        "client_secret": profile.public_secret,
    }
    answer = httpx.post(f"{sandbox.url}/id/connect/token", data=form, timeout=5)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["refresh_token"])


async def test_a_stale_token_in_hand_gives_way_to_the_stored_one(
    sandbox: Sandbox, ctx: FlowContext
) -> None:
    first = ctx.secrets.get(PROFILE, SecretKind.REFRESH_TOKEN)
    assert first
    in_hand = TokenSet("at", "Bearer", 3600, ("read",), refresh_token=first, issued_at=0.0)
    newer = await refresh(ctx)  # e.g. another run of the console rotated it meanwhile
    renewed = await ensure_fresh(ctx, in_hand)  # the token set in hand still holds `first`
    assert renewed.refresh_token not in (None, first, newer.refresh_token)
    family = sandbox.instance.store.refresh[first].family
    assert family not in sandbox.instance.store.revoked_families  # `first` was not spent twice


async def test_a_refusal_after_a_reuse_carries_the_flows_evidence(
    sandbox: Sandbox, ctx: FlowContext
) -> None:
    await refresh(ctx)  # a rotation by this profile's own lock holder leaves a note
    stored = ctx.secrets.get(PROFILE, SecretKind.REFRESH_TOKEN)
    assert stored
    spend_elsewhere(sandbox, ctx.profile, stored)  # a copy of the token, spent elsewhere
    with pytest.raises(RefreshTokenRefusedError) as caught:
        await refresh(ctx)
    exc = caught.value
    assert exc.error == "invalid_grant" and "already used" in exc.description
    assert exc.message and exc.hint  # the explanation's own words are kept
    attempt = exc.attempt
    assert attempt.server_says_reused and attempt.locked and attempt.source == "keyring"
    assert attempt.last_holder_did == "rotated" and not attempt.other_process_refreshed
    assert "read from the OS keyring" in attempt.facts()
    assert stored not in json.dumps(attempt.to_json()) + attempt.facts()


def test_token_json_says_what_the_flow_knew_of_a_refused_refresh(
    sandbox: Sandbox, cli: Any
) -> None:
    profile, _ = sandbox_profile(sandbox, PROFILE)
    ProfileStore().save(profile)
    first = str(sandbox_web_tokens(sandbox, profile, CALLBACK)["refresh_token"])
    SecretStore(env={}).store(PROFILE, SecretKind.REFRESH_TOKEN, first)
    spend_elsewhere(sandbox, profile, first)
    r: CliResult = cli("token", "-p", PROFILE, "--flow", "refresh", "--json", "-q")
    assert r.code == 1
    error = json.loads(r.out)["error"]
    assert error["error"] == "invalid_grant"
    assert error["refresh"]["server_says_reused"] is True
    assert error["refresh"]["locked"] is True
    assert first not in r.out + r.err


@pytest.mark.parametrize(
    ("description", "reused"),
    [
        ("refresh token was already used (rotated); the grant is revoked", True),  # sandbox
        ("Maximum allowed refresh token reuse exceeded", True),  # Keycloak
        ("Refresh token replay detected", True),
        ("The refresh token has already been used.", True),
        ("refresh token expired", False),
        ("The refresh token is invalid or expired.", False),
        ("", False),
    ],
)
def test_the_servers_own_words_say_whether_a_refresh_token_was_spent_before(
    description: str, reused: bool
) -> None:
    from tokenlab.core.refresh_evidence import says_reused

    assert says_reused(description) is reused
