"""`tokenlab doctor --admin-profile A`: the registration, read first, turns the ranked causes from
"may be" into "the registration says" (issue 13)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tokenlab.sandbox import Sandbox

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(cli: Any, sandbox: Sandbox) -> Any:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0
    return cli


def doctor(cli: Any, profile: str, *extra: str) -> dict[str, Any]:
    r = cli("doctor", "-p", profile, "--json", *extra)
    assert r.code == 1, r.err
    return dict(json.loads(r.out))


@pytest.mark.parametrize(
    ("profile", "key", "title"),
    [
        ("demo-disabled", "registration-disabled", "is disabled (IsEnabled is off)"),
        ("demo-no-system-user", "registration-no-system-user", "has no service access"),
        ("demo-scope-not-allowed", "registration-scope", "allows only the scopes read"),
        (
            "demo-redirect-mismatch",
            "registration-redirect-uri",
            "redirect URI is http://127.0.0.1/Callback, not http://127.0.0.1/callback",
        ),
    ],
)
def test_the_first_cause_is_what_the_registration_says(
    demo: Any, profile: str, key: str, title: str
) -> None:
    before = doctor(demo, profile)["diagnosis"]["causes"][0]
    assert not before["title"].startswith("The registration says")
    doc = doctor(demo, profile, "--admin-profile", "demo-admin")
    first = doc["diagnosis"]["causes"][0]
    assert first["key"] == key and first["title"].startswith("The registration says")
    assert title in first["title"]
    assert "Systems_Security_TrustedApplications" in first["evidence"]
    # the guess the refusal alone allowed is gone, its evidence kept under the stated cause
    keys = [c["key"] for c in doc["diagnosis"]["causes"]]
    assert not {"invalid-client", "no-service-access", "invalid-scope"} & set(keys)
    assert doc["app_check"]["ok"] is False
    text = demo("doctor", "-p", profile, "--admin-profile", "demo-admin")
    assert "1. The registration says" in text.out


def test_a_working_profile_says_its_registration_matches(demo: Any) -> None:
    r = demo("doctor", "-p", "demo-service-app", "--admin-profile", "demo-admin")
    assert r.code == 0, r.err
    assert "the token endpoint issued a token; the registration matches" in r.out


def test_an_unreadable_registration_does_not_stop_the_doctor(demo: Any) -> None:
    args = ("--admin-profile", "demo-admin", "--entity", "Nope")
    doc = doctor(demo, "demo-disabled", *args)
    assert doc["app_check"]["error"].startswith("the entity Nope was not found at http://")
    assert doc["diagnosis"]["causes"][0]["key"] == "invalid-client"  # the refusal's own reading
