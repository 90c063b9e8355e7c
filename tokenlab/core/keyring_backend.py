"""The keyring backend keyring itself would choose, found without its slowest detour.

Detecting the backend imports every backend keyring ships, the macOS one included; that one
asks ctypes for the Security frameworks, which off macOS runs `ldconfig` and `gcc` to find
nothing (tens of milliseconds at each start of `tokenlab token`). Off macOS keyring never
chooses that backend whatever the search finds (its priority demands Darwin), so here the
search for those three frameworks answers "not found" at once; every other lookup is untouched.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
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
