"""`tokenlab completion SHELL`: scripts the shells accept, and real completions of a command, an
option and a profile name (bash and fish run the script; zsh is checked with `zsh -n`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent  # where `pip install` put the `tokenlab` script
INSTALL = "install it from the machine's packages (apt-get install -y zsh fish; .ci/run does)"


def _script(shell: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tokenlab", "completion", shell],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A PATH with this tokenlab first, and a profile directory with two profiles."""
    assert (BIN / "tokenlab").exists(), f"no tokenlab script in {BIN}: pip install -e ."
    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    for name in ("acme", "acme-web", "other"):
        (profiles / f"{name}.toml").write_text("# only the file name is read\n")
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "TOKENLAB_CONFIG_DIR": str(tmp_path / "config"),
    }


def _needs(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed on this machine: {INSTALL}")
    return path


def test_bash_accepts_the_script(tmp_path: Path) -> None:
    script = tmp_path / "tokenlab.bash"
    script.write_text(_script("bash"))
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


BASH_DRIVER = r"""
source "$1"
complete_line() {
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
    read -ra COMP_WORDS <<< "$COMP_LINE"
    [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _python_argcomplete tokenlab
    echo "$(printf '%s ' "${COMPREPLY[@]}")"
}
complete_line "tokenlab pro"
complete_line "tokenlab token --pro"
complete_line "tokenlab token --profile acm"
complete_line "tokenlab profiles show "
complete_line "tokenlab --color never secret set o"
"""


def test_bash_completes_a_command_an_option_and_a_profile_name(
    tmp_path: Path, shell_env: dict[str, str]
) -> None:
    script = tmp_path / "tokenlab.bash"
    script.write_text(_script("bash"))
    done = subprocess.run(
        ["bash", "-c", BASH_DRIVER, "driver", str(script)],
        capture_output=True,
        text=True,
        env=shell_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    commands, option, names, shown, secret = [line.split() for line in done.stdout.splitlines()]
    assert commands == ["profiles", "probe"]
    assert option == ["--profile"]
    assert names == ["acme", "acme-web"]
    assert shown == ["acme", "acme-web", "other"]
    assert secret == ["other"]


def test_zsh_accepts_the_script(tmp_path: Path) -> None:
    zsh = _needs("zsh")
    script = tmp_path / "_tokenlab"
    script.write_text(_script("zsh"))
    done = subprocess.run([zsh, "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_fish_accepts_the_script_and_completes(tmp_path: Path, shell_env: dict[str, str]) -> None:
    fish = _needs("fish")
    script = tmp_path / "tokenlab.fish"
    script.write_text(_script("fish"))
    checked = subprocess.run([fish, "--no-execute", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    driver = (
        f"source {script}; complete -C 'tokenlab token --profile acm'; complete -C 'tokenlab pro'"
    )
    done = subprocess.run(
        [fish, "--no-config", "-c", driver],
        capture_output=True,
        text=True,
        env=shell_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    words = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert words == ["acme", "acme-web", "probe", "profiles"]


def test_a_completion_imports_no_textual(tmp_path: Path, shell_env: dict[str, str]) -> None:
    answer = tmp_path / "answer"
    line = "tokenlab token --profile a"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tokenlab"],
        capture_output=True,
        text=True,
        env={
            **shell_env,
            "_ARGCOMPLETE": "1",
            "_ARGCOMPLETE_SHELL": "bash",
            "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
        },
        timeout=60,
    )
    assert done.returncode == 0
    assert answer.read_text().split() == ["acme", "acme-web"]
    imported = {row.rpartition("|")[2].strip() for row in done.stderr.splitlines()}
    heavy = {m for m in imported if m.split(".")[0] in ("textual", "httpx", "rich", "jwt")}
    assert "tokenlab.commands.completion_cmd" in imported and not heavy, heavy
    assert not any(m.startswith("tokenlab.ui") for m in imported)
