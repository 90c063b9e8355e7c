"""A command loads its own module only: the other commands (and what they pull in of the core)
stay out of its start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokenlab.cli import COMMAND_MODULES, MODULE_OF_COMMAND

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import io, json, sys
from tokenlab.cli import main
try:
    main(json.loads(sys.argv[1]), stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO())
except SystemExit:  # argparse's own exits (--help)
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("tokenlab.commands."))))
"""


def loaded_commands(args: list[str], tmp_path: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TOKENLAB_CONFIG_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    names = json.loads(done.stdout.strip().splitlines()[-1])
    return {name.rpartition(".")[2] for name in names}


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [["decode", "enrt_abcdefgh"], ["token", "--profile", "nope"], ["secret", "status", "x"]]
)
def test_a_command_imports_no_other_command_module(args: list[str], tmp_path: Path) -> None:
    own = MODULE_OF_COMMAND[args[0]]
    others = set(COMMAND_MODULES) - {own}
    assert own in loaded_commands(args, tmp_path)
    assert not others & loaded_commands(args, tmp_path)


@pytest.mark.slow
def test_help_still_lists_every_command(tmp_path: Path) -> None:
    assert set(COMMAND_MODULES) <= loaded_commands(["--help"], tmp_path)
