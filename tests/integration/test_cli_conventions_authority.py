"""`authority --instance URL` where URL already ends in the authority path."""

from __future__ import annotations

import json

import pytest

from tokenlab.core.urls import instance_of
from tokenlab.sandbox import Sandbox


@pytest.mark.parametrize("given", ["{url}/id", "{url}/id/"])
def test_an_instance_url_ending_in_id_is_used_as_the_authority(
    cli: object, sandbox: Sandbox, given: str
) -> None:
    r = cli("authority", "--instance", given.format(url=sandbox.url), "-v")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert r.out.startswith(f"authority  {sandbox.url}/id  (instance; the URL given ends in /id")
    assert "/id/id" not in r.out + r.err  # nothing probed below the authority twice


def test_json_names_the_authority_and_how(cli: object, sandbox: Sandbox) -> None:
    r = cli("authority", "--instance", f"{sandbox.url}/id", "--json")  # type: ignore[operator]
    data = json.loads(r.out)
    assert data["authority"] == f"{sandbox.url}/id"
    assert "ends in /id" in data["found_via"]


def test_instance_of() -> None:
    assert instance_of("https://acme.my.erp.net/id") == ("https://acme.my.erp.net", True)
    assert instance_of("https://acme.my.erp.net/ID/") == ("https://acme.my.erp.net", True)
    assert instance_of("https://acme.my.erp.net") == ("https://acme.my.erp.net", False)
    assert instance_of("https://id") == ("https://id", False)  # a host named id, no path
    assert instance_of("https://acme.example/idp") == ("https://acme.example/idp", False)
