"""The core speaks to any face: none of its strings names a CLI flag or a CLI command.

Hints are plain words; the step to take is a `Remedy`, which the CLI renders as its flags
(`tokenlab.commands.remedies`) and the console as its keys. This test reads every string
constant of `tokenlab/core` (f-string parts too) and fails on `--FLAG` for a flag the CLI
defines, or on `tokenlab COMMAND` for one of its commands.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import tokenlab.core
from tests.support.cli_words import cli_vocabulary

CORE = Path(tokenlab.core.__file__).parent

# curl's own options, in the curl command lines that core/curl.py writes for the user to run:
# they belong to curl, not to tokenlab, and are allowed there only.
CURL_FLAGS = frozenset({"--data-urlencode", "--data-raw", "--header", "--request", "--user"})
CURL_MODULE = CORE / "curl.py"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of docstring nodes: they speak to maintainers, never to a user."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def string_constants(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string constant but docstrings, f-string parts included."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def cli_words_in(source: str, path: Path) -> list[str]:
    """`file:line: what in text` for each CLI flag or command named in `source`'s strings."""
    flags, commands = cli_vocabulary()
    command_words = re.compile(rf"\btokenlab\s+({'|'.join(sorted(commands))})\b")
    where = path.relative_to(CORE)
    found = []
    for line, text in string_constants(source):
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text):
            if flag in flags and not (path == CURL_MODULE and flag in CURL_FLAGS):
                found.append(f"{where}:{line}: {flag} in {text!r}")
        for match in command_words.finditer(text):
            found.append(f"{where}:{line}: {match.group(0)!r} in {text!r}")
    return found


def cli_words_in_core() -> list[str]:
    return [
        entry
        for path in sorted(CORE.rglob("*.py"))
        for entry in cli_words_in(path.read_text(encoding="utf-8"), path)
    ]


def test_the_vocabulary_is_the_cli_s() -> None:
    """The test looks for what the CLI really defines (so it cannot pass by knowing nothing)."""
    flags, commands = cli_vocabulary()
    assert {"--paste", "--device", "--secret-stdin", "--insecure", "--wait", "--name"} <= flags
    assert {"--ca-bundle", "--timeout", "--client-id", "--probe-header", "--verify"} <= flags
    assert {"token", "decode", "probe", "doctor", "secret", "profiles", "authority"} <= commands
    assert {"demo", "sandbox"} <= commands


SAMPLE = '''"""A docstring may say --paste: it speaks to maintainers."""
hint = f"run again with --paste or `tokenlab secret set {name}`"
plain = "paste the address the browser ends on"
curl = "curl --header 'Accept: */*' --data-urlencode a=b"
'''


def test_the_search_finds_cli_words_where_they_are() -> None:
    def named(found: list[str]) -> set[tuple[str, str]]:
        return {(e.split(":")[1], e.split(": ", 1)[1].split(" in ")[0]) for e in found}

    assert named(cli_words_in(SAMPLE, CORE / "sample.py")) == {
        ("2", "--paste"),  # not line 1: docstrings are not shown to users
        ("2", "'tokenlab secret'"),
        ("4", "--header"),  # a tokenlab flag too: only curl.py may name it, as curl's
    }
    assert named(cli_words_in(SAMPLE, CURL_MODULE)) == {
        ("2", "--paste"),
        ("2", "'tokenlab secret'"),
    }


def test_no_core_string_names_a_cli_flag_or_command() -> None:
    found = cli_words_in_core()
    assert found == [], "\n".join(found)
