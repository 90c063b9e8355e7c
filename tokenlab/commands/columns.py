"""Text tables for the terminal: a header row, widths from the values, very long values cut."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile

ELLIPSIS = "…"


def clipped(value: str, limit: int) -> str:
    """`value`, cut to `limit` characters with an ellipsis when longer."""
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def table(header: Sequence[str], rows: Sequence[Sequence[str]], limits: Sequence[int]) -> list[str]:
    """Aligned lines: each column as wide as its widest (clipped) value or its header; the
    last column is not padded, so no line ends in blanks."""
    cells = [[clipped(v, lim) for v, lim in zip(row, limits, strict=True)] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        padded = [v.ljust(w) for v, w in zip(values[:-1], widths, strict=False)]
        return "  ".join([*padded, values[-1]])

    return [line(header)] + [line(r) for r in cells]


# Caps per column: a client id or URL longer than this is cut (`profiles show` has it whole).
_PROFILE_COLUMNS = (("NAME", 40), ("SCENARIO", 12), ("CLIENT ID", 40), ("AUTHORITY", 60))


def profile_table(profiles: Sequence[Profile]) -> list[str]:
    """`profiles list`: name, scenario, client id, authority; nothing when there are none."""
    if not profiles:
        return []
    rows = [(p.name, p.scenario, p.client_id or "-", p.authority) for p in profiles]
    header = [h for h, _ in _PROFILE_COLUMNS]
    return table(header, rows, [lim for _, lim in _PROFILE_COLUMNS])
