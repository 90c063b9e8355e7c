"""`profiles import` shows what is risky in a profile from elsewhere and asks before writing it:
on a terminal y/N, elsewhere only with --yes. A refused import writes nothing."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tokenlab.cli import main
from tokenlab.core.profiles import (
    ProbeRequest,
    Profile,
    ProfileStore,
    TlsOptions,
    new_profile,
    profile_risks,
    to_toml,
)

INSTANCE = "https://acme.my.erp.net"


class Terminal(io.StringIO):
    """What a person types at a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def tty_cli() -> Callable[..., CliResult]:
    def run(*args: str, typed: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(args), stdin=Terminal(typed), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def clean() -> Profile:
    return new_profile("shared", INSTANCE, "web-app", client_id="com.acme/web")


def _ca(path: Path, mode: int = 0o600) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    path.chmod(mode)
    return str(path)


@dataclass(frozen=True)
class Case:
    field: str
    needle: str  # words the reason must say
    change: Callable[[Profile, dict[str, Path]], Profile]


CASES = [
    Case("tls.verify", "TLS verification is off", lambda p, d: replace(p, tls=TlsOptions(verify=False))),
    Case(
        "allow_insecure", "plain http is allowed",
        lambda p, d: replace(p, allow_insecure=True, instance="http://acme.my.erp.net"),
    ),
    Case(
        "probe.path", "leads to https://collector.evil.test,",
        lambda p, d: replace(p, probe=ProbeRequest(path="https://collector.evil.test/x")),
    ),
    Case(
        "probe.path", "leads to https://acme.my.erp.net:8443",  # another port is another origin
        lambda p, d: replace(p, probe=ProbeRequest(path="//acme.my.erp.net:8443/x")),
    ),
    Case(
        "api_url", "every access token is sent there",
        lambda p, d: replace(p, api_url="https://api.evil.test/odata/"),
    ),
    Case(
        "tls.ca_bundle", "outside your own directories",
        lambda p, d: replace(p, tls=TlsOptions(ca_bundle=_ca(d["outside"] / "ca.pem"))),
    ),
    Case(
        "tls.ca_bundle", "which others can change",
        lambda p, d: replace(p, tls=TlsOptions(ca_bundle=_ca(d["config"] / "ca.pem", 0o666))),
    ),
    Case(
        "authority_url", "is a global authority",
        lambda p, d: replace(p, authority_url="https://id.erp.net/id"),
    ),
    Case(
        "authority_url", "not on the instance",
        lambda p, d: replace(p, authority_url="https://login.evil.test/id"),
    ),
    *[
        Case(
            "probe.headers", f"its own {name} header",
            lambda p, d, name=name: replace(p, probe=ProbeRequest(headers=((name, "x"),))),
        )
        for name in ("Authorization", "Cookie", "X-Api-Key", "proxy-authorization")
    ],
    Case(
        "public_secret", "not a sandbox on this machine",
        lambda p, d: replace(p, public_secret="a-real-looking-secret"),
    ),
]  # fmt: skip


@pytest.fixture
def dirs(isolated_dirs: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    return {**isolated_dirs, "outside": tmp_path / "outside"}


def _file(tmp_path: Path, profile: Profile) -> Path:
    path = tmp_path / "incoming.toml"
    path.write_text(to_toml(profile))
    return path


def test_an_ordinary_profile_has_no_risks_and_imports_as_before(
    cli: Any, tmp_path: Path, dirs: dict[str, Path]
) -> None:
    profile = replace(
        clean(),
        tls=TlsOptions(ca_bundle=_ca(dirs["config"] / "ca.pem")),
        probe=ProbeRequest(path="/api/domain/odata/Crm_Sales_Customers"),  # rooted, same origin
    )
    assert profile_risks(profile) == ()
    explicit_port = replace(profile, api_url="https://ACME.my.erp.net:443/api/domain/odata/")
    assert profile_risks(explicit_port) == ()
    r: CliResult = cli("profiles", "import", str(_file(tmp_path, profile)))
    assert (r.code, r.out.strip(), r.err) == (0, "imported profile 'shared'", "")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.field}:{c.needle[:24]}")
def test_each_risk_is_found_with_its_reason(case: Case, dirs: dict[str, Path]) -> None:
    risks = profile_risks(case.change(clean(), dirs))
    assert [r.field for r in risks] == [case.field], risks
    assert case.needle in risks[0].reason


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.field}:{c.needle[:24]}")
def test_without_a_terminal_a_risky_import_is_refused_and_nothing_written(
    case: Case, cli: Any, tmp_path: Path, dirs: dict[str, Path]
) -> None:
    source = _file(tmp_path, case.change(clean(), dirs))
    r: CliResult = cli("profiles", "import", str(source))
    assert r.code == 2
    assert f"- {case.field}: " in r.err and case.needle in r.err
    assert "no terminal to ask: not imported" in r.err and "--yes" in r.err
    assert ProfileStore().names() == []
    piped: CliResult = cli("profiles", "import", "-", stdin=source.read_text())
    assert piped.code == 2 and ProfileStore().names() == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.field}:{c.needle[:24]}")
def test_on_a_terminal_no_keeps_it_out_and_yes_imports_it(
    case: Case, tty_cli: Callable[..., CliResult], tmp_path: Path, dirs: dict[str, Path]
) -> None:
    source = str(_file(tmp_path, case.change(clean(), dirs)))
    for typed in ("n\n", "\n", "maybe\n", ""):  # anything but yes is no
        r = tty_cli("profiles", "import", source, typed=typed)
        assert r.code == 1 and "Import it anyway? [y/N]" in r.err
        assert case.needle in r.err and "was not imported" in r.err
        assert ProfileStore().names() == []
    r = tty_cli("profiles", "import", source, typed="y\n")
    assert r.code == 0 and "1 risky setting(s) accepted" in r.out
    assert ProfileStore().load("shared") == case.change(clean(), dirs)


def test_yes_imports_without_asking_and_still_lists_every_risk(
    cli: Any, tmp_path: Path, dirs: dict[str, Path]
) -> None:
    profile = clean()
    for case in CASES[:3]:
        profile = case.change(profile, dirs)
    r: CliResult = cli("profiles", "import", str(_file(tmp_path, profile)), "--yes")
    assert r.code == 0 and "3 risky setting(s)" in r.err and "Import it anyway" not in r.err
    assert all(f"- {c.field}: " in r.err for c in CASES[:3])
    assert ProfileStore().load("shared") == profile


def test_a_sandbox_profile_with_its_published_values_on_loopback_is_not_flagged() -> None:
    profile = new_profile(
        "demo", "http://127.0.0.1:8700", "service-app", client_id="demo/svc",
        public_secret="published-demo-secret",
    )  # fmt: skip
    assert profile_risks(profile) == ()


def test_a_ca_bundle_in_the_home_directory_is_the_users_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    profile = replace(clean(), tls=TlsOptions(ca_bundle=_ca(home / "certs" / "corp.pem")))
    assert profile_risks(profile) == ()
    link = home / "link.pem"  # a link in the home directory to a file elsewhere is elsewhere
    link.symlink_to(_ca(tmp_path / "elsewhere" / "ca.pem"))
    risks = profile_risks(replace(profile, tls=TlsOptions(ca_bundle=str(link))))
    assert [r.field for r in risks] == ["tls.ca_bundle"]
    assert os.fspath(tmp_path / "elsewhere" / "ca.pem") in risks[0].reason
