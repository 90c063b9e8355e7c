"""`tokenlab token` stays close to the cost of the imports any token request needs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from cold_start import token_figure


@pytest.mark.slow
def test_token_command_cold_start_is_within_a_small_multiple_of_the_baseline() -> None:
    figure = token_figure(rounds=5)
    print(f"\ncold start: {figure.to_json()}")
    # The baseline is a process that only imports httpx, jwt and cryptography; the whole
    # client-credentials run (argparse, profile, discovery, token request) may cost 4x that.
    # A guard against a regression by a multiple, not the benchmark's target (benchmarks/run.py).
    assert figure.ratio is not None and figure.ratio < 4.0, figure
