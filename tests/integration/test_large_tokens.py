"""A token from an argument, `-` or stdin (with `Bearer `/header prefixes stripped), and very
large tokens through stdin, in a real process; above the cap one line and a hint."""

from __future__ import annotations

import json
import subprocess
import sys

import jwt
import pytest

from tokenlab.core.inspection.decode import MAX_TOKEN_CHARS

pytestmark = pytest.mark.slow


def _tokenlab(*argv: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _token_of_size(chars: int) -> str:
    groups = [f"group-{i:07d}" for i in range(chars // 18)]  # ~18 characters each, base64'd
    return jwt.encode({"sub": "big", "groups": groups}, "k" * 32, algorithm="HS256")


def test_a_one_megabyte_token_works_through_stdin() -> None:
    token = _token_of_size(900_000)
    assert len(token) > 1_000_000
    for argv, text in (
        (["decode", "--json"], token + "\n"),  # no argument, stdin not a terminal
        (["decode", "-", "--json"], f"Authorization: Bearer {token}\n"),
        (["decode", "--json"], f"Bearer {token}"),
    ):
        done = _tokenlab(*argv, stdin=text)
        assert done.returncode == 1, done.stderr[-500:]  # 1: unverified HS256, not an error
        data = json.loads(done.stdout)
        assert data["kind"] == "jwt" and data["claims"]["sub"] == "big"
        assert len(data["claims"]["groups"]) == 900_000 // 18
        assert token not in done.stdout + done.stderr  # shown masked, never whole


def test_above_the_cap_is_one_line_and_a_hint() -> None:
    done = _tokenlab("decode", "-", stdin="a" * (MAX_TOKEN_CHARS + 10))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and "too long for a token" in lines[0] and lines[1].startswith("hint:")
    assert "Traceback" not in done.stderr
