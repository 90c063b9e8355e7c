"""`tokenlab app card|check` end to end against the sandbox: the card, the registration read back
with the demo administrator's token, and each kind of mismatch named (issue 13).

The mismatches come from the sandbox's own demo registrations (a disabled app, one without a
system user, one allowed `read` only, a redirect URI registered with a capital letter), plus
profiles made here for what a registration cannot be wrong about on its own (a wrong secret, a
client type the scenario does not match, a client id nobody registered).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tokenlab.sandbox import Sandbox
from tokenlab.sandbox.registrations import DEMO_SECRETS, SERVICE_APP, SPA, hash_secret

pytestmark = pytest.mark.slow

CANARY = "CANARY+/= é-app-5ecret"


@pytest.fixture
def demo(cli: Any, sandbox: Sandbox) -> Any:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0
    return cli


def check(cli: Any, profile: str, *extra: str) -> tuple[int, dict[str, Any]]:
    r = cli("app", "check", "-p", profile, "-a", "demo-admin", "--json", *extra)
    assert r.code in (0, 1), r.err
    return r.code, json.loads(r.out)


def mismatch(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    (first, *_) = [c for c in doc["comparisons"] if c["kind"] == kind and c["status"] == "mismatch"]
    return first


def add_profile(cli: Any, sandbox: Sandbox, name: str, scenario: str, client_id: str) -> None:
    r = cli(
        "profiles", "add", name, "--instance", sandbox.url, "--scenario", scenario,
        "--client-id", client_id,
    )  # fmt: skip
    assert r.code == 0, r.err


def test_the_card_names_every_field_in_the_platforms_words(demo: Any) -> None:
    r = demo("app", "card", "-p", "demo-portal")
    assert r.code == 0, r.err
    for name in (
        "ApplicationUri", "IsEnabled", "ClientType", "SystemUserAllowed", "SystemUser",
        "ImpersonateAsInternalUserAllowed", "ImpersonateLoginUrl", "Scope",
    ):  # fmt: skip
        assert name in r.out
    doc = json.loads(demo("app", "card", "-p", "demo-portal", "--json").out)
    assert doc["client_type"] == "Confidential" and doc["system_user_required"] is True
    assert doc["redirect_uris"] == ["http://127.0.0.1/callback"]
    assert doc["scope"] == ["read", "update"]  # openid profile are not configured on the app
    assert "openid" not in " ".join(f["value"] for f in doc["fields"])


def test_a_matching_registration_passes_and_its_hash_is_the_stored_one(demo: Any) -> None:
    code, doc = check(demo, "demo-service-app")
    assert code == 0 and doc["ok"] and doc["mismatches"] == []
    stored = hash_secret(DEMO_SECRETS[SERVICE_APP])
    assert doc["card"]["secret_hash"] == doc["registration"]["secret_hash"] == stored
    assert isinstance(doc["checked_at"], int) and doc["checked_at_iso"].endswith("Z")
    assert doc["entity"] == "Systems_Security_TrustedApplications"


@pytest.mark.parametrize(
    ("profile", "kind", "words"),
    [
        ("demo-disabled", "disabled", "disabled"),
        ("demo-no-system-user", "system-user", "SystemUser"),
        ("demo-scope-not-allowed", "scope-missing", "not allowed: update"),
    ],
)
def test_each_demo_mismatch_is_named(demo: Any, profile: str, kind: str, words: str) -> None:
    code, doc = check(demo, profile)
    assert code == 1 and kind in doc["mismatches"]
    found = mismatch(doc, kind)
    assert words in found["detail"] or words in found["field"]
    text = demo("app", "check", "-p", profile, "-a", "demo-admin")
    assert text.code == 1 and f"mismatch(es): {kind}" in text.out.splitlines()[-1]


def test_a_redirect_uri_differing_by_case_shows_the_nearest_and_the_character(demo: Any) -> None:
    code, doc = check(demo, "demo-redirect-mismatch")
    assert code == 1 and doc["mismatches"] == ["redirect-uri"]
    found = mismatch(doc, "redirect-uri")
    assert found["expected"] == "http://127.0.0.1/callback"
    assert found["registered"] == "http://127.0.0.1/Callback"
    assert "differs only by case: at character 18, 'c' here, 'C' registered" in found["detail"]
    # allowed but not asked for is said, and is not a mismatch
    assert any(c["kind"] == "scope-extra" and c["status"] == "extra" for c in doc["comparisons"])


def test_a_wrong_secret_is_a_hash_mismatch_and_the_secret_is_never_shown(
    demo: Any, sandbox: Sandbox
) -> None:
    add_profile(demo, sandbox, "wrong-secret", "service-app", SERVICE_APP)
    assert demo("secret", "set", "wrong-secret", "--stdin", stdin=CANARY + "\n").code == 0
    outputs = [
        demo("app", "card", "-p", "wrong-secret"),
        demo("app", "card", "-p", "wrong-secret", "--json"),
        demo("app", "check", "-p", "wrong-secret", "-a", "demo-admin"),
        demo("app", "check", "-p", "wrong-secret", "-a", "demo-admin", "--json"),
    ]
    code, doc = check(demo, "wrong-secret")
    assert code == 1 and doc["mismatches"] == ["secret-hash"]
    mine = base64.b64encode(hashlib.sha256(CANARY.encode()).digest()).decode()
    assert mismatch(doc, "secret-hash")["expected"] == mine
    assert mismatch(doc, "secret-hash")["registered"] == hash_secret(DEMO_SECRETS[SERVICE_APP])
    for r in outputs:
        for text in (r.out, r.err):
            assert "CANARY" not in text and "5ecret" not in text


def test_a_client_type_the_scenario_does_not_match(demo: Any, sandbox: Sandbox) -> None:
    add_profile(demo, sandbox, "spa-as-web-app", "web-app", SPA)
    code, doc = check(demo, "spa-as-web-app")
    assert code == 1 and "client-type" in doc["mismatches"]
    found = mismatch(doc, "client-type")
    assert (found["expected"], found["registered"]) == ("Confidential", "Public")


def test_a_client_id_nobody_registered(demo: Any, sandbox: Sandbox) -> None:
    add_profile(demo, sandbox, "nobody", "service-app", "com.tokenlab.demo/Service-App")
    code, doc = check(demo, "nobody")
    assert code == 1 and doc["mismatches"] == ["not-registered"] and doc["registration"] is None


def test_an_unknown_entity_says_where_it_looked_and_that_the_name_is_inferred(demo: Any) -> None:
    r = demo("app", "check", "-p", "demo-service-app", "-a", "demo-admin", "--entity", "Nope")
    assert r.code == 1 and r.out == ""
    assert "the entity Nope was not found at http://" in r.err and "/odata/Nope" in r.err
    assert "inferred from the platform's naming" in r.err and "--entity" in r.err
    assert "Traceback" not in r.err


def test_a_profile_that_is_no_administrator_is_refused(demo: Any) -> None:
    r = demo("app", "check", "-p", "demo-spa", "-a", "demo-service-app")
    assert r.code == 1 and "HTTP 403" in r.err and "demo-service-app" in r.err


def test_automation_has_no_card(demo: Any) -> None:
    r = demo("app", "card", "-p", "demo-automation")
    assert r.code == 2 and "no Trusted Application is involved" in r.err


def test_the_json_has_the_fields_its_schema_documents(demo: Any) -> None:
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "json"
    card_schema = json.loads((docs / "app.card.schema.json").read_text())
    check_schema = json.loads((docs / "app.check.schema.json").read_text())
    card = json.loads(demo("app", "card", "-p", "demo-portal", "--json").out)
    assert set(card) == set(card_schema["properties"]) == set(card_schema["required"])
    _, doc = check(demo, "demo-redirect-mismatch")
    assert set(doc) == set(check_schema["properties"]) == set(check_schema["required"])
    comparison = check_schema["properties"]["comparisons"]["items"]
    for c in doc["comparisons"]:
        assert set(c) == set(comparison["properties"])
        assert c["kind"] in comparison["properties"]["kind"]["enum"]
    assert set(doc["registration"]) == set(check_schema["properties"]["registration"]["properties"])
    assert card["schema"] == card_schema["properties"]["schema"]["const"] == "tokenlab.app.card/1"
    assert doc["schema"] == check_schema["properties"]["schema"]["const"]
    assert set(doc["card"]) == set(card_schema["$defs"]["card"]["properties"])


def test_the_doctor_with_an_admin_profile_never_shows_the_secret(
    demo: Any, sandbox: Sandbox
) -> None:
    from urllib.parse import quote, quote_plus

    add_profile(demo, sandbox, "canary", "service-app", SERVICE_APP)
    assert demo("secret", "set", "canary", "--stdin", stdin=CANARY + "\n").code == 0
    forms = {CANARY, quote(CANARY), quote_plus(CANARY), base64.b64encode(CANARY.encode()).decode()}
    for extra in ((), ("--json",)):
        r = demo("doctor", "-p", "canary", "--admin-profile", "demo-admin", "-v", *extra)
        assert r.code == 1
        for form in forms:
            assert form not in r.out and form not in r.err
    doc = json.loads(demo("doctor", "-p", "canary", "--admin-profile", "demo-admin", "--json").out)
    assert doc["diagnosis"]["causes"][0]["key"] == "registration-secret"
    assert doc["app_check"]["card"]["secret_source"] == "secret in the keyring"


def test_an_app_that_may_not_sign_users_in(demo: Any, sandbox: Sandbox) -> None:
    """A web-app profile on the service application's registration: no impersonation, and no
    redirect URI registered at all."""
    add_profile(demo, sandbox, "service-as-web-app", "web-app", SERVICE_APP)
    code, doc = check(demo, "service-as-web-app")
    assert code == 1 and doc["mismatches"] == ["impersonation", "redirect-uri"]
    assert mismatch(doc, "impersonation")["field"] == "ImpersonateAsInternalUserAllowed"
    assert "no redirect URI is registered at all" in mismatch(doc, "redirect-uri")["detail"]
