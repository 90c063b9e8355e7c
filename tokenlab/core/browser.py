"""Opening the sign-in address: where no browser can open (a table), and how one is opened.

Each row of `NO_BROWSER_HERE` names a place where a browser would open nowhere the user can
see it; the first that holds is the reason tokenlab shows the address and does not try. A
browser command chosen by the user (`FlowOptions.browser_command`) is always run: the user
knows what it does (a script that forwards the address, a browser on a shared display).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Files a container runtime leaves: Docker, Podman (and the `container` variable systemd-nspawn,
# Podman and Flatpak-like tools set in the environment).
CONTAINER_FILES = ("/.dockerenv", "/run/.containerenv")
COMMAND_START_S = 2.0  # a browser command that fails does so at once; a browser keeps running


def _real_file(path: str) -> bool:
    return Path(path).exists()


def _no_file(_path: str) -> bool:
    return False


@dataclass(frozen=True)
class Place:
    """Where tokenlab runs: its environment, platform, and a look at files (a test's own)."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    platform: str = sys.platform
    exists: Callable[[str], bool] = _real_file

    @classmethod
    def described(cls, env: Mapping[str, str], platform: str | None = None) -> Place:
        """A place known only by its environment: no file of this machine is looked at."""
        return cls(env=env, platform=platform or sys.platform, exists=_no_file)


def over_ssh(place: Place) -> bool:
    env = place.env
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def in_container(place: Place) -> bool:
    return bool(place.env.get("container")) or any(place.exists(f) for f in CONTAINER_FILES)


def _no_display(place: Place) -> bool:
    if place.platform in ("darwin", "win32"):
        return False  # a desktop session is the normal case there
    return not (place.env.get("DISPLAY") or place.env.get("WAYLAND_DISPLAY"))


NO_BROWSER_HERE: tuple[tuple[Callable[[Place], bool], str], ...] = (
    (over_ssh, "connected over SSH: a browser would open on the remote machine, not yours"),
    (in_container, "running in a container: no browser opens there"),
    (_no_display, "no graphical display here (DISPLAY and WAYLAND_DISPLAY are not set)"),
)


def why_no_browser(place: Place | None = None) -> str | None:
    """Why no browser can open here; None when one can."""
    place = place or Place()
    return next((why for holds, why in NO_BROWSER_HERE if holds(place)), None)


def browser_argv(command: str, url: str) -> list[str]:
    """The command's words with the address: in place of `%s` (as $BROWSER does), else last."""
    words = shlex.split(command)
    if any("%s" in w for w in words):
        return [w.replace("%s", url) for w in words]
    return [*words, url]


async def run_browser_command(command: str, url: str) -> bool:
    """Run the user's browser command with `url`; False when it cannot start or fails at once.
    Never raises: the address is shown anyway."""
    try:
        process = await asyncio.create_subprocess_exec(
            *browser_argv(command, url),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return False
    try:
        async with asyncio.timeout(COMMAND_START_S):
            return await process.wait() == 0
    except TimeoutError:
        return True  # still running: a browser that opened and stays


async def open_in_browser(url: str, command: str = "") -> bool:
    """Open `url` with `command`, else the system's browser; False when nothing opened."""
    if command:
        return await run_browser_command(command, url)
    import webbrowser

    def attempt() -> bool:
        try:
            return webbrowser.open(url)
        except Exception:  # noqa: BLE001 - any failure just means "no browser"
            return False

    try:
        async with asyncio.timeout(5):
            return await asyncio.to_thread(attempt)
    except TimeoutError:
        return False
