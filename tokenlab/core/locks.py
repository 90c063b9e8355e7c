"""Cross-process locks, one per profile and purpose, as lock files in tokenlab's data directory.

Two processes refreshing one profile at once would both spend the same refresh token; a server
that rotates refresh tokens then sees the old one twice and revokes the whole token family
(kubelogin added the same lock for the same reason). The lock is held across read, refresh and
store, so the second process reads the token the first one stored.

POSIX: `fcntl.flock`; Windows: `msvcrt.locking` on the file's first byte. Either is released by
the operating system when the process ends, so a crashed run never leaves the profile locked.
The file also keeps a short note of its last holder (pid, when, what it did): the evidence a
refused refresh is explained with.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tokenlab.core.errors import ConfigFileError, TokenlabError
from tokenlab.core.storage import data_dir, ensure_private_dir

LOCK_TIMEOUT_S = 30.0  # a refresh is one request; waiting longer means a stuck process
_POLL_S = 0.05


class LockError(TokenlabError):
    """The profile's lock could not be had: another process holds it, or no lock file works."""


@dataclass(frozen=True)
class LockNote:
    """What the last holder wrote: its pid, when (epoch seconds), and what it did."""

    pid: int
    at: float
    what: str  # "holding" while held; then what came of it ("rotated", "refused", ...)

    def age_s(self) -> float:
        return max(0.0, time.time() - self.at)


@dataclass
class HeldLock:
    path: Path
    waited_s: float  # how long another process kept this one waiting (0.0: nobody held it)
    previous: LockNote | None  # the last holder's note, as found when the lock was had
    _fd: int

    def note(self, what: str) -> None:
        """Leave a note for the next holder (and for the explanation of a refusal)."""
        _write_note(self._fd, LockNote(os.getpid(), time.time(), what))


def lock_path(profile_name: str, purpose: str, directory: Path | None = None) -> Path:
    return (directory or data_dir() / "locks") / f"{profile_name}.{purpose}.lock"


@contextlib.asynccontextmanager
async def profile_lock(
    profile_name: str,
    purpose: str,
    *,
    timeout: float = LOCK_TIMEOUT_S,
    directory: Path | None = None,
) -> AsyncIterator[HeldLock]:
    """Hold the lock for `purpose` on `profile_name` for the `async with` block.

    Waits (without blocking the event loop) up to `timeout` seconds, then a `LockError`."""
    path = lock_path(profile_name, purpose, directory)
    fd = _open(path)
    try:
        waited = await _acquire(fd, path, profile_name, purpose, timeout)
        try:
            held = HeldLock(path, waited, _read_note(fd), fd)
            held.note("holding")
            yield held
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _open(path: Path) -> int:
    try:
        ensure_private_dir(path.parent)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except (OSError, ConfigFileError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc.message
        raise LockError(
            f"cannot create the lock file {path}: {reason}",
            "tokenlab keeps lock files in its data directory: make it writable, or set "
            "TOKENLAB_DATA_DIR to a writable directory",
        ) from None


async def _acquire(fd: int, path: Path, profile_name: str, purpose: str, timeout: float) -> float:
    start = time.monotonic()
    while True:
        try:
            if _try_lock(fd):
                return time.monotonic() - start
        except OSError as exc:  # ENOLCK and friends: a filesystem without locks
            raise LockError(
                f"cannot lock {path}: {exc.strerror or exc}",
                "the data directory's filesystem does not support file locks; set "
                "TOKENLAB_DATA_DIR to a local directory",
            ) from None
        waited = time.monotonic() - start
        if waited >= timeout:
            holder = _read_note(fd)
            who = f" (process {holder.pid}, for {holder.age_s():.0f} s)" if holder else ""
            raise LockError(
                f"another tokenlab process holds the {purpose} lock of profile "
                f"{profile_name!r}{who}; gave up after {waited:.0f} s",
                "wait for that process to finish, or end it; its lock goes when it exits",
            )
        await asyncio.sleep(_POLL_S)


def _read_note(fd: int) -> LockNote | None:
    try:
        raw = os.pread(fd, 512, 0) if hasattr(os, "pread") else b""
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (OSError, ValueError):
        return None  # being rewritten, or not ours: no note
    if not isinstance(data, dict):
        return None
    pid, at, what = data.get("pid"), data.get("at"), data.get("what")
    if isinstance(pid, int) and isinstance(at, int | float) and isinstance(what, str):
        return LockNote(pid, float(at), what)
    return None


def _write_note(fd: int, note: LockNote) -> None:
    text = json.dumps({"pid": note.pid, "at": note.at, "what": note.what}).encode()
    with contextlib.suppress(OSError):  # a note is evidence, never a reason to fail
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        except OSError as exc:
            if exc.errno in (13, 36):  # EACCES, EDEADLOCK: held by another process
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
