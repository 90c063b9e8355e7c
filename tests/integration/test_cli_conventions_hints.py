"""Hints that fit the machine: without a usable keyring, never "store it in the keyring"."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from tokenlab.sandbox import Sandbox


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def _add(cli: object, sandbox: Sandbox, name: str, scenario: str, *extra: str) -> None:
    r = cli("profiles", "add", name, "--instance", sandbox.url, "--scenario", scenario,  # type: ignore[operator]
            "--client-id", "com.tokenlab.demo/service-app", *extra)  # fmt: skip
    assert r.code == 0, r.err


def test_a_missing_client_secret_without_a_keyring_offers_what_works(
    cli: object, sandbox: Sandbox, no_keyring: None
) -> None:
    _add(cli, sandbox, "acme", "service-app")
    r = cli("token", "--profile", "acme")  # type: ignore[operator]
    assert r.code == 2, r.err
    hint = r.err.split("hint: ")[-1]
    assert "tokenlab secret set" not in hint
    assert "no usable keyring" in hint
    assert "TOKENLAB_CLIENT_SECRET" in hint and "--secret-stdin" in hint


def test_a_missing_client_secret_with_a_keyring_says_store_it(
    cli: object, sandbox: Sandbox
) -> None:
    _add(cli, sandbox, "acme", "service-app")
    r = cli("token", "--profile", "acme")  # type: ignore[operator]
    assert r.code == 2, r.err
    assert "tokenlab secret set acme --kind client-secret" in r.err


def test_a_missing_reference_token_without_a_keyring(
    cli: object, sandbox: Sandbox, no_keyring: None
) -> None:
    _add(cli, sandbox, "robot", "automation")
    r = cli("token", "--profile", "robot")  # type: ignore[operator]
    assert "tokenlab secret set" not in r.err
    assert "TOKENLAB_REFERENCE_TOKEN" in r.err and "--secret-stdin" in r.err


def test_refresh_without_a_keyring_does_not_promise_the_keyring(
    cli: object, sandbox: Sandbox, no_keyring: None
) -> None:
    _add(cli, sandbox, "web", "web-app")
    r = cli("token", "--profile", "web", "--flow", "refresh")  # type: ignore[operator]
    assert r.code != 0
    assert "kept in the keyring" not in r.err
    assert "kept only in the memory of the run that signed in" in r.err
