"""No profile URL carries credentials: userinfo and secret query parameters are refused, and
the refusal never repeats the password, anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tokenlab.core.errors import ProfileError
from tokenlab.core.profiles import ProfileStore, new_profile, to_toml, validate

CANARY = "CANARY-pw-71c3-e9a0-42"
ADD = ("--scenario", "service-app", "--client-id", "com.acme/svc")


def _files_containing(root: Path, value: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and value.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("instance", f"https://user:{CANARY}@acme.my.erp.net"),
        ("authority_url", f"https://user:{CANARY}@acme.my.erp.net/id"),
        ("api_url", f"https://admin:{CANARY}@acme.my.erp.net/api/domain/odata/"),
        ("authority_url", f"https://:{CANARY}@acme.my.erp.net/id"),
        ("authority_url", f"http://u:{CANARY}@plain.example.com/id"),  # not https either
        ("authority_url", f"https://u:{CANARY}@[::1/id"),  # not even a valid URL
        ("redirect_uri", f"http://u:{CANARY}@127.0.0.1/callback"),
    ],
)
def test_userinfo_is_refused_without_showing_the_password(field: str, url: str) -> None:
    values = {field: url} if field != "instance" else {}
    instance = url if field == "instance" else "https://acme.my.erp.net"
    profile = new_profile("acme", instance, "web-app", client_id="com.acme/web", **values)
    with pytest.raises(ProfileError) as caught:
        validate(profile)
    exc = caught.value
    assert exc.field == field
    assert "user name or password" in exc.message
    shown = f"{exc.message} {exc.hint} {exc.remedy}"
    assert CANARY not in shown and CANARY[:8] not in shown


@pytest.mark.parametrize(
    "query", ["secret", "client_secret", "password", "token", "Client_Secret", "api_key"]
)
def test_a_secret_in_the_authority_query_is_refused(query: str) -> None:
    profile = new_profile(
        "acme", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc",
        authority_url=f"https://acme.my.erp.net/id?tenant=1&{query}={CANARY}",
    )  # fmt: skip
    with pytest.raises(ProfileError, match="carries a secret in its query") as caught:
        validate(profile)
    exc = caught.value
    assert query in exc.message and exc.field == "authority_url"
    assert CANARY not in f"{exc.message} {exc.hint} {exc.remedy}"
    assert exc.remedy is not None and exc.remedy.get("example") == "https://acme.my.erp.net/id"


def test_ordinary_query_parameters_are_still_fine() -> None:
    profile = new_profile(
        "acme", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc",
        api_url="https://acme.my.erp.net/api/domain/odata/?tokenizer=1&$top=1",
    )  # fmt: skip
    validate(profile)


def test_no_canary_reaches_stderr_a_file_or_profiles_show(
    cli: Any, isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    outputs: list[str] = []

    def run(*args: str, stdin: str = "") -> CliResult:
        r: CliResult = cli(*args, stdin=stdin)
        outputs.extend([r.out, r.err])
        return r

    bad = f"https://user:{CANARY}@acme.my.erp.net"
    r = run("profiles", "add", "acme", "--instance", bad, *ADD)
    assert r.code == 2 and "user name or password" in r.err
    assert run("profiles", "add", "acme", "--instance", "https://acme.my.erp.net", *ADD).code == 0
    r = run(
        "profiles", "edit", "acme", "--authority", f"https://acme.my.erp.net/id?secret={CANARY}"
    )
    assert r.code == 2 and "carries a secret in its query (secret)" in r.err
    r = run("profiles", "edit", "acme", "--api", f"https://u:{CANARY}@acme.my.erp.net/api/")
    assert r.code == 2

    # an import of a file that carries one
    clean = new_profile("imp", "https://acme.my.erp.net", "service-app", client_id="c/x")
    text = to_toml(clean).replace(
        'instance = "https://acme.my.erp.net"',
        f'instance = "https://acme.my.erp.net"\nauthority_url = "https://u:{CANARY}@acme.my.erp.net/id"',
    )
    assert CANARY in text
    source = tmp_path / "imp.toml"
    source.write_text(text)
    r = run("profiles", "import", str(source))
    assert r.code == 2 and "user name or password" in r.err
    r = run("profiles", "import", "-", stdin=text)
    assert r.code == 2

    # a hand-edited file in the profiles directory
    (ProfileStore().dir / "hand.toml").write_text(text.replace('"imp"', '"hand"'))
    r = run("profiles", "show", "hand", "--json")
    assert r.code == 2 and "hand.toml" in r.err
    r = run("profiles", "list", "--json")
    assert "user name or password" in r.out
    run("profiles", "list")
    run("profiles", "show", "acme", "--json")

    assert all(CANARY not in text for text in outputs)
    source.unlink()
    hits = _files_containing(isolated_dirs["config"], CANARY)
    assert hits == [ProfileStore().dir / "hand.toml"]  # only the file the user wrote by hand
    assert sorted(ProfileStore().names()) == ["acme", "hand"]
    assert ProfileStore().load("acme").authority_url == ""  # the refused edits changed nothing
