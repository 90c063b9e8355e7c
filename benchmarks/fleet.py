"""The fleet's benchmark: `tokenlab doctor --all` on 1, 10, 50 and 200 profiles against one sandbox.

    python benchmarks/fleet.py                  # both curves: medians of 3 rounds (2-3 minutes)
    python benchmarks/fleet.py --quick          # 1 round
    python benchmarks/fleet.py --json           # the same figures as JSON
    python benchmarks/fleet.py --sizes 1,10 --rounds 1 --latency-ms 0   # any sizes, one curve

The sandbox runs in its own process, as a remote instance would; it answers in about a
millisecond, which no real instance does, so the curve is measured twice: as it is (the fleet is
then bound by this machine's CPU: tokenlab's and the sandbox's work per profile) and with each
answer held back `--latency-ms` (default 50 ms, a server some way off; the benchmark's sandbox
process sleeps before dispatching each request). 200 client-credentials profiles (copies of
demo-service-app, each its own profile) are written to a throw-away profile directory. Each
measurement is a child process that warms up on a profile of its own (first-use imports), then
loads the first N and runs the fleet (`run_fleet`, as `doctor --all` does) with `--parallel`
profiles in flight; the wall time is the fleet's alone, the peak RSS the child's VmHWM, and the
traced peak the most Python memory tracemalloc saw, measured in a separate child (tracing slows a
run, so never in a timed one). Sizes take turns, the order flipping every round, so load elsewhere
on the machine hits them alike. One more figure per curve: 50 profiles at --parallel 1, one after
another, for what concurrency buys.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tokenlab, installed or not

PROFILES = 200
PREFIX = "fleet-"
WARM_UP = "warm-up"
ONE_BY_ONE = 50  # profiles run one after another, for comparison


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB (VmHWM; ru_maxrss carries a parent's peak across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def child(count: int, parallel: int, per_host: int, trace: bool) -> dict[str, Any]:
    """One measurement, in this (child) process: the fleet on the first `count` profiles."""
    from tokenlab.core.events import Bus
    from tokenlab.core.fleet import run_fleet
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.core.secrets import SecretStore

    store = ProfileStore()
    names = sorted(n for n in store.names() if n.startswith(PREFIX))[:count]
    profiles = [store.load(n) for n in names]
    warm_up = asyncio.run(run_fleet([store.load(WARM_UP)], secrets=SecretStore(env={}), bus=Bus()))
    if not warm_up.rows[0].ok:
        raise SystemExit(f"the warm-up profile failed: {warm_up.rows[0]}")
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = asyncio.run(
        run_fleet(
            profiles, secrets=SecretStore(env={}), bus=Bus(), parallel=parallel, per_host=per_host
        )
    )
    wall = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
    return {
        "profiles": len(profiles),
        "ok": result.counts()["ok"],
        "wall_s": wall,
        "peak_rss_mb": _peak_rss_mb(),
        "traced_peak_mb": traced,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_sandbox(port: int, latency_ms: float) -> None:
    """The sandbox, each request held back `latency_ms` before it is dispatched (this process)."""
    from tokenlab.sandbox import serve_forever
    from tokenlab.sandbox.server import HttpServer

    dispatch = HttpServer._dispatch

    async def held_back(self: HttpServer, request: Any) -> Any:
        await asyncio.sleep(latency_ms / 1000)
        return await dispatch(self, request)

    if latency_ms:
        HttpServer._dispatch = held_back  # type: ignore[method-assign]
    serve_forever(port, open(os.devnull, "w"))  # noqa: SIM115 - open for the process's life


def _start_sandbox(env: dict[str, str], latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--sandbox", str(port), "--latency-ms", str(latency_ms)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/id/.well-known/openid-configuration", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox did not start within 30 s")


def _write_profiles(url: str) -> None:
    from dataclasses import replace

    from tokenlab.commands.demo_cmd import to_profile
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.sandbox import demo_catalog

    (demo,) = [d for d in demo_catalog(url) if d.name == "demo-service-app"]
    base = to_profile(demo)
    store = ProfileStore()
    for name in (WARM_UP, *(f"{PREFIX}{i:03d}" for i in range(PROFILES))):
        store.save(replace(base, name=name))


def _measure(env: dict[str, str], args: argparse.Namespace, count: int, **flags: Any) -> Any:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(count)]
    command += ["--parallel", str(flags.get("parallel", args.parallel))]
    command += ["--per-host", str(args.per_host)]
    command += ["--trace"] if flags.get("trace") else []
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"a measurement failed:\n{done.stderr}")
    figure = json.loads(done.stdout.strip().splitlines()[-1])
    if figure["ok"] != count:
        raise SystemExit(f"only {figure['ok']} of {count} profiles got HTTP 200: not a fair figure")
    return figure


def _curve(env: dict[str, str], args: argparse.Namespace, latency_ms: float) -> dict[str, Any]:
    sizes = args.size_list
    sandbox, url = _start_sandbox(env, latency_ms)
    try:
        _write_profiles(url)
        walls: dict[int, list[float]] = {n: [] for n in sizes}
        rss: dict[int, list[float]] = {n: [] for n in sizes}
        for round_ in range(args.rounds):
            for n in sizes if round_ % 2 == 0 else reversed(sizes):
                figure = _measure(env, args, n)
                walls[n].append(figure["wall_s"])
                rss[n].append(figure["peak_rss_mb"])
        traced = {n: _measure(env, args, n, trace=True)["traced_peak_mb"] for n in sizes}
        one_count = min(ONE_BY_ONE, max(sizes))
        one_by_one = _measure(env, args, one_count, parallel=1)["wall_s"]
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    first = statistics.median(walls[sizes[0]])
    rows = [
        {
            "profiles": n,
            "wall_s": statistics.median(walls[n]),
            "per_profile_ms": statistics.median(walls[n]) / n * 1000,
            "times_first": statistics.median(walls[n]) / first,
            "linear": n / sizes[0],
            "peak_rss_mb": statistics.median(rss[n]),
            "traced_peak_mb": traced[n],
        }
        for n in sizes
    ]
    fleet_at = next((r for r in rows if r["profiles"] == one_count), None)
    return {
        "latency_ms": latency_ms,
        "rows": rows,
        "one_by_one": {
            "profiles": one_count,
            "wall_s": one_by_one,
            "fleet_wall_s": fleet_at["wall_s"] if fleet_at else None,
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    args.size_list = sorted({int(s) for s in args.sizes.split(",")})
    if min(args.size_list) < 1 or max(args.size_list) > PROFILES:
        raise SystemExit(f"--sizes: numbers from 1 to {PROFILES}")
    latencies = [float(v) for v in str(args.latency_ms).split(",")]
    with tempfile.TemporaryDirectory(prefix="tokenlab-fleet-bench-") as tmp:
        env = {
            **os.environ,
            "TOKENLAB_CONFIG_DIR": str(Path(tmp) / "config"),
            "TOKENLAB_DATA_DIR": str(Path(tmp) / "data"),
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update(env)  # this process writes the profiles there too
        curves = [_curve(env, args, latency) for latency in latencies]
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}",
        "rounds": args.rounds,
        "parallel": args.parallel,
        "per_host": args.per_host,
        "curves": curves,
    }


def _curve_lines(curve: dict[str, Any]) -> list[str]:
    held = curve["latency_ms"]
    lines = [
        f"each answer held back {held:g} ms" if held else "the sandbox as it is (~1 ms answers)",
        f"{'profiles':>10}{'wall':>10}{'per profile':>13}{'x of first':>12}{'linear':>8}"
        f"{'peak RSS':>10}{'traced peak':>13}",
    ]
    for r in curve["rows"]:
        lines.append(
            f"{r['profiles']:>10}{r['wall_s']:>8.2f} s{r['per_profile_ms']:>10.1f} ms"
            f"{r['times_first']:>11.1f}x{r['linear']:>7.0f}x{r['peak_rss_mb']:>7.0f} MB"
            f"{r['traced_peak_mb']:>10.1f} MB"
        )
    first, last, seq = curve["rows"][0], curve["rows"][-1], curve["one_by_one"]
    said = (
        f"  {last['profiles']} profiles took {last['times_first']:.1f}x the time of "
        f"{first['profiles']} (linear: {last['linear']:.0f}x)"
    )
    if seq["fleet_wall_s"]:
        said += (
            f"; {seq['profiles']} one after another took {seq['wall_s']:.2f} s, "
            f"{seq['wall_s'] / seq['fleet_wall_s']:.1f}x the fleet's {seq['fleet_wall_s']:.2f} s"
        )
    return [*lines, said]


def table(doc: dict[str, Any]) -> str:
    lines = [
        "fleet: the doctor on N client-credentials profiles against one sandbox (its own process)",
        f"--parallel {doc['parallel']}, {doc['per_host']} requests per host, medians of "
        f"{doc['rounds']} round(s); {doc['date']}, {doc['machine']}",
    ]
    for curve in doc["curves"]:
        lines += ["", *_curve_lines(curve)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--sizes", default="1,10,50,200", help="profile counts, comma-separated")
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--per-host", type=int, default=6)
    parser.add_argument(
        "--latency-ms", default="0,50", help="a curve per value: each answer held back this long"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sandbox", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sandbox is not None:
        serve_sandbox(args.sandbox, float(args.latency_ms))
        return
    if args.child is not None:
        print(json.dumps(child(args.child, args.parallel, args.per_host, args.trace)))
        return
    if args.quick:
        args.rounds = 1
    doc = run(args)
    print(json.dumps(doc, indent=2) if args.json else table(doc))


if __name__ == "__main__":
    main()
