"""Times in watch output: epoch seconds for programs and ISO-8601 UTC for people, side by side."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso_utc(epoch: float | None) -> str | None:
    """`2026-12-03T19:40:27Z` (seconds), or None when the time is unknown."""
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # a claim far outside any calendar
        return None


def time_fields(name: str, epoch: float | None) -> dict[str, Any]:
    """`{name}` (epoch seconds) and `{name}_iso` (ISO-8601 UTC)."""
    return {name: epoch, f"{name}_iso": iso_utc(epoch)}


def duration_text(seconds: float | None) -> str:
    """`59 min`, `1 h 5 min`, `45 s`, `expired 3 s ago`, `-` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 0:
        return f"expired {duration_text(-seconds)} ago"
    whole = int(seconds)
    if whole < 120:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d {hours % 24} h"
