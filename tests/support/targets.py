"""Profiles and secret stores pointed at the two real targets: the test provider and the sandbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.idp.fixtures import TestProvider
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.sandbox import Sandbox, demo_catalog


def idp_profile(
    idp: TestProvider, case: str, scenario: str = "service-app", **values: Any
) -> tuple[Profile, SecretStore]:
    """A profile for one of the provider's clients, and a store that holds its secret for this run."""
    client = idp.clients[case]
    values.setdefault(
        "scopes", tuple(s for s in client.scopes if s in ("read", "update")) or client.scopes
    )
    values.setdefault("authority_url", idp.issuer)
    if client.auth_method == "private_key_jwt":
        values.setdefault("key_path", str(idp.private_key_path))
    profile = new_profile(
        f"idp-{case}".replace("_", "-"),
        idp.base_url,
        scenario,
        client_id=client.client_id,
        auth_method=client.auth_method,
        **values,
    )
    store = SecretStore(env={})
    if client.secret:
        store.remember(profile.name, SecretKind.CLIENT_SECRET, client.secret)
    return profile, store


def sandbox_profile(sandbox: Sandbox, name: str, **changes: Any) -> tuple[Profile, SecretStore]:
    """A demo profile of the running sandbox (public demo values need no store entry)."""
    (demo,) = [d for d in demo_catalog(sandbox.url) if d.name == name]
    profile = to_profile(demo)
    return (replace(profile, **changes) if changes else profile), SecretStore(env={})
