"""The one rule for times in JSON output: a moment is epoch seconds AND ISO-8601 UTC.

A field named `<name>_at` holds epoch seconds (a number); `with_iso_times` puts `<name>_at_iso`
(`2026-12-03T19:51:37Z`) right after it. What a token or a server says (`claims`, `header`,
`body`, `headers`) is shown as it came and never touched. Durations are numbers named `_s` or `_ms`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

# A token's or a server's own words: their times are theirs (a JWT's exp stays a bare number).
AS_SENT = frozenset({"claims", "header", "body", "headers"})
TIME_SUFFIX = "_at"
ISO_SUFFIX = "_iso"


def iso_utc(epoch: float) -> str:
    """`2026-12-03T19:51:37Z`: whole seconds, UTC, with the Z every parser reads."""
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_moment(key: str, value: Any) -> bool:
    return (
        key.endswith(TIME_SUFFIX)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value < 253402300800  # before year 10000: what ISO-8601 can write
    )


def with_iso_times(value: Any) -> Any:
    """`value` with an `_iso` twin after every `*_at` epoch field, outside what came as sent."""
    if isinstance(value, list | tuple):
        return [with_iso_times(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = item if key in AS_SENT else with_iso_times(item)
        if isinstance(key, str) and _is_moment(key, item) and key + ISO_SUFFIX not in value:
            out[key + ISO_SUFFIX] = iso_utc(item)
    return out
