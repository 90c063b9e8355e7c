"""Where a cold start goes: import time per module of a `tokenlab` command (`-X importtime`).

    python benchmarks/imports.py decode TOKEN
    python benchmarks/imports.py --runs 9 --top 30 token --profile demo-service-app -q
    python benchmarks/imports.py --beyond "import jwt" decode TOKEN

Each module's own import time is the minimum over the runs (the least disturbed by load), so a
module that is slow only under load does not show up. Totals are grouped by top-level package,
with tokenlab split by its subpackages, to show which part of tokenlab to make lazy.
`--beyond CODE` leaves out every module that the Python code CODE imports too (the baseline of
the benchmark), so what remains is what tokenlab adds.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def self_times(command: list[str], runs: int) -> dict[str, int]:
    """Module -> its own import time in microseconds (minimum over `runs`).

    `command` is a tokenlab command, or ["-c", CODE] for any Python code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best: dict[str, int] = {}
    program = command if command[:1] == ["-c"] else ["-m", "tokenlab", *command]
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *program],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        for match in LINE.finditer(done.stderr):
            own, module = int(match.group(1)), match.group(4)
            best[module] = min(own, best.get(module, own))
    return best


def package(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "tokenlab" and len(parts) > 2:
        return ".".join(parts[:3])  # tokenlab.core.causes, tokenlab.commands.decode_cmd, ...
    return ".".join(parts[:2]) if parts[0] == "tokenlab" else parts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--beyond", metavar="CODE", help="leave out what this Python code imports")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the tokenlab command")
    args = parser.parse_args()
    times = self_times(args.command, args.runs)
    if args.beyond:
        for module in self_times(["-c", args.beyond], 1):
            times.pop(module, None)
    total = sum(times.values())
    print(f"{len(times)} modules, {total / 1000:.0f} ms of imports (own times, min of {args.runs})")
    print("\nby package:")
    packages: dict[str, int] = defaultdict(int)
    for module, own in times.items():
        packages[package(module)] += own
    for name, own in sorted(packages.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {own / 1000:7.1f} ms  {name}")
    print("\nby module:")
    for module, own in sorted(times.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {own / 1000:7.1f} ms  {module}")


if __name__ == "__main__":
    main()
