from __future__ import annotations

import os
import stat
from dataclasses import fields, replace
from pathlib import Path

import pytest

from tokenlab.core import storage
from tokenlab.core.errors import (
    ConfigFileError,
    ProfileExistsError,
    ProfileNotFoundError,
    RemedyKind,
    UsageError,
    remedy,
)
from tokenlab.core.profiles import (
    FIELDS,
    ProbeRequest,
    Profile,
    ProfileStore,
    TlsOptions,
    from_toml,
    new_profile,
    to_toml,
)


def make(name: str = "acme", **values: object) -> Profile:
    values.setdefault("client_id", "com.acme/svc")
    return new_profile(name, "https://acme.my.erp.net", "service-app", **values)


def test_authority_and_api_are_derived_from_the_instance_unless_set() -> None:
    p = make()
    assert p.authority == "https://acme.my.erp.net/id"
    assert p.api == "https://acme.my.erp.net/api/domain/odata/"
    q = replace(
        p, authority_url="https://login.acme.test/id", api_url="https://api.acme.test/odata/"
    )
    assert (q.authority, q.api) == ("https://login.acme.test/id", "https://api.acme.test/odata/")


def test_scenario_defaults() -> None:
    spa = new_profile("s", "https://a.test", "spa", client_id="com.a/spa")
    assert spa.auth_method == "none" and "openid" in spa.scopes
    svc = make()
    assert svc.auth_method == "client_secret_basic" and svc.scopes == ("read", "update")


def test_every_field_survives_a_round_trip_through_disk(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    p = new_profile(
        "full",
        "https://acme.my.erp.net",
        "web-app",
        client_id="com.acme/web",
        authority_url="https://acme.my.erp.net/id/",
        api_url="https://acme.my.erp.net/api/domain/odata/",
        auth_method="private_key_jwt",
        key_path="/keys/k.pem",
        cert_path="/keys/c.pem",
        scopes=("openid", "read"),
        redirect_uri="http://127.0.0.1/callback",
        loopback_port=8400,
        authorize_params=(("prompt", "login"),),
        audience="DomainAPI",
        tls=TlsOptions(verify=True, ca_bundle=str(ca), os_trust_store=True),
        timeout=2.5,
        probe=ProbeRequest(
            method="POST",
            path="Things",
            headers=(("Accept", "application/json"), ("X-Trace", "1")),
            body="{}",
        ),
        description="everything",
    )
    store = ProfileStore()
    store.create(p)
    assert store.load("full") == p


def test_files_are_private_and_written_atomically(isolated_dirs: dict[str, Path]) -> None:
    store = ProfileStore()
    path = store.create(make())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(isolated_dirs["config"].stat().st_mode) == 0o700


def test_a_write_interrupted_before_the_rename_leaves_the_old_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ProfileStore()
    path = store.create(make())
    before = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.save(make(client_id="com.acme/other"))
    assert path.read_text() == before
    assert sorted(os.listdir(path.parent)) == ["acme.toml"]  # no temp file left behind
    monkeypatch.undo()
    assert store.load("acme").client_id == "com.acme/svc"


def test_corrupt_toml_names_the_file_and_line_and_is_never_overwritten() -> None:
    store = ProfileStore()
    path = store.create(make())
    text = path.read_text().replace('scenario = "service-app"', 'scenario = "service-app')
    path.write_text(text)
    with pytest.raises(ConfigFileError) as err:
        store.load("acme")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("scenario"))
    assert err.value.path == str(path) and err.value.line == line
    with pytest.raises(ConfigFileError):
        store.save(make())  # refusing to replace what it cannot read
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("edit", "field", "needle"),
    [
        (("timeout = 10.0", 'timeout = "ten"'), "timeout", "a number"),
        (('scenario = "service-app"', 'scenario = "robot"'), "scenario", "unknown scenario"),
        (("[tls]\n", "[tls]\nverfy = false\n"), "tls.verfy", "unknown field"),
        (("[tls]\nverify = true", '[tls]\nverify = "yes"'), "tls.verify", "true or false"),
        (("scopes = [", "scopes = 3\nold = ["), "scopes", "list"),
    ],
)
def test_hand_edited_mistakes_name_file_line_and_field(
    edit: tuple[str, str], field: str, needle: str
) -> None:
    store = ProfileStore()
    path = store.create(make(timeout=10.5))
    text = path.read_text().replace("timeout = 10.5", "timeout = 10.0").replace(*edit)
    path.write_text(text)
    with pytest.raises(ConfigFileError) as err:
        from_toml(text, str(path))
    e = err.value
    assert e.field == field, e
    assert needle in e.message
    assert e.line is not None
    key = field.split(".")[-1]
    assert text.splitlines()[e.line - 1].lstrip().startswith(key)
    assert f"{path}:{e.line}" in str(e)


def test_a_file_from_a_newer_schema_is_refused_with_an_upgrade_hint() -> None:
    store = ProfileStore()
    path = store.create(make())
    text = path.read_text().replace("schema = 1", "schema = 7")
    path.write_text(text)
    with pytest.raises(ConfigFileError, match="newer tokenlab") as err:
        store.load("acme")
    assert "upgrade" in err.value.hint
    with pytest.raises(ConfigFileError):
        store.update("acme", lambda p: p)
    assert path.read_text() == text


def test_scopes_as_a_space_separated_string_are_accepted() -> None:
    text = to_toml(make()).replace(
        'scopes = [\n    "read",\n    "update",\n]', 'scopes = "read update"'
    )
    assert from_toml(text, "x.toml").scopes == ("read", "update")


def test_list_reports_unreadable_files_and_still_lists_the_others() -> None:
    store = ProfileStore()
    store.create(make("good"))
    (store.dir / "broken.toml").write_text("schema = 1\nname = [\n")
    good, bad = store.load_all()
    assert [p.name for p in good] == ["good"]
    assert len(bad) == 1 and "broken.toml" in bad[0].path


def test_create_copy_delete_and_not_found() -> None:
    store = ProfileStore()
    store.create(make())
    with pytest.raises(ProfileExistsError):
        store.create(make())
    store.copy("acme", "acme-2")
    assert store.names() == ["acme", "acme-2"]
    store.delete("acme-2")
    with pytest.raises(ProfileNotFoundError) as err:
        store.load("acme-2")
    assert "acme" in err.value.hint


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"instance": "acme.my.erp.net"}, "scheme"),
        ({"instance": "https://acme .net"}, "spaces"),
        ({"instance": "https://acme.net/#x"}, "fragment"),
        ({"instance": "http://acme.net"}, "plain http"),
        ({"authority_url": "http://id.acme.net/id"}, "plain http"),
        ({"client_id": ""}, "client id"),
        ({"auth_method": "private_key_jwt"}, "private key"),
        ({"loopback_port": 70000}, "out of range"),
        ({"tls": TlsOptions(ca_bundle="/does/not/exist.pem")}, "does not exist"),
        ({"name": "no spaces"}, "not valid"),
    ],
)
def test_invalid_profiles_are_refused_with_a_hint(values: dict[str, object], needle: str) -> None:
    with pytest.raises(UsageError) as err:
        ProfileStore().create(replace(make(), **values))  # type: ignore[arg-type]
    assert needle in err.value.message and err.value.hint
    assert ProfileStore().names() == []


def test_plain_http_is_fine_on_loopback_and_with_allow_insecure() -> None:
    store = ProfileStore()
    store.create(replace(make("local"), instance="http://127.0.0.1:8080"))
    store.create(replace(make("lab"), instance="http://lab.internal", allow_insecure=True))
    assert store.names() == ["lab", "local"]


def test_an_unusable_config_dir_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(ConfigFileError) as err:
        ProfileStore(blocker / "config").create(make())
    assert "TOKENLAB_CONFIG_DIR" in err.value.hint


def test_a_bad_url_in_a_hand_edited_file_names_the_file_and_line() -> None:
    store = ProfileStore()
    path = store.create(make())
    text = path.read_text().replace("https://acme.my.erp.net", "http://acme.my.erp.net")
    path.write_text(text)
    with pytest.raises(ConfigFileError) as err:
        store.load("acme")
    e = err.value
    assert (e.path, e.field) == (str(path), "instance") and "plain http" in e.message
    assert e.line is not None and text.splitlines()[e.line - 1].startswith("instance = ")


def test_the_field_table_names_every_field_of_the_model_once() -> None:
    def paths(cls: type, prefix: str = "") -> list[str]:
        out = []
        for f in fields(cls):
            nested = {"tls": TlsOptions, "probe": ProbeRequest}.get(f.name) if not prefix else None
            out += paths(nested, f"{f.name}.") if nested else [prefix + f.name]
        return out

    table = [f.path for f in FIELDS]
    assert sorted(table) == sorted(paths(Profile)) and len(set(table)) == len(table)


def test_a_written_file_follows_the_table_and_leaves_defaults_out() -> None:
    text = to_toml(make(description="the service", timeout=2.5))
    keys = [ln.split(" = ")[0] for ln in text.splitlines() if " = " in ln]
    top = [f.key for f in FIELDS if not f.table and f.key in keys]
    assert keys[0] == "schema" and keys[1 : 1 + len(top)] == top
    assert top == [
        "name",
        "description",
        "instance",
        "scenario",
        "client_id",
        "auth_method",
        "scopes",
        "timeout",
    ]
    assert "[tls]\nverify = true\nos_trust_store = false\n" in text
    assert "tokenlab secret" not in text  # the header names no CLI command


def test_an_unknown_field_names_the_known_ones() -> None:
    text = to_toml(make()).replace("[tls]\n", "[tls]\nverfy = false\n")
    with pytest.raises(ConfigFileError) as err:
        from_toml(text, "acme.toml")
    assert err.value.field == "tls.verfy"
    assert "verify, ca_bundle, os_trust_store" in err.value.hint


@pytest.mark.parametrize(
    ("values", "field", "example"),
    [
        ({"client_id": ""}, "client_id", "com.vendor/app"),
        ({"auth_method": "private_key_jwt"}, "key_path", "PATH"),
        ({"timeout": 0.0}, "timeout", "10"),
        ({"probe": ProbeRequest(headers=(("Bad Name", "x"),))}, "probe.headers", None),
    ],
)
def test_an_unusable_field_comes_with_a_remedy_naming_it(
    values: dict[str, object], field: str, example: str | None
) -> None:
    with pytest.raises(UsageError) as err:
        ProfileStore().create(replace(make(), **values))  # type: ignore[arg-type]
    fix = err.value.remedy
    assert err.value.field == field and "--" not in err.value.hint
    assert fix is not None and fix.kind == RemedyKind.SET_PROFILE_FIELD
    assert fix.get("field") == field and (example is None or fix.get("example") == example)


def test_a_taken_name_says_how_to_go_on_for_create_and_for_import() -> None:
    store = ProfileStore()
    store.create(make())
    with pytest.raises(ProfileExistsError) as created:
        store.create(make())
    with pytest.raises(ProfileExistsError) as imported:
        store.import_text(to_toml(make()), "acme.toml")
    assert created.value.remedy == remedy(
        RemedyKind.CHOOSE_ANOTHER_NAME, name="acme", action="create"
    )
    assert imported.value.remedy == remedy(
        RemedyKind.CHOOSE_ANOTHER_NAME, name="acme", action="import"
    )


def test_no_profile_yet_suggests_creating_one_and_an_unknown_name_lists_the_known() -> None:
    store = ProfileStore()
    with pytest.raises(ProfileNotFoundError) as none_yet:
        store.load("acme")
    assert none_yet.value.remedy == remedy(RemedyKind.CREATE_PROFILE)
    store.create(make())
    with pytest.raises(ProfileNotFoundError) as unknown:
        store.delete("other")
    assert unknown.value.hint == "known profiles: acme" and unknown.value.remedy is None
