"""tokenlab finds the keyring backend keyring itself would choose, without keyring's search for
the macOS frameworks off macOS (it ran ldconfig and gcc at every `tokenlab token`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WATCHED = """
import ctypes.util, json
asked = []
search = ctypes.util.find_library
def watched(name):
    asked.append(name)
    return search(name)
ctypes.util.find_library = watched
{detect}
print(json.dumps({{
    "backend": f"{{type(backend).__module__}}.{{type(backend).__qualname__}}",
    "asked": asked,
    "restored": ctypes.util.find_library is watched,
}}))
"""
TOKENLAB = "from tokenlab.core.keyring_backend import detect_backend\nbackend = detect_backend()"
KEYRING = "import keyring\nbackend = keyring.get_keyring()"


def detect(code: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", WATCHED.format(detect=code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.slow
def test_the_backend_is_the_one_keyring_chooses_found_without_the_macos_search() -> None:
    ours, keyrings = detect(TOKENLAB), detect(KEYRING)
    assert ours["backend"] == keyrings["backend"]
    assert ours["restored"]  # ctypes is left as it was found
    if sys.platform != "darwin":
        assert "Security" in keyrings["asked"]  # what keyring alone does, here
        assert not {"Security", "CoreServices", "Foundation"} & set(ours["asked"])  # type: ignore[call-overload]


# --- the quick "no backend can run" answer ------------------------------------------------

QUICK = """
import json, sys
from tokenlab.core.keyring_backend import no_backend_can_run
quick = no_backend_can_run()
imported = "keyring" in sys.modules
import keyring
print(json.dumps({
    "quick": quick,
    "imported_keyring": imported,
    "keyring_says": f"{type(keyring.get_keyring()).__module__}.{type(keyring.get_keyring()).__qualname__}",
}))
"""


def quick_answer(env: dict[str, str], extra_path: str = "") -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    path = os.pathsep.join(p for p in (str(ROOT), extra_path) if p)
    done = subprocess.run(
        [sys.executable, "-c", QUICK],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "PYTHONPATH": path, **env},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_where_it_answers_no_backend_keyring_agrees_and_was_never_imported(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""}
    seen = quick_answer({**home, "XDG_RUNTIME_DIR": str(tmp_path / "run")})
    assert seen["imported_keyring"] is False
    if seen["quick"]:  # this machine has no bus: the quick answer must be keyring's own
        assert seen["keyring_says"] == "keyring.backends.fail.Keyring"


@pytest.mark.parametrize(
    "doubt",
    ["backend chosen", "session bus address", "session bus socket", "config file", "plugin"],
)
def test_any_doubt_leaves_the_answer_to_keyring(tmp_path: Path, doubt: str) -> None:
    runtime, config = tmp_path / "run", tmp_path / "config"
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(config)}
    extra = ""
    if doubt == "backend chosen":
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    elif doubt == "session bus address":
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path / 'nowhere'}"
    elif doubt == "session bus socket":
        runtime.mkdir()
        (runtime / "bus").touch()
    elif doubt == "config file":
        (config / "python_keyring").mkdir(parents=True)
        (config / "python_keyring" / "keyringrc.cfg").write_text("[backend]\n")
    else:  # a third-party backend, announced by its package's entry points
        info = tmp_path / "site" / "keyrings.alt-5.0.dist-info"
        info.mkdir(parents=True)
        (info / "entry_points.txt").write_text("[keyring.backends]\nfile = keyrings.alt.file\n")
        extra = str(tmp_path / "site")
    assert quick_answer(env, extra)["quick"] is False


def test_in_a_process_that_set_up_keyring_keyring_answers() -> None:
    import keyring  # noqa: F401 - as the tests' in-memory keyring does

    from tokenlab.core.keyring_backend import no_backend_can_run

    assert no_backend_can_run() is False
