from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import CliResult
from tests.support.keyrings import MemoryKeyring

Cli = Callable[..., CliResult]
ADD = [
    "profiles",
    "add",
    "acme",
    "--instance",
    "https://acme.my.erp.net",
    "--scenario",
    "service-app",
    "--client-id",
    "com.acme/svc",
]


def test_profiles_add_list_show(cli: Cli) -> None:
    r = cli(*ADD, "--scope", "read")
    assert r.code == 0, r.err
    assert "tokenlab secret set acme" in r.out
    listed = cli("profiles", "list", "--json")
    data = json.loads(listed.out)
    (p,) = data["profiles"]
    assert (p["name"], p["authority"], p["api"], p["scopes"]) == (
        "acme",
        "https://acme.my.erp.net/id",
        "https://acme.my.erp.net/api/domain/odata/",
        ["read"],
    )
    assert data["unreadable"] == []
    text = cli("profiles", "list").out
    assert "acme" in text and "service-app" in text
    shown = json.loads(cli("profiles", "show", "acme", "--json").out)
    assert shown["client_id"] == "com.acme/svc" and shown["authority_derived"] is True
    assert "derived from instance" in cli("profiles", "show", "acme").out


def test_profiles_edit_copy_rename_rm(cli: Cli, tmp_path: Path) -> None:
    assert cli(*ADD).code == 0
    key = tmp_path / "key.pem"
    key.write_text("not really a key")
    r = cli(
        "profiles",
        "edit",
        "acme",
        "--auth-method",
        "private_key_jwt",
        "--key",
        str(key),
        "--authority",
        "https://login.acme.net/id",
        "--probe-header",
        "Accept: application/json",
        "--probe-header",
        "X-Trace: 1",
        "--authorize-param",
        "prompt=login",
    )
    assert r.code == 0, r.err
    shown = json.loads(cli("profiles", "show", "acme", "--json").out)
    assert shown["auth_method"] == "private_key_jwt" and shown["key_path"] == str(key)
    assert shown["authority"] == "https://login.acme.net/id" and not shown["authority_derived"]
    assert shown["probe"]["headers"] == {"Accept": "application/json", "X-Trace": "1"}
    assert shown["authorize_params"] == {"prompt": "login"}
    assert cli("profiles", "edit", "acme", "--authority", "").code == 0
    assert json.loads(cli("profiles", "show", "acme", "--json").out)["authority_derived"] is True
    assert cli("profiles", "copy", "acme", "acme-2").code == 0
    assert cli("profiles", "edit", "acme-2", "--rename", "acme-3").code == 0
    names = [p["name"] for p in json.loads(cli("profiles", "list", "--json").out)["profiles"]]
    assert names == ["acme", "acme-3"]
    assert cli("profiles", "rm", "acme-3", "--yes").code == 0
    r = cli("profiles", "rm", "acme-3", "--yes")
    assert r.code == 2 and "no profile named 'acme-3'" in r.err


def test_export_then_import_under_a_new_name(cli: Cli, tmp_path: Path) -> None:
    assert cli(*ADD).code == 0
    out = tmp_path / "acme.toml"
    assert cli("profiles", "export", "acme", "-o", str(out)).code == 0
    assert "schema = 1" in out.read_text()
    r = cli("profiles", "import", str(out))
    assert r.code == 2 and "--name" in r.err  # never overwrites silently
    assert cli("profiles", "import", str(out), "--name", "acme-copy").code == 0
    copy = json.loads(cli("profiles", "show", "acme-copy", "--json").out)
    assert copy["client_id"] == "com.acme/svc"
    assert cli("profiles", "import", "-", "--name", "from-stdin", stdin=out.read_text()).code == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["profiles", "show", "nope"], "no profile named 'nope'"),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "acme.my.erp.net",
                "--scenario",
                "spa",
                "--client-id",
                "a",
            ],
            "scheme",
        ),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "https://a b",
                "--scenario",
                "spa",
                "--client-id",
                "a",
            ],
            "spaces",
        ),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "https://a.net/#f",
                "--scenario",
                "spa",
                "--client-id",
                "a",
            ],
            "fragment",
        ),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "http://a.net",
                "--scenario",
                "spa",
                "--client-id",
                "a",
            ],
            "--insecure",
        ),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "https://a.net",
                "--scenario",
                "spa",
                "--client-id",
                "a",
                "--ca-bundle",
                "/no/ca.pem",
            ],
            "does not exist",
        ),
        (
            [
                "profiles",
                "add",
                "x",
                "--instance",
                "https://a.net",
                "--scenario",
                "robot",
                "--client-id",
                "a",
            ],
            "invalid choice",
        ),
        (
            ["profiles", "add", "x", "--instance", "https://a.net", "--scenario", "spa"],
            "give --client-id com.vendor/app",  # the remedy, as this CLI's option
        ),
        (["secret", "set", "nope"], "`tokenlab profiles add NAME"),  # no profile yet
        (["profiles", "import", "/no/such/file.toml"], "cannot read"),
        (["profiles", "frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_gives_one_line_and_a_hint_and_exit_2(
    cli: Cli, args: list[str], needle: str
) -> None:
    r = cli(*args)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert lines[0].startswith("tokenlab: error:") and needle in r.err
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in r.err


def test_plain_http_is_accepted_with_insecure(cli: Cli) -> None:
    r = cli(
        "profiles",
        "add",
        "lab",
        "--instance",
        "http://lab.corp",
        "--scenario",
        "spa",
        "--client-id",
        "a",
        "--insecure",
    )
    assert r.code == 0, r.err


def test_a_corrupt_profile_is_reported_and_left_alone(
    cli: Cli, isolated_dirs: dict[str, Path]
) -> None:
    assert cli(*ADD).code == 0
    path = isolated_dirs["config"] / "profiles" / "acme.toml"
    broken = path.read_text().replace('client_id = "com.acme/svc"', "client_id = com.acme")
    path.write_text(broken)
    r = cli("profiles", "show", "acme")
    assert r.code == 2 and f"{path}:" in r.err
    r = cli("profiles", "edit", "acme", "--scope", "read")
    assert r.code == 2
    assert path.read_text() == broken
    listed = cli("profiles", "list", "--json")
    assert listed.code == 1 and json.loads(listed.out)["unreadable"][0]["path"] == str(path)


def test_secret_set_status_rm(cli: Cli, memory_keyring: MemoryKeyring) -> None:
    assert cli(*ADD).code == 0
    r = cli("secret", "set", "acme", "--stdin", stdin="hunter2-canary\n")
    assert r.code == 0, r.err
    assert memory_keyring.values[("tokenlab", "acme:client-secret")] == "hunter2-canary"
    status = json.loads(cli("secret", "status", "acme", "--json").out)
    by_kind = {s["kind"]: s["source"] for s in status["secrets"]}
    assert by_kind == {
        "client-secret": "keyring",
        "reference-token": "missing",
        "key-passphrase": "missing",
        "refresh-token": "missing",
    }
    assert status["backend"]["usable"] is True
    assert "keyring" in cli("secret", "status", "acme").out
    assert cli("secret", "rm", "acme", "--kind", "client-secret").code == 0
    assert memory_keyring.values == {}
    assert "nothing stored" in cli("secret", "rm", "acme").out


def test_secret_set_needs_an_existing_profile_and_a_value(cli: Cli) -> None:
    assert cli("secret", "set", "ghost", "--stdin", stdin="x\n").code == 2
    assert cli(*ADD).code == 0
    r = cli("secret", "set", "acme", stdin="")  # not a terminal: no prompt possible
    assert r.code == 2 and "--stdin" in r.err
    assert cli("secret", "set", "acme", "--stdin", stdin="\n").code == 2


def test_without_a_keyring_secret_set_refuses_and_status_names_the_backend(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())
    assert cli(*ADD).code == 0
    r = cli("secret", "set", "acme", "--stdin", stdin="hunter2-canary\n")
    assert r.code == 1 and "no usable keyring" in r.err and "TOKENLAB_CLIENT_SECRET" in r.err
    monkeypatch.setenv("TOKENLAB_CLIENT_SECRET", "from-env")
    status = json.loads(cli("secret", "status", "acme", "--json").out)
    assert status["backend"]["usable"] is False and "fail.Keyring" in status["backend"]["name"]
    assert {s["kind"]: s["source"] for s in status["secrets"]}["client-secret"] == "environment"
    r = cli("secret", "status", "acme")
    assert r.err.count("no usable keyring") == 1  # said once
