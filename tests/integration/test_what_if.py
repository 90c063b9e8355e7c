"""What-if replay against the sandbox: which single change makes the API accept the call."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest

from tests.idp.fixtures import FORBIDDEN_ENTITY_SET, TestProvider
from tests.support.fault_server import fault_server
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab import cli
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import ProbeError
from tokenlab.core.probing.what_if import Call, Issuer, WhatIfResult, what_if
from tokenlab.core.profiles import Profile, ProfileStore
from tokenlab.core.redact import Redactor
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.sandbox import Sandbox

pytestmark = pytest.mark.slow


def issuer(store: SecretStore, bus: Bus) -> Issuer:
    async def issue(profile: Profile) -> TokenSet:
        return (await run_flow(profile, secrets=store, bus=bus)).api_token

    return issue


@pytest.fixture
async def bus_client() -> AsyncIterator[tuple[Bus, httpx.AsyncClient]]:
    bus = Bus()
    async with build_client(HttpOptions(timeout=5.0), bus=bus, redactor=Redactor()) as c:
        yield bus, c


def by_name(result: WhatIfResult) -> dict[str, object]:
    return {r.variation: r for r in result.replays}


def assert_one_change_each(result: WhatIfResult) -> None:
    for r in result.replays:
        if r.result is not None:
            assert len(r.changed) == 1, (r.variation, r.changed)


async def test_an_expired_token_is_flipped_by_a_fresh_one(
    isolated_sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = sandbox_profile(isolated_sandbox, "demo-service-app")
    issue = issuer(store, bus)
    old = await issue(profile)
    isolated_sandbox.clock.advance(3601)  # the old token expired an instant ago
    with bus.collect(HttpExchange) as exchanges:
        result = await what_if(client, profile, Call(old), issue=issue)
    assert result.original.status == 401 and not result.original.ok
    replays = {r.variation: r for r in result.replays}
    fresh = replays["fresh-token"]
    assert fresh.flipped and fresh.result is not None and fresh.result.status == 200
    assert fresh.changed == ("token",)
    assert [r.variation for r in result.flips] == ["fresh-token"]
    assert "fresh-token flips it" in result.summary and "old token" in result.summary
    assert "already has the scopes" in replays["profile-scopes"].why_not
    assert "already the seed's first call" in replays["seed-first-call"].why_not
    assert_one_change_each(result)
    # each replay is in the trace: the first call, the control (the same call again), the new
    # token's request, the replay
    assert result.control is not None and result.control.status == 401
    assert not result.intermittent
    api_calls = [e for e in exchanges if "Crm_Sales_Customers" in e.url]
    assert [e.status for e in api_calls] == [401, 401, 200]
    assert any("/connect/token" in e.url for e in exchanges)


async def test_the_flaky_node_is_called_intermittent_not_credited_to_a_change(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    # two nodes answer in turn, one refuses the token: a refusal that the unchanged call does
    # not repeat must not be credited to whichever change happened to reach the good node
    bus, client = bus_client
    profile, store = sandbox_profile(sandbox, "demo-api-flaky-node")
    issue = issuer(store, bus)
    token = await issue(profile)
    for _ in range(2):  # the first call may land on the node that accepts the token
        result = await what_if(client, profile, Call(token), issue=issue)
        if not result.original.ok:
            break
    assert result.original.status == 401
    assert result.control is not None and result.control.status == 200
    assert result.intermittent and result.to_json()["intermittent"] is True
    assert result.summary.startswith("the same call, unchanged, was accepted on a second try")
    assert "fresh-token flips it" not in result.summary


async def test_a_403_that_no_variation_flips_says_so(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = sandbox_profile(sandbox, "demo-api-forbidden")
    issue = issuer(store, bus)
    result = await what_if(client, profile, Call(await issue(profile)), issue=issue)
    assert result.original.status == 403
    assert result.flips == ()
    replayed = [r for r in result.replays if r.result is not None]
    assert [r.variation for r in replayed] == ["fresh-token"]
    assert replayed[0].result is not None and replayed[0].result.status == 403
    assert result.summary.startswith("no single change made the API accept the call")
    assert result.original.verdict.causes  # the ranked causes stay next to the replays
    assert_one_change_each(result)


async def test_the_seed_call_flips_a_wrong_path_and_changes_only_the_request(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = sandbox_profile(sandbox, "demo-api-not-found")
    issue = issuer(store, bus)
    token = await issue(profile)
    result = await what_if(client, profile, Call(token), issue=issue)
    assert result.original.status == 404
    replays = {r.variation: r for r in result.replays}
    seed = replays["seed-first-call"]
    assert seed.flipped and seed.changed == ("request",)
    assert seed.result is not None and seed.result.token_header == result.original.token_header
    assert replays["fresh-token"].result is not None and not replays["fresh-token"].flipped
    assert "request itself" in result.summary
    assert_one_change_each(result)


async def test_a_token_without_the_read_scope_is_flipped_by_the_profile_scopes(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = sandbox_profile(sandbox, "demo-service-app")
    issue = issuer(store, bus)
    narrow = await issue(replace(profile, scopes=("update",)))
    result = await what_if(client, profile, Call(narrow), issue=issue)
    assert result.original.status == 403
    assert result.original.verdict.kind == "insufficient-scope"
    replays = {r.variation: r for r in result.replays}
    assert replays["profile-scopes"].flipped
    assert replays["profile-scopes"].changed == ("token",)
    assert_one_change_each(result)


async def test_a_reference_token_is_replayed_in_the_other_header_only(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    _, client = bus_client
    profile, _ = sandbox_profile(sandbox, "demo-automation")
    revoked = "enrt_" + "x" * 40  # unknown to the instance: refused in either header
    result = await what_if(client, profile, Call(revoked, "x-api-key"), issue=None)
    assert result.original.status == 401
    replays = {r.variation: r for r in result.replays}
    other = replays["other-header"]
    assert other.result is not None and other.changed == ("header",)
    assert other.result.token_header == "Authorization"
    assert "reference token" in replays["fresh-token"].why_not
    assert result.flips == ()


async def test_no_credential_goes_to_another_origin(
    sandbox: Sandbox, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = sandbox_profile(sandbox, "demo-api-not-found")
    issue = issuer(store, bus)
    token = await issue(profile)
    with bus.collect(HttpExchange) as exchanges:
        await what_if(client, profile, Call(token), issue=issue)
    allowed = {urlsplit(profile.api).netloc, urlsplit(profile.authority).netloc}
    carrying = [
        e for e in exchanges if any(k.lower() == "authorization" for k, _ in e.request_headers)
    ]
    assert carrying and {urlsplit(e.url).netloc for e in carrying} <= allowed
    with fault_server() as other:  # a path on another origin: refused before anything is sent
        elsewhere = f"{other.url}/ok/api/domain/odata/Crm_Sales_Customers"
        with pytest.raises(ProbeError, match="not sent to another origin"):
            await what_if(client, profile, Call(token, path=elsewhere), issue=issue)
        assert other.sent(token.access_token) == []


# -- the CLI ---------------------------------------------------------------------------------------


def tokenlab(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def demo_profiles(sandbox: Sandbox) -> None:
    write_demo_profiles(ProfileStore(), sandbox.url)


def test_cli_what_if_text_names_the_change_that_flips(demo_profiles: None) -> None:
    code, out, err = tokenlab("probe", "--profile", "demo-api-not-found", "--what-if")
    assert code == 1, out + err
    assert "← 404" in out and "most likely causes:" in out
    assert "what-if (one change per replay, the first answer was 404):" in out
    assert re.search(r"seed-first-call\s+404 → 200\s+FLIPS", out), out
    assert re.search(r"fresh-token\s+404 → 404\s+same", out), out
    assert re.search(r"other-header\s+not applicable: only a reference token", out), out
    assert "what-if: seed-first-call flips it" in out
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", out + err)  # no whole token


def test_cli_what_if_json(demo_profiles: None) -> None:
    code, out, _ = tokenlab("probe", "--profile", "demo-api-forbidden", "--what-if", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False and data["flipped_by"] == []
    assert data["original"]["status"] == 403 and data["original"]["verdict"]["causes"]
    rows = {r["variation"]: r for r in data["replays"]}
    assert rows["fresh-token"]["status"] == 403 and rows["fresh-token"]["changed"] == ["token"]
    assert rows["seed-first-call"]["applies"] is False
    assert data["summary"].startswith("no single change")


def test_cli_what_if_with_repeat_is_a_usage_error(demo_profiles: None) -> None:
    code, _, err = tokenlab("probe", "--profile", "demo-service-app", "--what-if", "--repeat", "2")
    assert code == 2 and "exclude each other" in err and "Traceback" not in err


# -- the test provider -------------------------------------------------------------------------------


@pytest.mark.idp
async def test_idp_a_403_on_one_entity_set_is_flipped_by_the_seed_call(
    idp: TestProvider, bus_client: tuple[Bus, httpx.AsyncClient]
) -> None:
    bus, client = bus_client
    profile, store = idp_profile(idp, "service_basic")
    profile = replace(profile, probe=replace(profile.probe, path=f"{FORBIDDEN_ENTITY_SET}?$top=1"))
    issue = issuer(store, bus)
    result = await what_if(client, profile, Call(await issue(profile)), issue=issue)
    assert result.original.status == 403
    replays = {r.variation: r for r in result.replays}
    assert replays["fresh-token"].result is not None and not replays["fresh-token"].flipped
    assert replays["seed-first-call"].flipped and replays["seed-first-call"].changed == ("request",)
    assert [r.variation for r in result.flips] == ["seed-first-call"]
    assert_one_change_each(result)
