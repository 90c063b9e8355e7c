"""The Trusted Application card for the test provider's clients: what it says to configure is
what the provider has registered for them (issue 13)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile
from tokenlab.core.scopes import PROTOCOL_SCOPES
from tokenlab.core.trusted_app import build_card

pytestmark = pytest.mark.idp

CASES = [  # the provider's client, the scenario a profile for it has
    ("service_basic", "service-app"),
    ("service_post", "service-app"),
    ("service_jwt", "service-app"),
    ("web", "web-app"),
    ("spa", "spa"),
    ("portal", "web-portal"),
    ("readonly", "service-app"),
]


@pytest.mark.parametrize(("case", "scenario"), CASES)
def test_the_card_is_what_the_provider_registered(
    idp: TestProvider, case: str, scenario: str
) -> None:
    client = idp.clients[case]
    profile, store = idp_profile(idp, case, scenario, scopes=client.scopes)
    card = build_card(profile, store)
    assert card.client_id == client.client_id
    assert card.client_type == ("Public" if client.auth_method == "none" else "Confidential")
    assert card.scopes == tuple(s for s in client.scopes if s not in PROTOCOL_SCOPES)
    assert card.system_user_allowed == ("client_credentials" in client.grant_types)
    assert card.impersonate_internal == ("authorization_code" in client.grant_types)
    if client.redirect_uri:
        assert card.redirect_uris == (client.redirect_uri,)
    if client.secret:
        digest = hashlib.sha256(client.secret.encode()).digest()
        assert card.secret_hash == base64.b64encode(digest).decode()
        assert client.secret not in card.text() and client.secret not in str(card.to_json())
    else:
        assert card.secret_hash is None
