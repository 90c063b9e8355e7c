"""Shared fixtures. Every test gets its own config and data dirs and an in-memory keyring."""

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
