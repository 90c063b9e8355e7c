"""The console's figures (issue 10), each beside a minimal Textual app measured in the same run.

- time to the first drawn screen: from spawning a process of the console with the demo
  profiles, headless in `run_test(size=(80, 24))`, to its first frame drawn, against a four-tab
  `TabbedContent` app run the same way; target <= 1.5x;
- the first screen and its start-up work, to exit: the same processes from spawn to exit,
  quitting once the app is idle after its first screen (so the work the console starts once
  the first screen is drawn, the authority check, the keyring's probe and the other panes, is
  counted); no target, shown beside the first figure;
- key-press to screen latency while a client-credentials run waits 2 s on a slow server: pane
  keys 1..5 pressed in turn, p99 (and p50) of every press, against keys 1..4 on the four-tab
  app; limit 50 ms (absolute);
- peak RSS after every pane has been used (VmHWM, authority check, a flow until the token shows, the
  token, a probe, a doctor run, the profiles) against the four-tab app after visiting its tabs,
  the console against a sandbox embedded in its process as `tokenlab demo` runs; limit 120 MB.

The measurements run in child processes (`console_child.py`) with tokenlab's files in
throw-away directories. Run alone: python benchmarks/console.py [--rounds N].
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_start import isolated_env
from timing import Figure, interleaved, process_seconds

GROUP = "console"
CHILD = [sys.executable, str(Path(__file__).resolve().parent / "console_child.py")]
BASELINE = "Textual app: 4-tab TabbedContent, a Static each"
PRESSES = 30  # per session; the console's stop 1.8 s after its token request, while it waits
RSS_ROUNDS = 3  # peak RSS hardly varies from run to run


def _child(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run([*CHILD, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"console_child.py {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def first_screen_figure(rounds: int) -> Figure:
    from tokenlab.commands.demo_cmd import write_demo_profiles
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.sandbox import Sandbox

    with isolated_env() as env, Sandbox.running_in_thread(port=0) as sandbox:
        write_demo_profiles(ProfileStore(Path(env["TOKENLAB_CONFIG_DIR"])), sandbox.url)
        m = interleaved(
            {
                "tokenlab": lambda: process_seconds([*CHILD, "first-screen", "tokenlab"], env),
                "baseline": lambda: process_seconds([*CHILD, "first-screen", "baseline"], env),
            },
            rounds,
        )
    return Figure(
        GROUP,
        "first screen and its start-up work, to exit (80x24)",
        BASELINE,
        None,
        m["tokenlab"],
        m["baseline"],
        note="spawn to exit; make_app with the demo profiles, headless run_test, quit after "
        "the first pause",
    )


def first_frame_seconds(which: str, env: dict[str, str]) -> float:
    """From spawning the process to its first frame drawn (both on the monotonic clock)."""
    start = time.monotonic()
    done = subprocess.run(
        [*CHILD, "first-frame", which], env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"console_child.py first-frame {which} failed: {done.stderr.strip()}")
    return float(done.stdout.strip()) - start


def first_frame_figure(rounds: int) -> Figure:
    from tokenlab.commands.demo_cmd import write_demo_profiles
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.sandbox import Sandbox

    with isolated_env() as env, Sandbox.running_in_thread(port=0) as sandbox:
        write_demo_profiles(ProfileStore(Path(env["TOKENLAB_CONFIG_DIR"])), sandbox.url)
        m = interleaved(
            {
                "tokenlab": lambda: first_frame_seconds("tokenlab", env),
                "baseline": lambda: first_frame_seconds("baseline", env),
            },
            rounds,
        )
    return Figure(
        GROUP,
        "time to the first drawn screen (80x24)",
        BASELINE,
        1.5,
        m["tokenlab"],
        m["baseline"],
        note="spawn to the first frame drawn; the demo profiles; what starts once it is drawn "
        "(the authority check, the keyring's probe, the other panes) is not counted",
    )


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency_figure(rounds: int) -> Figure:
    with isolated_env() as env:
        out = _child(["latency", "--rounds", str(rounds), "--presses", str(PRESSES)], env)
    times = json.loads(out)
    ours, base = times["tokenlab"], times["baseline"]
    if not ours or not base:
        raise SystemExit("no key press was measured while the flow waited")
    p50 = f"p50 {statistics.median(ours) * 1000:.0f} ms vs {statistics.median(base) * 1000:.0f} ms"
    return Figure(
        GROUP,
        "key to screen, p99, while a flow waits 2 s",
        BASELINE + ", keys 1..4",
        None,
        _percentile(ours, 99),
        _percentile(base, 99),
        note=f"{p50}; {len(ours)} and {len(base)} presses of pane keys; key event to the "
        "screen's queues drained and drawn",
        limit_s=0.050,
    )


def rss_figure(rounds: int) -> Figure:
    def peak_mb(which: str, env: dict[str, str]) -> float:
        return int(_child(["rss", which], env).strip()) * 1024 / 1e6  # ru_maxrss is KiB

    with isolated_env() as env:
        m = interleaved(
            {
                "tokenlab": lambda: peak_mb("tokenlab", env),
                "baseline": lambda: peak_mb("baseline", env),
            },
            min(rounds, RSS_ROUNDS),
            warmup=0,
        )
    return Figure(
        GROUP,
        "peak RSS after every pane was used",
        BASELINE + ", each tab shown",
        None,
        m["tokenlab"],
        m["baseline"],
        note="peak RSS (VmHWM) of the whole process; the sandbox embedded, as tokenlab demo "
        "runs it",
        limit_s=120.0,
        unit="MB",
    )


def figures(rounds: int) -> list[Figure]:
    return [
        first_frame_figure(rounds),
        first_screen_figure(rounds),
        latency_figure(rounds),
        rss_figure(rounds),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    for figure in figures(parser.parse_args().rounds):
        print(json.dumps(figure.to_json()))


if __name__ == "__main__":
    main()
