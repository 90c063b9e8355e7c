"""The keyring backend keyring itself would choose, found without its slowest detour.

Detecting the backend imports every backend keyring ships, the macOS one included; that one
asks ctypes for the Security frameworks, which off macOS runs `ldconfig` and `gcc` to find
nothing (tens of milliseconds at each start of `tokenlab token`). Off macOS keyring never
chooses that backend whatever the search finds (its priority demands Darwin), so here the
search for those three frameworks answers "not found" at once; every other lookup is untouched.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
from collections.abc import Iterator
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

MACOS_FRAMEWORKS = frozenset({"Security", "CoreServices", "Foundation"})


@contextlib.contextmanager
def _frameworks_not_searched() -> Iterator[None]:
    if sys.platform == "darwin":
        yield
        return
    import ctypes.util

    search = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        return None if name in MACOS_FRAMEWORKS else search(name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = search


def detect_backend() -> Any:
    """`keyring.get_keyring()`: the configured backend, else the best one that runs here."""
    with _frameworks_not_searched():
        import keyring

        return keyring.get_keyring()


# --- a quicker "none" where none can run ---------------------------------------------------
# Finding keyring's answer costs ~25 ms of a cold `tokenlab token`: importing keyring, reading
# every installed package's entry points, importing every backend (SecretService brings
# secretstorage, jeepney and cryptography's ciphers). Where no backend can run (a container,
# CI, a session over SSH: no D-Bus session bus, no bindings that could start one, no
# configuration, no third-party backend) its answer is known: its `fail` backend. Any doubt
# leaves the answer to keyring.

FAIL_BACKEND = "keyring.backends.fail.Keyring"
# keyring's own backends (its entry points) whose needs are checked below; another one in a
# future keyring is a doubt.
KNOWN_BACKENDS = frozenset({"KWallet", "SecretService", "Windows", "chainer", "libsecret", "macOS"})
BUS_BINDINGS = ("dbus", "gi")  # KWallet's and libsecret's: they may find or start a bus themselves
_GROUP = "[keyring.backends]"


def no_backend_can_run() -> bool:
    """True only when keyring would surely choose its `fail` backend here (Linux only)."""
    if not sys.platform.startswith("linux") or "keyring.backend" in sys.modules:
        return False  # another platform, or keyring already set up or extended in this process
    return _none_can_run()


@functools.cache  # once per process, as keyring itself reads its environment and plugins once
def _none_can_run() -> bool:
    try:
        return _no_bus_nor_choice() and _no_configuration() and _only_keyrings_own_backends()
    except Exception:  # noqa: BLE001 - no home directory, an odd path entry: a doubt
        return False


def _no_bus_nor_choice() -> bool:
    env = os.environ
    if env.get("PYTHON_KEYRING_BACKEND") or env.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    runtime = env.get("XDG_RUNTIME_DIR")
    # a session bus that a newer D-Bus library could find without the variable
    return not (runtime and os.path.exists(os.path.join(runtime, "bus")))


def _no_configuration() -> bool:
    env, home = os.environ, Path.home()
    roots = (
        env.get("XDG_CONFIG_HOME") or home / ".config",
        env.get("XDG_DATA_HOME") or home / ".local/share",
    )
    return not any(Path(root, "python_keyring", "keyringrc.cfg").exists() for root in roots)


def _only_keyrings_own_backends() -> bool:
    if any(importlib.util.find_spec(name) is not None for name in BUS_BINDINGS):
        return False
    return _backend_entry_points() == {"keyring": KNOWN_BACKENDS}


def _backend_entry_points() -> dict[str, frozenset[str]] | None:
    """Installed package -> the names of its keyring backends (only packages that have some);
    None when that cannot be read as cheaply as this (a zip on the path, another finder)."""
    if any(hasattr(f, "find_distributions") for f in sys.meta_path if f is not PathFinder):
        return None
    found: dict[str, frozenset[str]] = {}
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return None  # a zip or an egg file
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                backends = _backends_in(os.path.join(folder, name, "entry_points.txt"))
                if backends is None:
                    return None
                if backends:
                    package = name.partition("-")[0].lower()
                    found[package] = found.get(package, frozenset()) | backends
    return found


def _backends_in(path: str) -> frozenset[str] | None:
    """The entry point names of the keyring backends group in one entry_points.txt."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError):
        return None
    if _GROUP not in text:
        return frozenset()
    section = text.split(_GROUP, 1)[1].split("\n[", 1)[0]
    return frozenset(
        line.partition("=")[0].strip()
        for line in section.splitlines()
        if "=" in line and not line.lstrip().startswith(("#", ";"))
    )
