"""Cold start of the headless CLI: `tokenlab token` against the sandbox, beside baselines.

Run: python benchmarks/cold_start.py [--runs N]. Prints the median wall time of each command and
its ratio to the baseline (a bare interpreter that imports what any token request must: httpx,
jwt and cryptography), so the figure means the same on a fast and a slow machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = [
    sys.executable,
    "-c",
    "import httpx, jwt, cryptography.hazmat.primitives.asymmetric.rsa",
]


def _seconds(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return elapsed


def interleaved_medians(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, float]:
    """Median wall time of each command, run in turn so that machine load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(_seconds(cmd, env))
    return {name: statistics.median(values) for name, values in times.items()}


def measure(runs: int = 7) -> dict[str, float]:
    from tokenlab.sandbox import Sandbox

    with tempfile.TemporaryDirectory() as config, Sandbox.running_in_thread(port=0) as sandbox:
        env = {**os.environ, "TOKENLAB_CONFIG_DIR": config, "PYTHONPATH": str(ROOT)}
        port = sandbox.url.rsplit(":", 1)[1]
        tokenlab = [sys.executable, "-m", "tokenlab"]
        subprocess.run(
            [*tokenlab, "demo", "--port", port, "--print-profiles"],
            env=env,
            check=True,
            capture_output=True,
        )
        m = interleaved_medians(
            {
                "baseline": BASELINE,
                "version": [*tokenlab, "--version"],
                "token": [*tokenlab, "token", "--profile", "demo-service-app", "-q"],
            },
            env,
            runs,
        )
    return {
        "baseline_s": m["baseline"],
        "version_s": m["version"],
        "token_s": m["token"],
        "token_ratio": m["token"] / m["baseline"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    r = measure(parser.parse_args().runs)
    print(f"baseline (python + httpx, jwt, cryptography)  {r['baseline_s'] * 1000:6.0f} ms")
    print(f"tokenlab --version                            {r['version_s'] * 1000:6.0f} ms")
    print(
        f"tokenlab token (client credentials, sandbox)  {r['token_s'] * 1000:6.0f} ms  ({r['token_ratio']:.1f}x baseline)"
    )


if __name__ == "__main__":
    main()
