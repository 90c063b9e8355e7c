"""The automation scenario: a reference token from the keyring, the environment or the demo value.

No OAuth request is made; the token is then sent to the real provider's API and the sandbox's
API in the one header `reference_token_headers` builds, to show it is usable as given.
"""

from __future__ import annotations

import httpx
import pytest

from tests.idp.fixtures import TestProvider
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import RemedyKind, SecretMissingError, UsageError
from tokenlab.core.events import Bus, Event, FlowFailed, HttpExchange, Notice, TokenIssued
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.redact import mask
from tokenlab.core.reference_tokens import (
    check_reference_token,
    looks_like_jwt,
    reference_token_headers,
)
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import FlowResult
from tokenlab.sandbox import (
    DEMO_REFERENCE_TOKEN,
    DEMO_REVOKED_REFERENCE_TOKEN,
    Sandbox,
    demo_catalog,
)

CUSTOMERS = "Crm_Sales_Customers?$top=1"


def automation_profile(instance: str, name: str = "automation") -> Profile:
    return new_profile(name, instance, "automation")


async def run(profile: Profile, secrets: SecretStore) -> tuple[FlowResult, list[Event]]:
    bus = Bus()
    with bus.collect() as events:
        result = await run_flow(profile, secrets=secrets, bus=bus)  # the scenario's default flow
    return result, list(events)


def api_status(api: str, token: str, header: str) -> int:
    with httpx.Client(timeout=5) as http:
        response = http.get(
            f"{api}{CUSTOMERS}",
            headers={"Accept": "application/json", **reference_token_headers(token, header)},
        )
    return response.status_code


def assert_no_request_and_masked(events: list[Event], token: str) -> None:
    assert not [e for e in events if isinstance(e, HttpExchange)]  # no OAuth request at all
    issued = [e for e in events if isinstance(e, TokenIssued)]
    assert len(issued) == 1 and issued[0].masked_token == mask(token)
    assert issued[0].token_type == "reference" and issued[0].expires_in is None
    assert token not in "\n".join(repr(e) for e in events)


# --- sources -------------------------------------------------------------------------------------


@pytest.mark.idp
@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_from_the_keyring_and_accepted_by_the_idp_api(idp: TestProvider, header: str) -> None:
    profile = automation_profile(idp.base_url)
    token = idp.reference_tokens.valid[0]
    secrets = SecretStore(env={})
    secrets.store(profile.name, SecretKind.REFERENCE_TOKEN, token)
    result, events = await run(profile, secrets)
    assert result.flow == "reference-token"
    assert result.api_token.access_token == token
    assert (result.api_token.token_type, result.api_token.expires_in) == ("reference", None)
    assert "the OS keyring" in result.notes[0]
    assert result.findings == ()
    assert_no_request_and_masked(events, token)
    assert api_status(idp.api_url, token, header) == 200
    assert api_status(idp.api_url, idp.reference_tokens.revoked[0], header) == 401


async def test_from_the_environment_trimmed(sandbox: Sandbox) -> None:
    profile = automation_profile(sandbox.url)
    ref = sandbox.add_reference_token()
    secrets = SecretStore(env={"TOKENLAB_REFERENCE_TOKEN": ref.token + "\n"})
    result, events = await run(profile, secrets)
    assert result.api_token.access_token == ref.token
    assert "TOKENLAB_REFERENCE_TOKEN" in result.notes[0]
    assert_no_request_and_masked(events, ref.token)
    assert api_status(profile.api, ref.token, "authorization") == 200


async def test_public_demo_value_of_the_sandbox(sandbox: Sandbox) -> None:
    demo = next(d for d in demo_catalog(sandbox.url) if d.name == "demo-automation")
    profile = to_profile(demo)
    result, events = await run(profile, SecretStore(env={}))
    assert result.api_token.access_token == DEMO_REFERENCE_TOKEN
    assert "published demo value" in result.notes[0]
    assert_no_request_and_masked(events, DEMO_REFERENCE_TOKEN)
    assert api_status(profile.api, DEMO_REFERENCE_TOKEN, "x-api-key") == 200
    assert api_status(profile.api, DEMO_REVOKED_REFERENCE_TOKEN, "x-api-key") == 401


async def test_keyring_wins_over_environment_and_demo_value(sandbox: Sandbox) -> None:
    demo = next(d for d in demo_catalog(sandbox.url) if d.name == "demo-automation")
    profile = to_profile(demo)
    secrets = SecretStore(env={"TOKENLAB_REFERENCE_TOKEN": "enrt_from_environment_0001"})
    secrets.store(profile.name, SecretKind.REFERENCE_TOKEN, "enrt_from_keyring_000000001")
    result, _ = await run(profile, secrets)
    assert result.api_token.access_token == "enrt_from_keyring_000000001"


async def test_missing_is_a_clear_error_with_every_way_to_give_one() -> None:
    profile = automation_profile("https://acme.my.erp.net", name="acme-automation")
    bus = Bus()
    with bus.collect() as events, pytest.raises(SecretMissingError) as caught:
        await run_flow(profile, secrets=SecretStore(env={}), bus=bus)
    exc = caught.value
    assert exc.message == "profile 'acme-automation' has no reference token"
    assert "--" not in exc.hint and exc.remedy is not None
    assert exc.remedy.kind == RemedyKind.STORE_SECRET
    shown = hint_with_remedy(exc.hint, exc.remedy)  # what the CLI prints
    for way in (
        "tokenlab secret set acme-automation --kind reference-token",
        "TOKENLAB_REFERENCE_TOKEN",
        "--secret-stdin",
        "enrt_",
    ):
        assert way in shown
    assert not [e for e in events if isinstance(e, HttpExchange)]
    assert [e.message for e in events if isinstance(e, FlowFailed)] == [exc.message]


# --- warnings ------------------------------------------------------------------------------------


async def test_a_value_without_the_enrt_prefix_is_warned_about() -> None:
    profile = automation_profile("https://acme.my.erp.net")
    secrets = SecretStore(env={"TOKENLAB_REFERENCE_TOKEN": "pat-0123456789abcdef"})
    result, events = await run(profile, secrets)
    assert [f.level for f in result.findings] == ["warning"]
    assert "does not start with 'enrt_'" in result.findings[0].message
    notices = [e for e in events if isinstance(e, Notice)]
    assert notices and notices[0].level == "warning" and "enrt_" in notices[0].message
    assert "pat-0123456789abcdef" not in "\n".join(repr(e) for e in events)


@pytest.mark.idp
async def test_a_jwt_is_not_a_reference_token(idp: TestProvider) -> None:
    jwt_token = idp.mint_token()
    assert looks_like_jwt(jwt_token)
    profile = automation_profile(idp.base_url)
    result, events = await run(profile, SecretStore(env={"TOKENLAB_REFERENCE_TOKEN": jwt_token}))
    assert len(result.findings) == 1
    assert "is a JWT" in result.findings[0].message
    assert "access token, not a reference token" in result.findings[0].message
    assert jwt_token not in "\n".join(repr(e) for e in events)


def test_checks_do_not_fire_on_a_real_reference_token() -> None:
    assert check_reference_token(DEMO_REFERENCE_TOKEN) == []
    assert not looks_like_jwt("enrt_a.b.c")
    assert not looks_like_jwt("a.b")


# --- the one header ------------------------------------------------------------------------------


def test_reference_token_headers_send_exactly_one_header() -> None:
    assert reference_token_headers("enrt_x") == {"Authorization": "Bearer enrt_x"}
    assert reference_token_headers("enrt_x", "authorization") == {"Authorization": "Bearer enrt_x"}
    assert reference_token_headers("enrt_x", "X-Api-Key") == {"X-Api-Key": "enrt_x"}
    with pytest.raises(UsageError, match="unknown reference token header"):
        reference_token_headers("enrt_x", "cookie")


def test_token_command_never_prints_a_reference_token(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    secret = "enrt_" + "CANARY0reference0token0value"
    r = cli("token", "--profile", "demo-automation", "--secret-stdin", stdin=secret + "\n")  # type: ignore[operator]
    # stdout carries a usable token or nothing: without --reveal, nothing, and exit 2
    assert r.code == 2 and secret not in r.out + r.err
    assert r.out == "" and "--reveal" in r.err
    r = cli(
        "token", "--profile", "demo-automation", "--json", "--secret-stdin", stdin=secret + "\n"
    )  # type: ignore[operator]
    assert r.code == 0 and secret not in r.out + r.err
