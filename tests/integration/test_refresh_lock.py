"""Two processes refreshing one profile at once, against the sandbox (which rotates refresh
tokens and revokes the whole family when one is spent twice).

A gated keyring (tests/support/keyrings.py) holds each process right after it read the refresh
token, so the test decides who goes when: without the profile's refresh lock both processes
read the same token and one of them spends a dead one; with it, the second waits, reads the
token the first one stored, and both succeed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.signin import sandbox_web_tokens
from tests.support.targets import sandbox_profile
from tokenlab.core.locks import lock_path
from tokenlab.core.profiles import ProfileStore
from tokenlab.sandbox import Sandbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://127.0.0.1:53124/callback"
PROFILE = "demo-web-app"
ACCOUNT = f"tokenlab|{PROFILE}:refresh-token"


@pytest.fixture
def env(tmp_path: Path, isolated_dirs: dict[str, Path]) -> dict[str, str]:
    outside = tmp_path / "outside"
    (outside / "gate").mkdir(parents=True)
    return {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.GatedFileKeyring",
        "TOKENLAB_TEST_KEYRING_FILE": str(outside / "keyring.json"),
        "TOKENLAB_TEST_GATE_DIR": str(outside / "gate"),
        "PYTHONPATH": str(ROOT),
    }


def signed_in(sandbox: Sandbox, env: dict[str, str]) -> str:
    """The profile saved, and a first refresh token in the (stand-in) keyring."""
    profile, _ = sandbox_profile(sandbox, PROFILE)
    ProfileStore().save(profile)
    first = str(sandbox_web_tokens(sandbox, profile, CALLBACK)["refresh_token"])
    Path(env["TOKENLAB_TEST_KEYRING_FILE"]).write_text(json.dumps({ACCOUNT: first}))
    return first


def stored(env: dict[str, str]) -> str:
    return str(json.loads(Path(env["TOKENLAB_TEST_KEYRING_FILE"]).read_text())[ACCOUNT])


def _arrivals(gate: Path) -> int:
    return len(list(gate.glob("arrived-*")))


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def _has_open(pid: int, path: Path) -> bool:
    """Does process `pid` have `path` open (it is trying for the lock)? Linux's /proc tells."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd) == str(path) for fd in fds.iterdir())
    except OSError:
        return False


def race(env: dict[str, str], command: list[str], *, locked: bool) -> list[dict[str, Any]]:
    """Start A; once it has read the refresh token, start B; let both go once B has read it too,
    or (`locked`) is trying for the lock A holds; return both answers (A's first)."""
    gate = Path(env["TOKENLAB_TEST_GATE_DIR"])
    for old in gate.iterdir():
        old.unlink()

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            command, env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    a = start()
    assert _wait_for(lambda: _arrivals(gate) == 1, 30), "A never read its refresh token"
    b = start()
    b_read = lambda: _arrivals(gate) == 2  # noqa: E731
    if locked and Path("/proc").is_dir():
        lock = lock_path(PROFILE, "refresh", Path(env["TOKENLAB_DATA_DIR"]) / "locks")
        _wait_for(lambda: b_read() or _has_open(b.pid, lock), 30)
        time.sleep(0.2)  # B polls the lock A holds (or, without a lock, reads the token)
    elif locked:
        time.sleep(2)
    else:
        assert _wait_for(b_read, 30), "B never read its refresh token"
    (gate / "open").touch()
    answers = []
    for proc in (a, b):
        out, err = proc.communicate(timeout=60)
        answers.append({"code": proc.returncode, "out": out, "err": err})
    return answers


def child(*flags: str) -> list[str]:
    return [sys.executable, "-m", "tests.support.refresh_child", PROFILE, *flags]


def test_with_the_lock_both_refresh_and_the_second_spends_the_rotated_token(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    first = signed_in(sandbox, env)
    a, b = (json.loads(r["out"]) for r in race(env, child(), locked=True))
    assert a["ok"] and b["ok"], (a, b)
    assert a["new_refresh_token"] != b["new_refresh_token"]
    store = sandbox.instance.store
    family = store.refresh[first].family
    # B spent the token A stored: the family lives on, and the newest token is B's, unspent
    assert family not in store.revoked_families
    newest = stored(env)
    assert store.refresh[newest].family == family and not store.refresh[newest].consumed
    grants = [g for g in store.refresh.values() if g.family == family]
    assert [g.consumed for g in grants] == [True, True, False]  # first, A's (spent by B), B's


def test_without_the_lock_one_of_them_spends_a_dead_token_and_the_family_is_revoked(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    signed_in(sandbox, env)
    answers = [json.loads(r["out"]) for r in race(env, child("--no-lock"), locked=False)]
    assert sorted(a["ok"] for a in answers) == [False, True], answers
    (refused,) = [a for a in answers if not a["ok"]]
    assert refused["error"] == "invalid_grant"
    assert "already used" in refused["description"]
    evidence = refused["refresh"]
    assert evidence["server_says_reused"] is True
    assert evidence["locked"] is False and evidence["source"] == "keyring"
    assert "this run did not hold the profile's refresh lock" in refused["facts"]
    # the reuse revoked the whole family: even the token the winner stored is dead now
    store = sandbox.instance.store
    assert store.refresh[stored(env)].family in store.revoked_families


def test_two_token_commands_refreshing_at_once_both_succeed(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    family = sandbox.instance.store.refresh[signed_in(sandbox, env)].family
    command = [sys.executable, "-m", "tokenlab", "token", "-p", PROFILE, "--flow", "refresh"]
    answers = race(env, [*command, "--json", "-q"], locked=True)
    assert [r["code"] for r in answers] == [0, 0], answers
    tokens = [json.loads(r["out"])["api_token"]["access_token"] for r in answers]
    assert tokens[0] != tokens[1]
    assert family not in sandbox.instance.store.revoked_families
