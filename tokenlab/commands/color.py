"""Colour on the command line: one decision (`--color`, `NO_COLOR`, a terminal) and a few styles.

`--color always|never` wins; with `auto` (the default) `NO_COLOR` (any non-empty value, see
no-color.org) turns colour off, and otherwise only a terminal gets it (not a pipe, a file, or
TERM=dumb). Only tokenlab's own labels are coloured, never server text or JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")

# SGR codes by role: what a label means, not what it looks like, so a change is one line.
STYLES = {
    "error": "1;31",  # bold red
    "warning": "1;33",  # bold yellow
    "hint": "36",  # cyan
    "ok": "32",  # green
    "bad": "31",  # red
}


def wants_color(choice: str | None, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether text written to `stream` gets colour."""
    if choice == "always":
        return True
    if choice == "never" or environ.get("NO_COLOR"):
        return False
    if environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream: no colour
        return False


def paint(text: str, role: str, on: bool) -> str:
    """`text` in the style of `role` when `on` (and the role has one), else as it is."""
    style = STYLES.get(role)
    return f"\x1b[{style}m{text}\x1b[0m" if on and text and style else text
