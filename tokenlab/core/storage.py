"""Where tokenlab keeps files, and the one way it writes them: atomic, private, fsynced."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from tokenlab.core.errors import ConfigFileError

APP_NAME = "tokenlab"


def config_dir() -> Path:
    """`TOKENLAB_CONFIG_DIR`, else the platform's user config dir (e.g. ~/.config/tokenlab)."""
    override = os.environ.get("TOKENLAB_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if needed and check that it can be used."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
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


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically: a crash leaves the old file or the new, never half.

    The temp file lives in the same directory (rename is atomic only within one filesystem) and
    is created 0600, so the content is never readable by others, even for a moment.
    """
    import tempfile  # lazy: only writers need it

    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
