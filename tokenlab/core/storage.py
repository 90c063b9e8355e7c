"""Where tokenlab keeps files, and the one way it writes them: atomic, private, fsynced.

Creating a file is exclusive as well: of two processes creating the same file, exactly one wins.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tokenlab.core.errors import ConfigFileError

APP_NAME = "tokenlab"
PRIVATE_DIR_MODE = 0o700


def config_dir() -> Path:
    """`TOKENLAB_CONFIG_DIR`, else the platform's user config dir (e.g. ~/.config/tokenlab)."""
    override = os.environ.get("TOKENLAB_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """`TOKENLAB_DATA_DIR`, else the platform's user state dir (e.g. ~/.local/state/tokenlab):
    what tokenlab keeps between runs that is not configuration (lock files)."""
    override = os.environ.get("TOKENLAB_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if needed and check that it can be used."""
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigFileError(
            str(path),
            f"cannot create the directory: {exc.strerror}",
            "check its permissions, or set TOKENLAB_CONFIG_DIR to a writable directory",
        ) from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise ConfigFileError(
            str(path),
            "the directory is not readable and writable by you",
            f"fix it with: chmod u+rwx {path}, or set TOKENLAB_CONFIG_DIR",
        )
    return path


@dataclass(frozen=True)
class LooseDir:
    """A private directory found open to others: `mode` as found; `fixed` when made 0700."""

    path: Path
    mode: int
    fixed: bool
    owned: bool  # by the user running tokenlab (only then may tokenlab change it)

    @property
    def writable_by_others(self) -> bool:
        return bool(self.mode & 0o022)


def tighten_private_dir(path: Path) -> LooseDir | None:
    """Make `path` 0700 when others may read or enter it and it is ours; None when it was fine.

    On Windows, modes say nothing about who may read: nothing is checked there."""
    if os.name == "nt":
        return None
    try:
        st = path.stat()
    except OSError:
        return None  # not there (yet): it is created 0700
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o077:
        return None
    owned = st.st_uid == os.geteuid()
    fixed = False
    if owned:
        try:
            os.chmod(path, PRIVATE_DIR_MODE)
            fixed = True
        except OSError:
            fixed = False
    return LooseDir(path, mode, fixed, owned)


def _write_temp(path: Path, text: str) -> str:
    """A complete, fsynced 0600 temp file beside `path` (same filesystem); its name."""
    import tempfile  # lazy: only writers need it

    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # make the rename or link itself durable
        dfd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically: a crash leaves the old file or the new, never half.

    The temp file lives in the same directory (rename is atomic only within one filesystem) and
    is created 0600, so the content is never readable by others, even for a moment.
    """
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(path.parent)


def create_private_file(path: Path, text: str) -> None:
    """Create `path` with `text`, only if it does not exist: `FileExistsError` otherwise.

    A hard link of a complete temp file is atomic and exclusive (the file appears whole, and of
    two processes creating it exactly one wins). Where the filesystem has no hard links, an
    O_EXCL open is exclusive too, though a crash could then leave the file half written.
    """
    tmp = _write_temp(path, text)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some network and FAT filesystems)
            _create_exclusive(path, text)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _sync_dir(path.parent)


def _create_exclusive(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
