"""Repeat mode's answer: status counts, p50/p95/max latency, and a bar chart of the latencies.

`RepeatResult` keeps the percentiles, not every latency, so the chart draws those three as bars
on one scale (the maximum fills the width).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tokenlab.core.probing import RepeatResult

BAR_WIDTH = 40
BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """`value` as a bar of eighth-blocks, `top` filling `width` cells."""
    if top <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def repeat_content(result: RepeatResult) -> Content:
    ok_style = "$success" if result.ok else "$error"
    lines = [
        Content.assemble(
            ("Repeat  ", "bold"),
            (f"{result.sent} of {result.requested} sent", ok_style),
            f" in {result.total_seconds:.2f} s",
        ),
        Content.assemble(("statuses  ", "dim"), counts_text(result.statuses) or "none"),
        Content.assemble(("verdicts  ", "dim"), counts_text(result.verdicts) or "none"),
    ]
    marks = (("p50", result.p50_ms), ("p95", result.p95_ms), ("max", result.max_ms))
    top = max((v for _, v in marks if v is not None), default=0.0)
    for name, value in marks:
        if value is None:
            lines.append(Content.assemble((f"{name:>4} ", "bold"), "no answer"))
            continue
        lines.append(
            Content.assemble(
                (f"{name:>4} ", "bold"),
                (bar(value, top).ljust(BAR_WIDTH), "$accent"),
                f" {value:.1f} ms",
            )
        )
    if result.stopped:
        lines.append(Content.assemble(("stopped: ", "$warning"), result.stopped))
    lines += [Content.assemble(("error: ", "$error"), e) for e in result.errors]
    return Content("\n").join(lines)


class LatencyChart(Static):
    """The last repeat run, or nothing."""

    def show(self, result: RepeatResult) -> None:
        self.update(repeat_content(result))
        self.display = True
