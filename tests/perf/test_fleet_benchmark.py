"""`benchmarks/fleet.py` keeps working: a tiny run prints a curve, every profile got HTTP 200.

Not timed: the concurrency itself is proved in tests/integration/test_fleet_concurrency.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_tiny_run_prints_the_curve_and_the_one_by_one_figure() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "fleet.py"),
            *("--sizes", "1,3", "--rounds", "1", "--latency-ms", "0", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    (curve,) = doc["curves"]
    assert [r["profiles"] for r in curve["rows"]] == [1, 3]
    for row in curve["rows"]:
        assert row["wall_s"] > 0 and row["peak_rss_mb"] > 10 and row["traced_peak_mb"] > 0
    assert curve["rows"][0]["times_first"] == 1.0
    assert curve["one_by_one"]["profiles"] == 3 and curve["one_by_one"]["wall_s"] > 0
