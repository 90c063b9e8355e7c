"""The Trusted Application card and its comparison with a registration, without a server."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tokenlab.core.errors import UsageError
from tokenlab.core.profiles import new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.trusted_app import Registration, build_card, compare, secret_hash
from tokenlab.core.trusted_app.compare import first_difference, nearest
from tokenlab.core.trusted_app.registration import registration_of, registration_url

URL = "https://acme.example/api/domain/odata/Systems_Security_TrustedApplications"


def service(**values: object) -> tuple[object, SecretStore]:
    profile = new_profile(
        "svc", "https://acme.example", "service-app", client_id="com.a/svc", **values
    )
    store = SecretStore(env={})
    store.remember("svc", SecretKind.CLIENT_SECRET, "s3cret")
    return profile, store


def test_first_difference_names_the_position_and_both_characters() -> None:
    assert first_difference("http://h/callback", "http://h/Callback") == (10, "c", "C")
    assert first_difference("http://h/cb", "http://h/cb/") == (12, "end", "/")
    assert first_difference("http://h/cb/", "http://h/cb") == (12, "/", "end")


def test_nearest_prefers_the_one_that_differs_least() -> None:
    registered = ("https://app.example/signin", "http://127.0.0.1/Callback")
    assert nearest("http://127.0.0.1/callback", registered) == "http://127.0.0.1/Callback"
    assert nearest("x", ()) is None


def test_the_card_leaves_out_protocol_and_legacy_scopes_and_says_so() -> None:
    profile, store = service(scopes=("openid", "DomainApi", "read"))
    card = build_card(profile, store)  # type: ignore[arg-type]
    assert card.scopes == ("read",)
    assert any("openid" in n and "protocol" in n for n in card.notes)
    assert any("DomainApi" in n and "legacy" in n for n in card.notes)


def test_the_card_hashes_the_stored_secret_and_never_holds_it() -> None:
    profile, store = service()
    card = build_card(profile, store)  # type: ignore[arg-type]
    assert (
        card.secret_hash == secret_hash("s3cret") == "HsHCa1DV08WNlYMYGvgHZlX+AHVr9yhZQLo2cPmfy6A="
    )  # sha256sum, base64
    assert "s3cret" not in card.text() and "s3cret" not in repr(card.to_json())


def test_a_card_without_a_stored_secret_says_how_to_see_its_hash() -> None:
    profile, _ = service()
    card = build_card(profile, SecretStore(env={}))  # type: ignore[arg-type]
    assert card.secret_hash is None and any("store" in n for n in card.notes)


def test_a_profile_without_client_id_has_no_card() -> None:
    profile, store = service()
    with pytest.raises(UsageError, match="no client id"):
        build_card(replace(profile, client_id=""), store)  # type: ignore[type-var]


def test_fields_the_api_does_not_show_are_unknown_not_mismatched() -> None:
    profile, store = service()
    card = build_card(profile, store)  # type: ignore[arg-type]
    check = compare(card, Registration(URL, "com.a/svc"))
    assert check.ok and {c.status for c in check.comparisons} == {"ok", "unknown"}


def test_a_registration_read_from_odata_fields() -> None:
    row = {
        "ApplicationUri": "com.a/svc",
        "IsEnabled": False,
        "ClientType": "Confidential",
        "SystemUserAllowed": True,
        "SystemUser": {"Name": "svc-user"},
        "Scope": "read  update",
        "ImpersonateLoginUrl": "https://a.example/cb, https://a.example/cb2",
        "ClientSecretHash": secret_hash("other"),
    }
    reg = registration_of(row, URL)
    assert reg.system_user == "svc-user" and reg.scopes == ("read", "update")
    assert reg.redirect_uris == ("https://a.example/cb", "https://a.example/cb2")
    profile, store = service()
    check = compare(build_card(profile, store), reg)  # type: ignore[arg-type]
    assert check.kinds() == ("disabled", "secret-hash")


def test_the_filter_quotes_the_client_id_as_odata_does() -> None:
    url = registration_url("https://a.example/odata/", "E", "com.o'neil/app")
    assert url.startswith("https://a.example/odata/E?$filter=")
    assert "com.o%27%27neil/app%27" in url
