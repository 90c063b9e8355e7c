"""How every figure is measured: medians of interleaved runs, each beside its own baseline.

A figure is a ratio to a baseline measured in the same run, so it means the same on a fast and a
slow machine; tokenlab and its baseline take turns (the order flips every round), so a burst of
load elsewhere on the machine hits both alike.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One row of the table. `tokenlab_s`/`baseline_s` are None when it is not measured yet.

    `tokenlab_s`, `baseline_s` and `limit_s` are seconds, unless `unit` says otherwise ("MB":
    megabytes, 10**6 bytes)."""

    group: str
    name: str
    baseline: str  # what tokenlab is compared with, in words
    target: float | None  # the ratio to stay at or under
    tokenlab_s: float | None = None
    baseline_s: float | None = None
    note: str = ""
    limit_s: float | None = None  # an absolute limit on tokenlab's value, in `unit`
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        if self.tokenlab_s is None or not self.baseline_s:
            return None
        return self.tokenlab_s / self.baseline_s

    @property
    def status(self) -> str:
        ratio = self.ratio
        if ratio is None or self.tokenlab_s is None:
            return "not measured yet"
        over = []
        if self.target is not None and ratio > self.target:
            over.append("target")
        if self.limit_s is not None and self.tokenlab_s > self.limit_s:
            over.append("limit")
        judged = [w for w, v in (("target", self.target), ("limit", self.limit_s)) if v is not None]
        if not judged:
            return "measured"
        if over:
            return "over " + " and ".join(over)
        return "meets " + " and ".join(judged)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "baseline": self.baseline,
            "tokenlab_s": self.tokenlab_s,
            "baseline_s": self.baseline_s,
            "ratio": self.ratio,
            "target": self.target,
            "limit_s": self.limit_s,
            "unit": self.unit,
            "status": self.status,
            "note": self.note,
        }


def interleaved(
    pair: Mapping[str, Callable[[], float]], rounds: int, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of each measurement; they alternate, the first one flipping each round."""
    names = list(pair)
    for _ in range(warmup):
        for name in names:
            pair[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(pair[name]())
    return {name: statistics.median(values) for name, values in times.items()}


def process_seconds(cmd: Sequence[str], env: Mapping[str, str]) -> float:
    """Wall time of a whole process, from spawn to exit; a failing command stops the run."""
    start = time.perf_counter()
    done = subprocess.run(list(cmd), env=dict(env), capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


async def interleaved_async(
    pair: Mapping[str, Callable[[], Awaitable[float]]], rounds: int, warmup: int = 5
) -> dict[str, float]:
    """`interleaved` for measurements that run on the caller's event loop."""
    names = list(pair)
    for _ in range(warmup):
        for name in names:
            await pair[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(await pair[name]())
    return {name: statistics.median(values) for name, values in times.items()}
