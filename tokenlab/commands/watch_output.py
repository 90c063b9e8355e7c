"""What `tokenlab watch` prints: a line per probe and renewal, findings as they come, a summary;
or, with `--json`, one JSON object per line for every event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.commands.json_output import marker
from tokenlab.core.errors import TokenlabError
from tokenlab.core.terminal_text import json_inert

if TYPE_CHECKING:
    from tokenlab.core.watch import (
        Finding,
        ProbeRecord,
        RenewRecord,
        WatchStarted,
        WatchSummary,
    )


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


class WatchPrinter:
    """Subscribed to the watch's events on the bus; prints each as it comes."""

    def __init__(self, ctx: CommandContext, *, as_json: bool) -> None:
        self.ctx = ctx
        self.as_json = as_json
        self.summarized = False

    def line(self, value: dict[str, Any]) -> None:
        """One JSON object on one line: ASCII (escapes for the rest), so nothing a server
        wrote can reach the terminal as a control character."""
        line = {"schema": marker("watch"), **value}  # every line names its schema
        self.ctx.stdout.write(json_inert(json.dumps(line, ensure_ascii=True)) + "\n")
        self.ctx.stdout.flush()

    def handle(self, event: Any) -> None:
        from tokenlab.core.watch import WatchFinding, WatchRenewed, WatchStarted, WatchStopped

        if isinstance(event, WatchStopped):
            self.summary(event.summary)
        elif self.as_json:
            self.line(event.to_json())
        elif isinstance(event, WatchStarted):
            self.started(event)
        elif isinstance(event, WatchRenewed):
            self.renewed(event.record)
        elif isinstance(event, WatchFinding):
            self.finding(event.finding)
        else:
            self.probe(event.record)
        self.ctx.stdout.flush()

    def started(self, e: WatchStarted) -> None:
        from tokenlab.core.watch import duration_text

        until = f"{e.count} probes" if e.count else "Ctrl-C"
        self.ctx.out(
            f"watching {e.profile}: {e.api_url} every {duration_text(e.interval_s)}, "
            f"the token renewed {duration_text(e.margin_s)} before it expires (until {until})"
        )

    def renewed(self, r: RenewRecord) -> None:
        from tokenlab.core.watch import duration_text

        if r.after is None:
            self.ctx.out(f"{_clock(r.at)}  token {r.how}: FAILED: {r.error}")
            return
        left = None if r.after.expires_at is None else r.after.expires_at - r.at
        before = (
            ""
            if r.before is None
            else f" ({duration_text(r.seconds_left_before)} left on {r.before.token_id})"
        )
        self.ctx.out(
            f"{_clock(r.at)}  token {r.how}{before}: {r.after.token_id} "
            f"(kid {r.after.kid or '-'}, lives {duration_text(left)}, "
            f"scope {' '.join(r.after.scopes) or '-'})"
        )

    def probe(self, p: ProbeRecord) -> None:
        from tokenlab.core.watch import duration_text

        status = str(p.status) if p.status is not None else "---"
        latency = f"{p.latency_ms:.0f} ms" if p.latency_ms is not None else "-"
        parts = [
            f"{_clock(p.at)}  #{p.seq:<3} {status}  {latency:>7}  {p.token.token_id}",
            f"{duration_text(p.seconds_left)} left",
        ]
        if p.refresh_seconds_left is not None:
            parts.append(f"refresh {duration_text(p.refresh_seconds_left)}")
        if p.session_age_s is not None:
            parts.append(f"signed in {duration_text(p.session_age_s)} ago")
        if p.node:
            parts.append(p.node.split(": ", 1)[-1])
        if not p.ok:
            parts.append(p.error_description or p.summary)
        self.ctx.out("  ".join(parts))

    def finding(self, f: Finding) -> None:
        label = "FINDING" if f.weight == "failure" else "WARNING"
        self.ctx.out(f"{label} [{f.key}] {f.title}")
        for item in f.evidence:
            self.ctx.out(f"  - {item}")
        self.ctx.out(f"  why: {f.explanation}")

    def summary(self, s: WatchSummary) -> None:
        if self.summarized:
            return
        self.summarized = True
        if self.as_json:
            self.line({"type": "summary", **s.to_json()})
            return

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} ms"

        statuses = ", ".join(f"{k}×{v}" for k, v in s.statuses.items()) or "-"
        self.ctx.out("")
        self.ctx.out(
            f"summary: {s.probes} probes in {s.stopped_at - s.started_at:.0f} s, "
            f"{s.accepted} accepted; statuses {statuses}"
        )
        self.ctx.out(f"  latency: p50 {ms(s.p50_ms)}, max {ms(s.max_ms)}")
        self.ctx.out(f"  tokens used: {', '.join(s.tokens) or '-'} ({s.renewals} renewals)")
        for f in s.findings:
            self.ctx.out(f"  {f.weight}: [{f.key}] {f.title}")
        if not s.findings:
            self.ctx.out("  no findings")
        self.ctx.out(
            "FAIL a finding of failure weight" if s.failed else "OK nothing of failure weight found"
        )

    def error(self, exc: TokenlabError) -> None:
        """The first token could not be had: a JSON reader still gets a line."""
        if self.as_json:
            self.line(
                {
                    "type": "error",
                    "message": exc.message,
                    "hint": exc.hint,
                    "remedy": exc.remedy.to_json() if exc.remedy else None,
                }
            )
