"""The step-by-step trace of a run on stderr: every exchange (masked) and every user action.

Everything in it may be server-written (URLs, headers, bodies, error descriptions): each line is
made inert on its way out, and the URLs a user is asked to open pass the same masking as the
recorded ones (a user:password a server put into them is not shown).
"""

from __future__ import annotations

from typing import Protocol

from tokenlab.core.events import (
    Bus,
    Event,
    FlowStarted,
    HttpExchange,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.redact import Redactor
from tokenlab.core.terminal_text import inert, inert_line

BODY_LINES = 12
_URLS = Redactor()  # knows no value: masks only what is credential-shaped in a URL


class Writer(Protocol):
    """Where the trace goes: a text stream, or the console's activity log."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


def _indent(text: str, limit: int = BODY_LINES) -> str:
    lines = text.splitlines()
    more = len(lines) - limit
    shown = lines[:limit] + ([f"… {more} more lines"] if more > 0 else [])
    return "\n".join(f"    {line}" for line in shown)


class TracePrinter:
    """Subscribes to a bus and writes a readable trace; `verbose` adds headers."""

    def __init__(self, out: Writer, *, verbose: bool = False, quiet: bool = False) -> None:
        self.out = out
        self.verbose = verbose
        self.quiet = quiet
        self.step = 0

    def attach(self, bus: Bus) -> None:
        # Quiet, only the user's actions are shown: a subscription to every event would have
        # each exchange masked and recorded for nothing.
        bus.subscribe(self.handle, *((UserActionRequired,) if self.quiet else ()))

    def write(self, text: str) -> None:
        self.out.write(inert(text) + "\n")
        self.out.flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, UserActionRequired):
            self.write(f"\n>>> {event.message}")
            if event.url:
                self.write(f"    {inert_line(_URLS.url(event.url))}")
            if event.user_code:
                self.write(f"    code: {event.user_code}")
            self.write("")
            return
        if self.quiet:
            return
        if isinstance(event, FlowStarted):
            self.write(f"flow {event.flow} for profile {event.profile} (run {event.run_id})")
        elif isinstance(event, HttpExchange):
            self.step += 1
            self.write(f"[{self.step}] → {event.method} {inert_line(event.url)}")
            if self.verbose:
                for k, v in event.request_headers:
                    self.write(f"    {k}: {v}")
            if event.request_body:
                self.write(_indent(event.request_body))
            if event.status is None:
                self.write(
                    f"    ← failed after {event.elapsed_ms:.0f} ms: {inert_line(event.error)}"
                )
                return
            self.write(f"    ← {event.status} in {event.elapsed_ms:.0f} ms")
            if self.verbose:
                for k, v in event.response_headers:
                    self.write(f"    {k}: {v}")
            if event.response_body:
                self.write(_indent(event.response_body))
        elif isinstance(event, TokenIssued):
            life = f", expires in {event.expires_in} s" if event.expires_in is not None else ""
            scopes = " ".join(event.scopes) or "-"
            self.write(
                f"token issued: {event.token_type} {event.masked_token} (scope {scopes}{life})"
            )
