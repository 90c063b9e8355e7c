"""Without a terminal the console says so in one line, instead of drawing escape codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokenlab.core.errors import UsageError
from tokenlab.ui.launch import require_terminal

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [[], ["demo"]], ids=["tokenlab", "tokenlab demo"])
def test_without_a_terminal_the_console_is_one_line_on_stderr(
    args: list[str], tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TOKENLAB_CONFIG_DIR": str(tmp_path / "config"),
        "TOKENLAB_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",  # a terminal type, but no terminal: still refused
    }
    done = subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=60,
    )
    err = done.stderr.decode()
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"\x1b" not in done.stderr + done.stdout
    assert len(err.splitlines()) == 1, err
    assert err.startswith("tokenlab: error: the console needs a terminal")
    # refused before anything was started or written: no demo profile left behind
    assert not list((tmp_path / "config").rglob("*.toml"))


def test_only_a_terminal_on_both_ends_opens_the_console(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    try:
        with (
            open(os.dup(follower)) as tty_in,
            open(os.dup(follower), "w") as tty_out,
            open(tmp_path / "out.txt", "w") as file_out,
        ):
            require_terminal(tty_in, tty_out)  # a terminal: no error
            with pytest.raises(UsageError, match="needs a terminal"):
                require_terminal(tty_in, file_out)  # output redirected to a file
    finally:
        os.close(leader)
        os.close(follower)
