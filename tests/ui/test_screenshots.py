"""The screenshot script works, and a screenshot never shows a secret or a whole token."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from screenshots import SHOTS, shoot
from tokenlab.sandbox import DEMO_SECRETS

README = Path(__file__).resolve().parents[2] / "README.md"


CHAR_WIDTH = 12.2  # Rich's SVG export: 0.61 x its 20px font


def svg_lines(path: Path) -> list[str]:
    """The screen's rows as text, each <text> piece at its column, as a person reads them."""
    rows: dict[str, str] = {}
    pieces = re.findall(
        r'<text [^>]*\bx="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', path.read_text()
    )
    for x, y, text in pieces:
        column = round(float(x) / CHAR_WIDTH)
        rows[y] = rows.get(y, "").ljust(column) + html.unescape(text).replace("\xa0", " ")
    return list(rows.values())


@pytest.mark.slow
async def test_screenshots_show_every_pane_and_no_secret(tmp_path: Path) -> None:
    paths = await shoot(tmp_path)
    assert [p.name for p in paths] == list(SHOTS)
    doctor = svg_lines(tmp_path / "console-doctor.svg")
    assert any("[1/9] ✓ The authority answers" in line for line in doctor)
    assert any("✗ the API did not answer 200" in line for line in doctor)
    flow = svg_lines(tmp_path / "console-flow.svg")
    assert any("Enter this code" in line for line in flow)  # the device sign-in waits
    for path in paths:
        svg = path.read_text()
        assert not re.search(r"eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}", svg)  # no whole JWT
        for secret in DEMO_SECRETS.values():
            assert secret not in svg


def test_the_readme_shows_every_screenshot() -> None:
    readme = README.read_text()
    for name in SHOTS:
        assert f"screenshots/{name}" in readme, name
