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
