"""What the activity log shows for each console message: plain text lines, made printable.

Pure functions from core values to lines, so the app only decides where they go. Everything here
is already masked by the core; server-written text still goes through the one rule of
`tokenlab.core.terminal_text` (every log line and every toast), so an escape sequence in an error
description cannot reach the terminal.
"""

from __future__ import annotations

import textwrap
import time
from typing import TYPE_CHECKING

from tokenlab.core.errors import Remedy
from tokenlab.core.events import (
    DoctorStepDone,
    Event,
    FlowFailed,
    FlowFinished,
    FlowStarted,
    HttpExchange,
    Notice,
    SubscriberFailed,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.report import STATUS_MARK
from tokenlab.core.terminal_text import inert, inert_line
from tokenlab.ui.remedies import render_remedy

if TYPE_CHECKING:
    from tokenlab.core.diagnosis import Step
    from tokenlab.core.doctor import DoctorRun

INDENT = "    "
STEP_INDENT = "         "


def fitted(lines: list[str], width: int) -> list[str]:
    """Each line printable and wrapped to `width` (continuations two deeper than the line), so
    nothing is cut off in a narrow pane (80x24 over SSH leaves the log about 40 columns). An empty line becomes a space: `Log.write_lines`
    drops empty strings, and the gaps are wanted."""
    out: list[str] = []
    for line in lines:
        for part in line.split("\n"):  # only \n: a lone \r or \x85 is shown, not obeyed
            text = inert_line(part)
            indent = text[: len(text) - len(text.lstrip())]
            out += textwrap.wrap(
                text,
                max(width, 20),
                subsequent_indent=indent + "  ",
                break_on_hyphens=False,
                drop_whitespace=True,
            ) or [" "]
    return out


def wrapped(text: str, width: int) -> list[str]:
    """`text` cut into lines of `width` characters: a URL stays whole, only wrapped."""
    width = max(width, 20)
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def hint_lines(hint: str, remedy: Remedy | None, indent: str = "") -> list[str]:
    lines = [f"{indent}hint: {inert_line(hint)}"] if hint else []  # a hint is one line
    rendered = render_remedy(remedy)
    if rendered:
        lines.append(f"{indent}next: {rendered}")
    return lines


def started_lines(e: FlowStarted) -> list[str]:
    return [f"flow {e.flow} for profile {e.profile} (run {e.run_id})"]


def exchange_lines(e: HttpExchange, step: int) -> list[str]:
    lines = [f"[{step}] → {e.method} {inert_line(e.url)}"]
    if e.status is None:
        lines.append(f"{INDENT}← failed after {e.elapsed_ms:.0f} ms: {inert_line(e.error)}")
    else:
        lines.append(f"{INDENT}← {e.status} in {e.elapsed_ms:.0f} ms")
    return lines


def _deadline(deadline: float | None) -> list[str]:
    if deadline is None:
        return []
    left = max(0, round(deadline - time.time()))
    return [f"{INDENT}waits until {time.strftime('%H:%M:%S', time.localtime(deadline))} ({left} s)"]


def user_action_lines(e: UserActionRequired, width: int) -> list[str]:
    """Every field a person needs. URLs are cut into `width`-long lines with no indent, so
    the lines joined give the URL back whole."""
    lines = ["", f">>> {e.message}"]
    if e.user_code:
        lines.append(f"{INDENT}code: {e.user_code}")
    if e.verification_uri:
        lines += [f"{INDENT}enter it at:", *wrapped(e.verification_uri, width)]
    if e.verification_uri_complete:
        lines += [
            f"{INDENT}or open (code filled in):",
            *wrapped(e.verification_uri_complete, width),
        ]
    if e.url and e.url not in (e.verification_uri, e.verification_uri_complete):
        lines += [f"{INDENT}open:", *wrapped(e.url, width)]
    if e.redirect_uri:
        lines.append(f"{INDENT}the browser comes back to {e.redirect_uri}")
    if e.ssh_command:
        lines += [f"{INDENT}over SSH, forward the port first:", *wrapped(e.ssh_command, width)]
    if e.expects_paste:
        lines.append(f"{INDENT}paste the redirect URL into the Flow pane's paste box")
    return [*lines, *_deadline(e.deadline)]


def user_action_toast(e: UserActionRequired) -> str:
    if e.user_code:
        return inert(f"enter the code {e.user_code} at {e.verification_uri or e.url}")
    return inert(e.message)


def notice_lines(e: Notice) -> list[str]:
    label = "warning" if e.level == "warning" else "note"
    topic = f" ({e.topic})" if e.topic else ""
    return [f"{label}{topic}: {e.message}", *hint_lines(e.hint, e.remedy, INDENT)]


def notice_toast(e: Notice) -> str:
    return inert("\n".join([e.message, *hint_lines(e.hint, e.remedy)]))


def failure_lines(e: FlowFailed) -> list[str]:
    if e.cancelled:
        return ["", "cancelled"]
    code = f" [{e.error}]" if e.error else ""
    return ["", f"error{code}: {inert_line(e.message)}", *hint_lines(e.hint, e.remedy)]


def failure_toast(e: FlowFailed) -> str:
    return "\n".join([inert_line(e.message), *hint_lines(e.hint, e.remedy)])


def finished_lines(e: FlowFinished) -> list[str]:
    return [f"flow finished: {'a token was issued' if e.ok else 'no token'}"]


def token_lines(e: TokenIssued) -> list[str]:
    life = f", expires in {e.expires_in} s" if e.expires_in is not None else ""
    scopes = " ".join(e.scopes) or "-"
    return [f"token issued: {e.token_type} {e.masked_token} (scope {scopes}{life})"]


def step_lines(
    title: str, status: str, evidence: str, hint: str, remedy: Remedy | None
) -> list[str]:
    lines = [f"  [{STATUS_MARK.get(status, status)}] {title}"]
    if evidence:
        lines.append(f"{STEP_INDENT}{evidence}")
    if status in ("fail", "warn"):
        lines += hint_lines(hint, remedy, STEP_INDENT)
    return lines


def doctor_step_lines(e: DoctorStepDone) -> list[str]:
    where = f" ({e.index}/{e.total})" if e.total else ""
    lines = step_lines(e.title, e.status, e.evidence, e.hint, e.remedy)
    return [lines[0] + where, *lines[1:]]


def checklist_step_lines(step: Step) -> list[str]:
    # `remedy` on a checklist step may arrive with the diagnosis rework: shown when there.
    remedy: Remedy | None = getattr(step, "remedy", None)
    return step_lines(step.title, step.status, step.evidence, step.hint, remedy)


def doctor_header(name: str, scenario: str, authority: str) -> list[str]:
    return [f"doctor: {name} ({scenario}) against {authority}"]


def doctor_summary_lines(run: DoctorRun) -> list[str]:
    d = run.diagnosis
    lines: list[str] = []
    if d.causes:
        lines += ["", "most likely cause first:"]
        for i, cause in enumerate(d.causes, 1):
            remedy: Remedy | None = getattr(cause, "remedy", None)
            lines += [f"  {i}. {cause.title}", f"     evidence: {cause.evidence}"]
            lines.append(f"     fix: {render_remedy(remedy) or cause.fix}")
    verdict = (
        "OK: the API answered HTTP 200 to the first request"
        if d.api_ok
        else "NOT OK: the first API request did not return HTTP 200"
    )
    return [*lines, "", verdict]


def subscriber_lines(e: SubscriberFailed) -> list[str]:
    return [f"internal: {e.subscriber} failed on {e.event_type}: {e.error}"]


def other_event_lines(e: Event) -> list[str]:
    return [f"event {type(e).__name__} (run {e.run_id})"]
