"""`tokenlab doctor --all`: every demo profile of the sandbox at once, one row each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/json/doctor.all.schema.json").read_text())
INTERACTIVE = {"demo-web-app", "demo-spa", "demo-portal", "demo-redirect-mismatch"}


@pytest.fixture
def demo_store(sandbox: Sandbox) -> ProfileStore:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return store


def rows_of(out: str) -> dict[str, str]:
    lines = [line for line in out.splitlines() if line.startswith("demo-")]
    return {line.split()[0]: line for line in lines}


@pytest.mark.slow
def test_every_demo_profile_gets_one_row_and_a_failure_means_exit_1(
    cli: Any, demo_store: ProfileStore
) -> None:
    result = cli("doctor", "--all")
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    header = lines[0]
    assert header.split()[:4] == ["PROFILE", "SCENARIO", "AUTHORITY", "TOKEN"]
    rows = rows_of(result.out)
    assert set(rows) == set(demo_store.names())
    assert rows["demo-service-app"].split()[3:5] == ["ok", "200"]
    assert rows["demo-automation"].split()[3:5] == ["ok", "200"]
    assert "invalid_scope" in rows["demo-scope-not-allowed"]
    assert "The scope 'update' is not allowed" in rows["demo-scope-not-allowed"]
    assert rows["demo-global-authority"].split()[2:5] == ["global", "not", "issued"]
    assert rows["demo-api-forbidden"].split()[3:5] == ["ok", "403"]
    for name in INTERACTIVE:
        assert "needs sign-in" in rows[name]
    # the columns stand still whatever the names' lengths: API is at the header's offset
    api_at = header.index("API")
    for line in rows.values():
        assert line[api_at - 2 : api_at] == "  " and line[api_at] != " "
    assert rows["demo-admin"].split()[3:5] == ["ok", "200"]
    # the flaky node's first probe reaches the node that accepts the token
    assert rows["demo-api-flaky-node"].split()[3:5] == ["ok", "200"]
    assert f"{len(rows)} profiles: 4 ok, 14 failed, 4 need a sign-in" in result.out


def test_a_glob_selects_profiles_and_all_ok_means_exit_0(
    cli: Any, demo_store: ProfileStore
) -> None:
    result = cli("doctor", "--all", "--profiles", "demo-service-*")
    assert result.code == 0, result.err
    assert list(rows_of(result.out)) == ["demo-service-app"]
    assert "1 profiles: 1 ok, 0 failed" in result.out


@pytest.mark.slow
def test_json_follows_its_schema(cli: Any, demo_store: ProfileStore) -> None:
    result = cli("doctor", "--all", "--profiles", "demo-a*", "--parallel", "3", "--json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    jsonschema.validate(doc, SCHEMA)
    names = [row["profile"] for row in doc["rows"]]
    assert names == sorted(names) and "demo-automation" in names
    assert all(name.startswith("demo-a") for name in names)
    assert doc["parallel"] == 3 and doc["ok"] is False
    forbidden = next(r for r in doc["rows"] if r["profile"] == "demo-api-forbidden")
    assert forbidden["api_status"] == 403 and forbidden["outcome"] == "fail"
    assert forbidden["started_at_iso"].endswith("Z") and forbidden["started_at"] > 1.7e9


def test_an_interactive_profile_with_a_stored_refresh_token_is_refreshed(
    cli: Any, demo_store: ProfileStore
) -> None:
    SecretStore().store("demo-web-app", SecretKind.REFRESH_TOKEN, "not-a-refresh-token-1234")
    result = cli("doctor", "--all", "--profiles", "demo-web-app", "--json")
    (row,) = json.loads(result.out)["rows"]
    assert row["flow"] == "refresh"
    assert row["outcome"] == "fail" and row["token"] == "invalid_grant"
    assert row["token_error"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--all", "--profile", "demo-spa"), "exclude each other"),
        ((), "needs --profile NAME or --all"),
        (("--profile", "demo-spa", "--profiles", "x"), "--profiles works only with --all"),
        (("--all", "--parallel", "0"), "--parallel must be 1..1000"),
        (("--all", "--profiles", "nothing-*"), "no profile matches 'nothing-*'"),
        (("--all", "--report", "r.md"), "--report is for one profile"),
        (("--all", "--flow", "refresh"), "--flow is for one profile"),
        (("--all", "--secret-stdin"), "--secret-stdin is for one profile"),
    ],
)
def test_bad_fleet_arguments_are_one_line_and_exit_2(
    cli: Any, demo_store: ProfileStore, args: tuple[str, ...], words: str
) -> None:
    result = cli("doctor", *args)
    assert result.code == 2
    assert words in result.err
    assert "Traceback" not in result.err
