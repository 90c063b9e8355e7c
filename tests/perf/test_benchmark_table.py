"""`benchmarks/run.py` keeps working: a quick run prints every figure with its baseline, and the
console's figures are measured beside theirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.slow
def test_a_quick_run_prints_every_figure_beside_its_baseline() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            *("--quick", "--json", "--rounds", "1", "--skip-console"),
        ],
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
    assert len(console) == 3 and all(f["status"] == "not measured yet" for f in console)
    assert all(f["tokenlab_s"] is None and f["ratio"] is None for f in console)
    assert "cores" in result["heading"]  # the machine, so figures can be compared


@pytest.mark.slow
def test_the_console_peak_rss_is_measured_beside_its_baseline_and_limit() -> None:
    from console import rss_figure

    f = rss_figure(1).to_json()
    assert f["group"] == "console" and f["unit"] == "MB" and f["limit_s"] == 120.0
    assert f["tokenlab_s"] > f["baseline_s"] > 0 and f["baseline"]
    assert f["status"] in ("meets limit", "over limit") and f["target"] is None


def test_a_figure_is_judged_by_its_target_and_its_limit() -> None:
    from timing import Figure

    both = Figure("g", "n", "b", 1.5, 0.04, 0.02, limit_s=0.05)
    assert (both.status, Figure("g", "n", "b", None, 0.06, 0.05, limit_s=0.05).status) == (
        "over target",
        "over limit",
    )
    assert Figure("g", "n", "b", 2.0, 0.04, 0.03, limit_s=0.05).status == "meets target and limit"
    assert Figure("g", "n", "b", None, 0.04, 0.03).status == "measured"
    assert Figure("g", "n", "b", None).status == "not measured yet"
