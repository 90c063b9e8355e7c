"""How a check, a step or a cause looks on screen: a mark and a colour per status, and a
remedy in this console's words. Shared by the token, probe and doctor panes.

Server-supplied words go in as plain text (`Content` never reads markup from a plain string);
only the marks and labels here are styled.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tokenlab.core.causes import Cause
from tokenlab.core.errors import Remedy, TokenlabError
from tokenlab.ui.remedies import render_remedy

# status -> (mark, style); a theme variable so every theme colours them its own way
MARKS: dict[str, tuple[str, str]] = {
    "pass": ("✓", "$success"),
    "warn": ("!", "$warning"),
    "fail": ("✗", "$error"),
    "skip": ("–", "dim"),
}
UNKNOWN_MARK = ("?", "dim")
INDENT = "    "


def mark(status: str) -> Content:
    """The status's mark, coloured: `✓` pass, `!` warn, `✗` fail, a dash skip."""
    symbol, style = MARKS.get(status, UNKNOWN_MARK)
    return Content.styled(symbol, f"bold {style}")


def remedy_line(remedy: Remedy | None, indent: str = INDENT) -> Content:
    """`→ what to do`, in this console's words; empty when there is no remedy."""
    words = render_remedy(remedy)
    if not words:
        return Content("")
    return Content.assemble(indent, ("→ ", "bold $accent"), words)


def causes_content(causes: Sequence[Cause], heading: str = "Most likely causes") -> Content:
    """The ranked causes: title, evidence, fix and remedy of each, most likely first."""
    if not causes:
        return Content("")
    lines: list[Content] = [Content.styled(heading, "bold")]
    for rank, cause in enumerate(causes, 1):
        lines.append(Content.assemble((f"{rank}. ", "bold"), (cause.title, "bold")))
        if cause.evidence:
            lines.append(Content.assemble(INDENT, ("evidence: ", "dim"), cause.evidence))
        if cause.fix:
            lines.append(Content.assemble(INDENT, ("fix: ", "dim"), cause.fix))
        if cause.remedy is not None:
            lines.append(remedy_line(cause.remedy))
    return Content("\n").join(lines)


def error_content(error: TokenlabError) -> Content:
    """An error as the console shows it: the message, the hint, the remedy as keys."""
    lines = [Content.assemble(("✗ ", "bold $error"), error.message)]
    if error.hint:
        lines.append(Content.assemble(INDENT, error.hint))
    if error.remedy is not None:
        lines.append(remedy_line(error.remedy))
    return Content("\n").join(lines)
