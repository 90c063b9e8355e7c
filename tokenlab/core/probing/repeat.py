"""Repeat mode: N probes one after the other, with status and verdict counts and latency."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from tokenlab.core.errors import TokenlabError, UsageError
from tokenlab.core.probing.result import ProbeResult
from tokenlab.core.probing.send import probe
from tokenlab.core.profiles import Profile
from tokenlab.core.token_set import TokenSet

MAX_REPEAT = 1000
MAX_REPEAT_SECONDS = 600.0


@dataclass(frozen=True)
class RepeatResult:
    requested: int
    sent: int
    statuses: dict[str, int]  # "200": 10, "401": 1, "error": 1 (no answer)
    verdicts: dict[str, int]  # verdict kind -> count
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    total_seconds: float
    stopped: str  # "" when every request was sent, else why it stopped early
    first: ProbeResult | None
    errors: tuple[str, ...] = ()  # distinct transport errors (already explained and masked)

    @property
    def ok(self) -> bool:
        return self.sent == self.requested and self.verdicts == {"ok": self.sent}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "requested": self.requested,
            "sent": self.sent,
            "statuses": self.statuses,
            "verdicts": self.verdicts,
            "latency_ms": {"p50": self.p50_ms, "p95": self.p95_ms, "max": self.max_ms},
            "total_seconds": self.total_seconds,
            "stopped": self.stopped,
            "errors": list(self.errors),
            "first": self.first.to_json() if self.first else None,
        }


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (a value that was really observed), of a sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _check_bounds(n: int, max_seconds: float) -> None:
    if not 1 <= n <= MAX_REPEAT:
        raise UsageError(f"repeat count {n} is out of range", f"use 1..{MAX_REPEAT}")
    if not 0 < max_seconds <= MAX_REPEAT_SECONDS:
        raise UsageError(
            f"time limit {max_seconds:g} s is out of range", f"use up to {MAX_REPEAT_SECONDS:g} s"
        )


async def _one(
    client: httpx.AsyncClient,
    profile: Profile,
    token: TokenSet | str | None,
    remaining: float,
    overrides: dict[str, Any],
) -> ProbeResult | TokenlabError | None:
    """One probe within the time left: its result, the transport error, or None (time is up)."""
    try:
        async with asyncio.timeout(remaining):
            return await probe(client, profile, token, **overrides)
    except TimeoutError:
        return None
    except UsageError:
        raise  # the request itself is wrong: every repeat would fail the same way
    except TokenlabError as exc:
        return exc


async def repeat_probe(
    client: httpx.AsyncClient,
    profile: Profile,
    token: TokenSet | str | None,
    *,
    n: int,
    max_seconds: float = 60.0,
    **overrides: Any,
) -> RepeatResult:
    """`n` probes, one after the other, stopping at `max_seconds` (a request in flight included).

    Latencies are per probe (redirect hops included) of the probes that got an answer.
    """
    _check_bounds(n, max_seconds)
    statuses: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    first: ProbeResult | None = None
    stopped = ""
    sent = 0
    started = time.monotonic()
    deadline = started + max_seconds
    for _ in range(n):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = f"time limit of {max_seconds:g} s reached"
            break
        sent += 1
        result = await _one(client, profile, token, remaining, overrides)
        if result is None:  # the time limit fell during the request
            statuses["timeout"] += 1
            verdicts["timeout"] += 1
            stopped = f"time limit of {max_seconds:g} s reached"
            break
        if isinstance(result, TokenlabError):  # no answer: the explained transport error
            statuses["error"] += 1
            verdicts["error"] += 1
            if result.message not in errors:
                errors.append(result.message)
            continue
        first = first or result
        statuses[str(result.status)] += 1
        verdicts[result.verdict.kind] += 1
        latencies.append(result.elapsed_ms)
    latencies.sort()
    return RepeatResult(
        requested=n,
        sent=sent,
        statuses=dict(statuses),
        verdicts=dict(verdicts),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        max_ms=latencies[-1] if latencies else None,
        total_seconds=round(time.monotonic() - started, 3),
        stopped=stopped,
        first=first,
        errors=tuple(errors[:5]),
    )
