"""What a usable number of seconds is: finite, more than 0, and not absurdly long.

One rule for every face: the CLI's `--timeout` and `--wait`, a profile's `timeout`, and the
HTTP options. `inf` would wait forever, `nan` breaks every comparison, and 0 or less can never
be met; each is refused with the same words wherever it was given.
"""

from __future__ import annotations

import math

from tokenlab.core.errors import UsageError

MAX_TIMEOUT_S = 600.0  # a whole request to an identity service or an API: 10 minutes is plenty
MAX_WAIT_S = 3600.0  # waiting for a person to sign in or approve a device code


def seconds_problem(value: object, maximum: float = MAX_TIMEOUT_S) -> str | None:
    """Why `value` is not a usable number of seconds (None when it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number of seconds"
    if math.isnan(value):
        return "nan is not a number of seconds"
    if math.isinf(value):
        return f"{value:g} s would wait forever" if value > 0 else f"{value:g} s can never be met"
    if not value > 0:
        return f"{value:g} s can never be met"
    if not value <= maximum:
        return f"{value:g} s is more than the {maximum:g} s allowed"
    return None


def seconds_hint(maximum: float = MAX_TIMEOUT_S) -> str:
    example = 10 if maximum <= MAX_TIMEOUT_S else 300
    return f"give more than 0 and at most {maximum:g} seconds, e.g. {example}"


def check_seconds(
    value: object, *, what: str = "timeout", maximum: float = MAX_TIMEOUT_S, field: str = ""
) -> float:
    """`value` as seconds, or a `UsageError` that says what is wrong with it."""
    problem = seconds_problem(value, maximum)
    if problem is not None:
        raise UsageError(f"a {what} of {problem}", seconds_hint(maximum), field=field)
    return float(value)  # type: ignore[arg-type]  # seconds_problem proved it is a number
