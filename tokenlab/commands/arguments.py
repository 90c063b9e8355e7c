"""Argument types shared by the commands: seconds checked by the core's one rule."""

from __future__ import annotations

import argparse

from tokenlab.core.timeouts import MAX_TIMEOUT_S, MAX_WAIT_S, seconds_hint, seconds_problem


def _seconds(text: str, maximum: float) -> float:
    """argparse names the flag: `argument --timeout: inf s would wait forever; give ...`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds; {seconds_hint(maximum)}"
        ) from None
    problem = seconds_problem(value, maximum)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{problem}; {seconds_hint(maximum)}")
    return value


def timeout_arg(text: str) -> float:
    """`--timeout`: seconds for one whole HTTP request."""
    return _seconds(text, MAX_TIMEOUT_S)


def wait_arg(text: str) -> float:
    """`--wait`: seconds to wait for a person (sign-in, device approval)."""
    return _seconds(text, MAX_WAIT_S)
