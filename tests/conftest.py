"""Shared fixtures. Every test gets its own config and data dirs and an in-memory keyring.

Markers are derived here, not remembered by hand: a test whose fixtures reach the test identity
provider (the session fixture `idp`, which starts Node) is marked `idp`, so `-m "not idp"` runs
without Node. A "target" fixture parametrised over ("idp", "sandbox") fetches the provider with
`request.getfixturevalue` for its "idp" param only, so only those items are marked; a guard
fails any test that still reaches the provider unmarked.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.support.keyrings import MemoryKeyring
from tokenlab.cli import main

pytest_plugins = ["tests.idp.fixtures", "tests.sandbox_fixtures"]

IDP_FIXTURE = "idp"  # tests/idp/fixtures.py: the session-scoped provider (runs Node)


def needs_idp(item: pytest.Item) -> bool:
    """Does this test reach the test identity provider, directly, through another fixture, or
    as the "idp" param of a parametrised target fixture?"""
    if IDP_FIXTURE in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(v == IDP_FIXTURE for v in callspec.params.values())


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if needs_idp(item) and item.get_closest_marker("idp") is None:
            item.add_marker(pytest.mark.idp)


SLOW_SECONDS = 1.0  # `slow` marks a test whose call takes longer than this
_unmarked_slow: list[tuple[str, float]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.duration > SLOW_SECONDS and "slow" not in report.keywords:
        _unmarked_slow.append((report.nodeid, report.duration))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Timing depends on the machine, so an unmarked slow test is reported, not failed."""
    for nodeid, seconds in _unmarked_slow:
        terminalreporter.write_line(f"took {seconds:.1f} s without @pytest.mark.slow: {nodeid}")


@pytest.fixture(autouse=True)
def idp_use_is_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that reached the provider by a road the hook cannot see fails here, so the
    marker stays true."""
    yield
    if IDP_FIXTURE in request.fixturenames and request.node.get_closest_marker("idp") is None:
        pytest.fail(
            f"{request.node.nodeid} uses the test identity provider: mark it @pytest.mark.idp",
            pytrace=False,
        )


_SECRET_ENV = ("TOKENLAB_CLIENT_SECRET", "TOKENLAB_REFERENCE_TOKEN", "TOKENLAB_KEY_PASSPHRASE")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    dirs = {"config": tmp_path / "config", "data": tmp_path / "data"}
    monkeypatch.setenv("TOKENLAB_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("TOKENLAB_DATA_DIR", str(dirs["data"]))
    for name in _SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    return dirs


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Never the real keyring: each test starts with an empty in-memory one."""
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli() -> object:
    """Run `tokenlab ARGS` in-process: `cli("profiles", "list", stdin="...")`."""

    def run(*args: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            code = main(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err)
        except SystemExit as exc:  # argparse's own exits (--help, --version, usage)
            code = int(exc.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
