"""The screenshot script works, and a screenshot never shows a secret or a whole token."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from screenshots import SHOTS, shoot
from tokenlab.sandbox import DEMO_SECRETS

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.slow
async def test_screenshots_show_every_pane_and_no_secret(tmp_path: Path) -> None:
    paths = await shoot(tmp_path)
    assert [p.name for p in paths] == list(SHOTS)
    assert "PASS" in (tmp_path / "console-doctor.svg").read_text()
    for path in paths:
        svg = path.read_text()
        assert not re.search(r"eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}", svg)  # no whole JWT
        for secret in DEMO_SECRETS.values():
            assert secret not in svg


def test_the_readme_shows_every_screenshot() -> None:
    readme = README.read_text()
    for name in SHOTS:
        assert f"screenshots/{name}" in readme, name
