"""`--key-id` and `--assertion-audience`: profile fields, set by `profiles add/edit`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def test_key_id_and_assertion_audience_are_profile_fields(cli: Cli, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    add = ["profiles", "add", "jwt", "--instance", "https://acme.my.erp.net"]
    r = cli(*add, "--scenario", "service-app", "--client-id", "com.acme/jwt", "--key", str(key))
    assert r.code == 0, r.err
    shown = json.loads(cli("profiles", "show", "jwt", "--json").out)
    assert shown["key_id"] == "" and shown["assertion_audience"] == "token_endpoint"
    r = cli("profiles", "edit", "jwt", "--key-id", "key-2026", "--assertion-audience", "issuer")
    assert r.code == 0, r.err
    shown = json.loads(cli("profiles", "show", "jwt", "--json").out)
    assert (shown["key_id"], shown["assertion_audience"]) == ("key-2026", "issuer")
    bad = cli("profiles", "edit", "jwt", "--assertion-audience", "nobody")
    assert bad.code == 2 and "invalid choice" in bad.err and "Traceback" not in bad.err
    spaced = cli("profiles", "edit", "jwt", "--key-id", "two words")
    assert spaced.code == 2 and "key id" in spaced.err and "hint:" in spaced.err
