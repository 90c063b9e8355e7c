"""Inspection sits below the flows and speaks to any face: it imports nothing from the flows,
names no CLI flag, and reading a token offline loads no HTTP client or crypto library."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSPECTION = ROOT / "tokenlab" / "core" / "inspection"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _modules() -> list[Path]:
    found = sorted(INSPECTION.glob("*.py"))
    assert len(found) > 5  # the package is where this test thinks it is
    return found


def test_inspection_imports_nothing_from_the_flows() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("tokenlab.core.flows")]
    assert offenders == []


def test_no_string_in_inspection_names_a_cli_flag() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                offenders += [f"{path.name}: {m}" for m in FLAG.findall(node.value)]
    assert offenders == []


def test_reading_and_checking_offline_loads_no_http_client_or_crypto() -> None:
    code = (
        "import sys, json\n"
        "from tokenlab.core.inspection.compare import compare_tokens\n"
        "from tokenlab.core.inspection.decode import decode_token\n"
        "from tokenlab.core.inspection.token_report import check_token\n"
        "report = check_token(decode_token(sys.argv[1]))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'jwt', 'cryptography'))\n"
        "print(json.dumps([heavy, len(report.claims), len(report.checks)]))\n"
    )
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2ln"
    done = subprocess.run(
        [sys.executable, "-c", code, token], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    heavy, rows, checks = json.loads(done.stdout)
    assert heavy == [] and rows == 2 and checks == 12, done.stderr
