"""tokenlab's benchmark table: every figure a ratio to a baseline measured in the same run.

    python benchmarks/run.py            # the table (about a minute)
    python benchmarks/run.py --quick    # fewer rounds, noisier
    python benchmarks/run.py --json     # the same figures as JSON

Each figure is the median of interleaved runs of tokenlab and its baseline (the order flips
every round, so load elsewhere on the machine hits both alike), shown with both absolute medians
and the target ratio or absolute limit. The console's figures (benchmarks/console.py) run the
console headless in child processes beside a minimal Textual app; `--skip-console` leaves them
out ("not measured").
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tokenlab, installed or not
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_start import decode_figure, token_figure
from console import GROUP as CONSOLE
from console import figures as console_figures
from in_process import round_trip_figure, verify_figure
from timing import Figure

CONSOLE_SKIPPED = (  # --skip-console: shown, never invented
    Figure(CONSOLE, "time to first screen (whole process, 80x24)", "", None),
    Figure(CONSOLE, "key to screen, p99, while a flow waits 2 s", "", None),
    Figure(CONSOLE, "peak RSS after every pane was used", "", None),
)


def measure(rounds: int, requests: int, console: bool = True) -> list[Figure]:
    return [
        decode_figure(rounds),
        token_figure(rounds),
        round_trip_figure(requests),
        verify_figure(rounds),
        *(console_figures(rounds) if console else CONSOLE_SKIPPED),
    ]


def _seconds(value: float | None, unit: str = "s") -> str:
    if value is None:
        return ""
    if unit != "s":
        return f"{value:.0f} {unit}"
    return f"{value * 1000:.0f} ms" if value >= 0.0095 else f"{value * 1000:.2f} ms"


def _bound(f: Figure) -> str:
    bounds = [f"<={f.target:.1f}x"] if f.target is not None else []
    bounds += [f"<={_seconds(f.limit_s, f.unit)}"] if f.limit_s is not None else []
    return ", ".join(bounds)


def table(figures: list[Figure], heading: str) -> str:
    lines = [heading, ""]
    lines.append(
        f"{'':<50}{'tokenlab':>10}{'baseline':>10}{'ratio':>8}{'target/limit':>13}  status"
    )
    group = ""
    for f in figures:
        if f.group != group:
            group = f.group
            lines.append(group)
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        lines.append(
            f"  {f.name:<48}{_seconds(f.tokenlab_s, f.unit):>10}"
            f"{_seconds(f.baseline_s, f.unit):>10}{ratio:>8}{_bound(f):>13}  {f.status}"
        )
    lines += ["", "baselines:"]
    lines += [f"  {f.name}: {f.baseline}" for f in figures if f.baseline]
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note and f.group == CONSOLE]
    lines += ["", "console notes:", *notes] if notes else []
    return "\n".join(lines)


def heading(rounds: int, requests: int) -> str:
    from tokenlab import __version__

    today = datetime.date.today().isoformat()
    return (
        f"tokenlab {__version__} benchmarks, {today}, Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores; medians of "
        f"{rounds} rounds ({requests} requests for the round trip)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (3), noisier")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--rounds", type=int, help="rounds per figure (default 11; the round trip: 20 per round)"
    )
    parser.add_argument(
        "--skip-console", action="store_true", help="leave out the console's figures"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 11)
    requests = 20 * rounds
    figures = measure(rounds, requests, console=not args.skip_console)
    if args.json:
        info = {"heading": heading(rounds, requests), "rounds": rounds, "requests": requests}
        print(json.dumps({**info, "figures": [f.to_json() for f in figures]}, indent=2))
    else:
        print(table(figures, heading(rounds, requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
