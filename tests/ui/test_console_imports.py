"""The console stands on the core: nothing of the CLI's is imported by `tokenlab.ui`."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "tokenlab" / "ui"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_console_imports_nothing_from_the_cli() -> None:
    modules = sorted(UI.rglob("*.py"))
    assert len(modules) >= 7
    offending = {
        path.name: sorted(m for m in _imported_modules(path) if m.startswith("tokenlab.commands"))
        for path in modules
    }
    assert {name: found for name, found in offending.items() if found} == {}
