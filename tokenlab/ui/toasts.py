"""The words of the console's notifications (toasts) for a run's events: inert, one idea each.

The panes show the events in full; a toast says what happened in a line or two, with the next
step in this console's keys (ui/remedies.py).
"""

from __future__ import annotations

from tokenlab.core.errors import Remedy
from tokenlab.core.events import Event, FlowFailed, Notice, SubscriberFailed, UserActionRequired
from tokenlab.core.terminal_text import inert_line, inert_lines
from tokenlab.ui.remedies import render_remedy


def hint_lines(hint: str, remedy: Remedy | None) -> list[str]:
    lines = [f"hint: {inert_line(hint)}"] if hint else []  # a hint is one line
    rendered = render_remedy(remedy)
    if rendered:
        lines.append(f"next: {inert_line(rendered)}")  # its data may hold a server's words
    return lines


# Each part on its own line, made inert as one line: a server's words cannot start a line of
# their own (a fake "token issued OK").


def user_action_toast(e: UserActionRequired) -> str:
    if e.user_code:
        return inert_line(f"enter the code {e.user_code} at {e.verification_uri or e.url}")
    return inert_lines(e.message)  # tokenlab's own words, a line each


def notice_toast(e: Notice) -> str:
    return "\n".join([inert_line(e.message), *hint_lines(e.hint, e.remedy)])


def failure_toast(e: FlowFailed) -> str:
    return "\n".join([inert_line(e.message), *hint_lines(e.hint, e.remedy)])


def subscriber_toast(e: SubscriberFailed) -> str:
    return inert_line(f"internal: {e.subscriber} failed on {e.event_type}: {e.error}")


def other_event_toast(e: Event) -> str:
    return f"event {type(e).__name__} (run {e.run_id})"
