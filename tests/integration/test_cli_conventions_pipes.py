"""A reader that closes the pipe early (`| head`) ends tokenlab quietly: exit 141, empty stderr."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tokenlab.cli import EXIT_BROKEN_PIPE
from tokenlab.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bash") is None or shutil.which("head") is None, reason="bash"),
]


def _b64(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _token(extra_claims: int) -> str:
    claims: dict[str, object] = {
        "iss": "https://acme.example/id",
        "sub": "u1",
        "exp": 2_000_000_000,
    }
    claims.update({f"c{i}": 1 for i in range(extra_claims)})
    return f"{_b64({'alg': 'RS256', 'typ': 'at+jwt'})}.{_b64(claims)}.c2ln"


def _tokenlab() -> list[str]:
    return [sys.executable, "-m", "tokenlab"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _through_head(args: list[str], lines: int) -> subprocess.CompletedProcess[str]:
    """`tokenlab ARGS | head -N` in bash; prints tokenlab's status, then its stderr, on stdout."""
    command = " ".join(_quote(a) for a in [*_tokenlab(), *args])
    script = f'{command} 2>"$ERR" | head -{lines} >/dev/null; echo "${{PIPESTATUS[0]}}"; cat "$ERR"'
    env = {**_env(), "ERR": str(Path(os.environ["TOKENLAB_DATA_DIR"]).parent / "stderr.txt")}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def _assert_quiet_end(run: subprocess.CompletedProcess[str]) -> None:
    """The output may all fit the pipe before `head` exits (status 0, as for any Unix tool;
    how much a pipe holds depends on the kernel); else it meets the closed pipe (141). Either
    way: nothing on stderr. The status is pinned by the closed-pipe tests below."""
    status, _, stderr = run.stdout.partition("\n")
    assert stderr == "", stderr
    assert int(status) in (0, EXIT_BROKEN_PIPE)


def _add_profile(name: str) -> None:
    subprocess.run(
        [*_tokenlab(), "profiles", "add", name, "--instance", "https://acme.example",
         "--scenario", "service-app", "--client-id", "c1"],
        check=True, env=_env(), capture_output=True,
    )  # fmt: skip


def test_profiles_show_through_head_ends_quietly() -> None:
    _add_profile("acme")
    _assert_quiet_end(_through_head(["profiles", "show", "acme"], 2))


def test_decode_through_head_ends_quietly() -> None:
    _assert_quiet_end(_through_head(["decode", _token(3)], 3))


def test_decode_json_larger_than_the_pipe_through_head_ends_quietly() -> None:
    # a 62 KB token decodes to ~450 KB of JSON: far more than a pipe holds
    _assert_quiet_end(_through_head(["decode", "--json", _token(4000)], 3))


def test_demo_print_profiles_through_head_ends_quietly(sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    _assert_quiet_end(_through_head(["demo", "--print-profiles", "--port", port], 5))


@pytest.mark.parametrize(
    "args",
    [
        ["profiles", "list"],
        ["profiles", "show", "acme"],
        ["decode", _token(3)],
        ["decode", "--json", _token(4000)],
    ],
)
def test_a_pipe_closed_before_the_first_write_ends_quietly(args: list[str]) -> None:
    """The reader is gone before tokenlab writes (or flushes at exit) a single byte."""
    _add_profile("acme")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [*_tokenlab(), *args], stdout=write_end, stderr=subprocess.PIPE, env=_env()
        )
    finally:
        os.close(write_end)
    assert proc.stderr == b""
    assert proc.returncode == EXIT_BROKEN_PIPE


def test_a_whole_read_still_exits_zero() -> None:
    _add_profile("acme")
    run = subprocess.run(
        ["bash", "-c", " ".join(_quote(a) for a in [*_tokenlab(), "profiles", "show", "acme"])
         + ' | cat >/dev/null; echo "${PIPESTATUS[0]}"'],
        capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    assert run.stdout.strip() == "0"
    assert run.stderr == ""
