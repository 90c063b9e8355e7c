"""`benchmarks/run.py` keeps working: a quick run prints every figure with its baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_quick_run_prints_every_figure_beside_its_baseline() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    figures = {(f["group"], f["name"]): f for f in result["figures"]}
    measured = [f for f in figures.values() if f["group"] != "console"]
    assert len(measured) == 4
    for f in measured:
        assert f["tokenlab_s"] > 0 and f["baseline_s"] > 0 and f["baseline"]
        assert f["ratio"] == pytest.approx(f["tokenlab_s"] / f["baseline_s"])
        assert f["status"] in ("meets target", "over target") and f["target"] > 0
    console = [f for f in figures.values() if f["group"] == "console"]
    assert console and all(f["status"] == "not measured yet" for f in console)
    assert all(f["tokenlab_s"] is None and f["ratio"] is None for f in console)
    assert "cores" in result["heading"]  # the machine, so figures can be compared
