"""The per-profile lock: one holder at a time across processes and tasks, a clear error after
the timeout naming the holder, and no lock left behind by a process that died."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokenlab.core.locks import LockError, lock_path, profile_lock

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import asyncio, sys, time
from tokenlab.core.locks import profile_lock

async def hold():
    async with profile_lock("acme", "refresh") as held:
        print("held", flush=True)
        time.sleep(float(sys.argv[1]))

asyncio.run(hold())
"""


def holder(seconds: float) -> subprocess.Popen[str]:
    """Another process that holds acme's refresh lock for `seconds`."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seconds)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.slow
async def test_a_lock_held_by_another_process_ends_in_a_clear_error_naming_it() -> None:
    proc = holder(30)
    try:
        began = time.monotonic()
        with pytest.raises(LockError) as caught:
            async with profile_lock("acme", "refresh", timeout=0.4):
                pytest.fail("got a lock another process holds")
        assert 0.4 <= time.monotonic() - began < 5
    finally:
        proc.kill()
        proc.wait()
    message = caught.value.message
    assert "another tokenlab process holds the refresh lock of profile 'acme'" in message
    assert f"(process {proc.pid}, for " in message
    assert "wait for that process to finish" in caught.value.hint


@pytest.mark.slow
async def test_the_lock_of_a_process_that_died_is_free_at_once() -> None:
    proc = holder(30)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    async with profile_lock("acme", "refresh", timeout=1) as held:
        assert held.waited_s < 0.5
        assert held.previous is not None  # its note stays: it died while holding the lock
        assert (held.previous.pid, held.previous.what) == (proc.pid, "holding")


@pytest.mark.slow
async def test_the_second_process_waits_for_the_first_and_reads_its_note() -> None:
    proc = holder(0.8)
    try:
        async with profile_lock("acme", "refresh", timeout=10) as held:
            assert held.waited_s > 0.3
            assert held.previous is not None and held.previous.pid == proc.pid
    finally:
        proc.wait()


async def test_two_tasks_of_one_process_take_turns() -> None:
    order: list[str] = []

    async def one(name: str) -> None:
        async with profile_lock("acme", "refresh", timeout=5) as held:
            order.append(f"{name} in")
            held.note(f"{name} did it")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    await asyncio.gather(one("a"), one("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_the_lock_file_is_private_and_per_profile(isolated_dirs: dict[str, Path]) -> None:
    async with profile_lock("acme", "refresh") as a, profile_lock("other", "refresh") as b:
        assert a.waited_s < 0.5 and b.waited_s < 0.5  # two profiles never wait for each other
    path = lock_path("acme", "refresh")
    assert path == isolated_dirs["data"] / "locks" / "acme.refresh.lock"
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0


async def test_no_place_for_lock_files_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("TOKENLAB_DATA_DIR", str(blocker))
    with pytest.raises(LockError, match="cannot create the lock file") as caught:
        async with profile_lock("acme", "refresh"):
            pass
    assert "TOKENLAB_DATA_DIR" in caught.value.hint
