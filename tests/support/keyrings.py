"""Keyring backends for tests: the real OS keyring is never touched."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class LockedKeyring(KeyringBackend):
    """Like a Secret Service collection that stays locked (no one to unlock it over SSH)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class FileKeyring(KeyringBackend):
    """For subprocess tests: a JSON file outside every tokenlab dir stands in for the OS keyring.

    Selected with PYTHON_KEYRING_BACKEND=tests.support.keyrings.FileKeyring and
    TOKENLAB_TEST_KEYRING_FILE=path.
    """

    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["TOKENLAB_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}|{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}|{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(data))


class GatedFileKeyring(FileKeyring):
    """A FileKeyring that lets a test line processes up at their first refresh-token read.

    Each process's first read of a refresh token leaves `arrived-PID` in TOKENLAB_TEST_GATE_DIR
    and waits (at most 30 s) for the test to create `open` there, as a slow keyring (D-Bus, a
    locked collection) keeps a process between reading its refresh token and spending it.
    Writes are atomic, so a concurrent reader never sees half a file.
    """

    _arrived = False

    def get_password(self, service: str, username: str) -> str | None:
        if username.endswith(":refresh-token") and not GatedFileKeyring._arrived:
            GatedFileKeyring._arrived = True
            gate = Path(os.environ["TOKENLAB_TEST_GATE_DIR"])
            (gate / f"arrived-{os.getpid()}").touch()
            deadline = time.monotonic() + 30
            while not (gate / "open").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}|{username}"] = password
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)
