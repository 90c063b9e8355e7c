"""What the console remembers between runs: the last profile and pane, in a small JSON file.

Kept in `TOKENLAB_DATA_DIR` if set, else the platform's user state dir. Never a secret: only a
profile name and a pane name. A missing or corrupt file is the same as none.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tokenlab.core.errors import TokenlabError
from tokenlab.core.storage import APP_NAME, write_private_file

STATE_FILE = "console-state.json"


@dataclass(frozen=True)
class ConsoleState:
    profile: str = ""
    pane: str = ""


def state_path() -> Path:
    override = os.environ.get("TOKENLAB_DATA_DIR")
    if override:
        return Path(override).expanduser() / STATE_FILE
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False)) / STATE_FILE


def load_state(path: Path | None = None) -> ConsoleState:
    try:
        data = json.loads((path or state_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ConsoleState()
    if not isinstance(data, dict):
        return ConsoleState()
    values = {k: data.get(k) for k in ("profile", "pane")}
    return ConsoleState(**{k: v for k, v in values.items() if isinstance(v, str)})


def save_state(state: ConsoleState, path: Path | None = None) -> None:
    """Best effort: a console that cannot write its state still works."""
    with contextlib.suppress(OSError, TokenlabError):
        write_private_file(path or state_path(), json.dumps(asdict(state)) + "\n")
