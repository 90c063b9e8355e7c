"""The headless CLI and the core never import Textual (start-up time, servers without a screen)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import io, json, sys
from tokenlab.cli import main
out, err = io.StringIO(), io.StringIO()
code = main(json.loads(sys.argv[1]), stdin=io.StringIO(""), stdout=out, stderr=err)
print(json.dumps({"code": code, "textual": sorted(m for m in sys.modules if m.split(".")[0] == "textual")}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["profiles", "list", "--json"],
        [
            "profiles",
            "add",
            "p",
            "--instance",
            "https://a.net",
            "--scenario",
            "spa",
            "--client-id",
            "c",
        ],
        ["profiles", "show", "nope"],
        ["secret", "status", "nope", "--json"],
        ["authority", "http://127.0.0.1:9/id"],
        ["token", "--profile", "nope"],
        ["demo", "--port", "9", "--print-profiles"],
        ["decode", "enrt_abcdefgh"],
        ["probe", "--profile", "nope"],
        ["doctor", "--profile", "nope"],
    ],
)
def test_headless_commands_import_no_textual_module(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "TOKENLAB_CONFIG_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["textual"] == []


def test_version_and_help_work_as_a_process() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "tokenlab", "--version"], capture_output=True, text=True, timeout=60
    )
    from tokenlab import __version__

    assert version.returncode == 0 and version.stdout.strip() == f"tokenlab {__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "tokenlab", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and "profiles" in helped.stdout and "secret" in helped.stdout


def test_core_modules_never_import_textual() -> None:
    offenders = []
    for path in (ROOT / "tokenlab" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("textual", "rich")
            ]
    assert offenders == []
