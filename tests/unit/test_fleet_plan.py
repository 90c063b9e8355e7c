"""The fleet's small decisions: which profiles a glob picks, what runs unattended, a row's words."""

from __future__ import annotations

from datetime import datetime

import pytest

from tokenlab.core.fleet import NEEDS_SIGN_IN, FleetRow, select_names, unattended_flow
from tokenlab.core.fleet.rows import few_words
from tokenlab.core.profiles import new_profile
from tokenlab.core.secrets import SecretKind, SecretStore

NAMES = ["acme-prod", "acme-test", "Acme-legacy", "contoso", "demo-api-x"]


@pytest.mark.parametrize(
    ("pattern", "picked"),
    [
        ("*", sorted(NAMES)),
        ("acme-*", ["acme-prod", "acme-test"]),  # case-sensitive, as the file names are
        ("*-test", ["acme-test"]),
        ("contoso", ["contoso"]),
        ("[ac]*", ["acme-prod", "acme-test", "contoso"]),
        ("nothing*", []),
    ],
)
def test_a_glob_picks_profile_names(pattern: str, picked: list[str]) -> None:
    assert select_names(NAMES, pattern) == picked


@pytest.mark.parametrize(
    ("scenario", "flow"),
    [
        ("service-app", "client-credentials"),
        ("automation", "reference-token"),
        ("web-app", None),
        ("spa", None),
        ("web-portal", None),
    ],
)
def test_only_what_needs_nobody_runs(scenario: str, flow: str | None) -> None:
    profile = new_profile("p", "https://acme.example", scenario, client_id="c")
    assert unattended_flow(profile, SecretStore(env={})) == flow


@pytest.mark.parametrize("scenario", ["web-app", "spa", "web-portal"])
def test_a_kept_refresh_token_lets_an_interactive_profile_run(scenario: str) -> None:
    profile = new_profile("p", "https://acme.example", scenario, client_id="c")
    store = SecretStore(env={})
    store.remember("p", SecretKind.REFRESH_TOKEN, "a-kept-refresh-token")
    assert unattended_flow(profile, store) == "refresh"


def test_few_words_cut_and_made_inert() -> None:
    assert few_words("invalid_scope") == "invalid_scope"
    long = "the identity service refused the request because " * 3
    cut = few_words(long, 20)
    assert len(cut) == 20 and cut.endswith("…")
    assert "\x1b" not in few_words("evil \x1b[31mred\x1b[0m text")


def test_a_row_in_json_has_epoch_and_iso_times() -> None:
    row = FleetRow(
        profile="p",
        scenario="spa",
        authority_kind="instance",
        outcome="needs_sign_in",
        flow="",
        token=NEEDS_SIGN_IN,
        api_status=None,
        cause="",
        cause_key="",
        started_at=1_800_000_000.25,
        elapsed_s=0.0004,
    )
    doc = row.to_json()
    assert doc["started_at"] == 1_800_000_000.25
    assert datetime.fromisoformat(doc["started_at_iso"].replace("Z", "+00:00")).timestamp() == (
        1_800_000_000
    )
    assert doc["api_status"] is None and doc["token_ok"] is False and not row.failed
