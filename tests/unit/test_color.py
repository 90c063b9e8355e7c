"""Colour: `--color auto|always|never` (before or after the command word), NO_COLOR, terminals."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tokenlab.cli import main

ESC = "\x1b["


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a real tty would."""

    def isatty(self) -> bool:
        return True


def _stderr_of(argv: list[str]) -> str:
    err = Terminal()
    code = main(argv, stdin=io.StringIO(), stdout=Terminal(), stderr=err)
    assert code == 2  # `decode nonsense`: a usage error, one line and a hint
    return err.getvalue()


@pytest.fixture(autouse=True)
def _no_inherited_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)


def test_a_terminal_gets_colour_by_default() -> None:
    err = _stderr_of(["decode", "nonsense"])
    assert f"{ESC}1;31merror:" in err and f"{ESC}36mhint:" in err


def test_no_color_gives_no_escape_codes_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    err = _stderr_of(["decode", "nonsense"])
    assert ESC not in err and err.startswith("tokenlab: error: not a token")


def test_never_beats_a_terminal_before_or_after_the_command_word() -> None:
    for argv in (
        ["--color", "never", "decode", "nonsense"],
        ["decode", "nonsense", "--color=never"],
    ):
        err = _stderr_of(argv)
        assert ESC not in err and "hint: " in err


def test_dumb_terminal_gets_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert ESC not in _stderr_of(["decode", "nonsense"])


@pytest.mark.slow
def test_always_colours_a_pipe_and_beats_no_color() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    for argv in (
        ["--color", "always", "decode", "nonsense"],
        ["decode", "nonsense", "--color", "always"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "tokenlab", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 2 and f"{ESC}1;31merror:" in done.stderr
    piped = subprocess.run(
        [sys.executable, "-m", "tokenlab", "decode", "nonsense"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
        timeout=60,
    )
    assert ESC not in piped.stderr  # auto: a pipe is not a terminal


def test_a_bad_choice_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["--color", "sometimes", "decode", "x"], stdout=io.StringIO(), stderr=err) == 2
    assert "invalid choice" in err.getvalue() and "Traceback" not in err.getvalue()


def test_json_is_never_coloured() -> None:
    out = Terminal()
    main(
        ["--color", "always", "decode", "nonsense", "--json"],
        stdin=io.StringIO(),
        stdout=out,
        stderr=Terminal(),
    )
    assert ESC not in out.getvalue()
