"""Where no browser can open (the table), and the browser command's words."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tokenlab.core.browser import Place, browser_argv, run_browser_command, why_no_browser


def _files(*present: str) -> object:
    return lambda path: path in present


@pytest.mark.parametrize(
    "env,platform,files,reason",
    [
        ({"DISPLAY": ":0"}, "linux", (), None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", (), None),
        ({}, "linux", (), "no graphical display"),
        ({}, "darwin", (), None),
        ({"DISPLAY": ":0", "SSH_CONNECTION": "a b c d"}, "linux", (), "over SSH"),
        ({"SSH_TTY": "/dev/pts/1"}, "darwin", (), "over SSH"),
        ({"DISPLAY": ":0"}, "linux", ("/.dockerenv",), "in a container"),
        ({"DISPLAY": ":0"}, "linux", ("/run/.containerenv",), "in a container"),
        ({"DISPLAY": ":0", "container": "podman"}, "linux", (), "in a container"),
    ],
)
def test_why_no_browser(
    env: dict[str, str], platform: str, files: tuple[str, ...], reason: str | None
) -> None:
    why = why_no_browser(Place(env=env, platform=platform, exists=_files(*files)))  # type: ignore[arg-type]
    assert (why is None) if reason is None else (why is not None and reason in why)


def test_browser_argv_puts_the_url_in_place_of_percent_s_or_last() -> None:
    url = "https://acme.example/id/connect/authorize?a=1&b=2"
    assert browser_argv("firefox --new-window", url) == ["firefox", "--new-window", url]
    assert browser_argv("open -a 'Google Chrome' %s --x", url) == [
        "open", "-a", "Google Chrome", url, "--x"
    ]  # fmt: skip


def test_a_failing_or_missing_command_reports_false(tmp_path: Path) -> None:
    assert asyncio.run(run_browser_command("/nonexistent/browser", "https://x")) is False
    assert (
        asyncio.run(run_browser_command(f"{sys.executable} -c 'raise SystemExit(3)'", "u")) is False
    )
    out = tmp_path / "url"
    cmd = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {out}"
    assert asyncio.run(run_browser_command(cmd, "https://x/y")) is True
    assert out.read_text() == "https://x/y"
