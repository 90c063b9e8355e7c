"""The event bus: typed, frozen events published by the core, read by the TUI, the CLI and tests.

Subscribers are called in the publisher's thread. Asyncio code that wants events delivered on
its own loop uses `Bus.queue()`, which hands events over with `call_soon_threadsafe`.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokenlab.core.errors import Remedy

if TYPE_CHECKING:
    import asyncio


def new_run_id() -> str:
    return os.urandom(4).hex()  # what secrets.token_hex does, without importing it at start-up


@dataclass(frozen=True, kw_only=True)
class Event:
    """What every event carries: its run and when it happened (time.monotonic)."""

    run_id: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Something the user should know once (a fallback taken, a legacy scope, ...)."""

    level: str  # "info" | "warning"
    message: str
    hint: str = ""
    remedy: Remedy | None = None
    topic: str = ""  # what it concerns: "authority", "flow", "secrets", "token", "probe", ...


@dataclass(frozen=True, kw_only=True)
class HttpExchange(Event):
    """One request and its response, already masked: safe to show, log and store."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    status: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: str
    elapsed_ms: float
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class FlowStarted(Event):
    """A flow began for a profile."""

    flow: str
    profile: str


@dataclass(frozen=True, kw_only=True)
class UserActionRequired(Event):
    """The run waits for the person: every field a screen needs, the prose only as a fallback."""

    action: str  # "open-url" | "enter-code" | "paste-redirect"
    message: str
    url: str = ""  # the sign-in URL to open (open-url, paste-redirect), or the device page
    user_code: str = ""  # enter-code: the code to type on the verification page
    verification_uri: str = ""  # enter-code: where to type it
    verification_uri_complete: str = ""  # enter-code: the page with the code filled in
    redirect_uri: str = ""  # where the browser is sent back (the loopback listener, or pasted)
    ssh_command: str = ""  # open-url over SSH: the port forward that lets a local browser finish
    expects_paste: bool = False  # paste-redirect: the run reads a pasted redirect URL (or code)
    deadline: float | None = None  # epoch seconds when the wait ends


@dataclass(frozen=True, kw_only=True)
class TokenIssued(Event):
    """A token came back; only its masked form travels on the bus."""

    token_type: str
    expires_in: int | None
    scopes: tuple[str, ...]
    masked_token: str


@dataclass(frozen=True, kw_only=True)
class FlowFailed(Event):
    """A flow stopped with an error (or was cancelled); published before FlowFinished."""

    message: str
    hint: str = ""
    remedy: Remedy | None = None
    error: str = ""  # the OAuth error code, when the identity service gave one
    cancelled: bool = False


@dataclass(frozen=True, kw_only=True)
class FlowFinished(Event):
    """A flow ended, whatever the outcome (also when cancelled)."""

    ok: bool


@dataclass(frozen=True, kw_only=True)
class DoctorStepDone(Event):
    """One step of the doctor's checklist, published as soon as it is known."""

    key: str
    title: str
    status: str  # "pass" | "warn" | "fail" | "skip"
    evidence: str
    hint: str = ""
    remedy: Remedy | None = None
    index: int = 0  # 1-based position in the checklist
    total: int = 0


@dataclass(frozen=True, kw_only=True)
class SubscriberFailed(Event):
    """A subscriber raised while handling an event; reported instead of propagated."""

    subscriber: str
    event_type: str
    error: str


Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Subscription:
    """One subscriber: its handler and the event types it takes (none: every type)."""

    id: int
    handler: Handler
    types: tuple[type[Event], ...]

    def wants(self, event: Event) -> bool:
        return not self.types or isinstance(event, self.types)


class Bus:
    """Publish/subscribe, safe from asyncio tasks and from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, Subscription] = {}
        self._ids = itertools.count(1)

    def subscribe(self, handler: Handler, *types: type[Event]) -> Subscription:
        sub = Subscription(next(self._ids), handler, types)
        with self._lock:
            self._subs[sub.id] = sub
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.pop(sub.id, None)

    def wants(self, event_type: type[Event]) -> bool:
        """Whether any subscriber takes events of this type: a publisher whose event is costly
        to build (masked copies of a whole exchange) builds it only then."""
        if not self._subs:
            return False
        with self._lock:
            subs = list(self._subs.values())
        return any(not s.types or issubclass(event_type, s.types) for s in subs)

    def publish(self, event: Event) -> None:
        if not self._subs:  # nobody listens (a run inside a benchmark, a script): nothing to do
            return
        with self._lock:
            subs = [s for s in self._subs.values() if s.wants(event)]
        for sub in subs:
            try:
                sub.handler(event)
            except Exception as exc:  # noqa: BLE001 - a subscriber must not break the publisher
                if isinstance(event, SubscriberFailed):
                    continue  # never loop on a failing failure handler
                self.publish(
                    SubscriberFailed(
                        run_id=event.run_id,
                        subscriber=getattr(sub.handler, "__qualname__", repr(sub.handler)),
                        event_type=type(event).__name__,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )

    @contextmanager
    def collect(self, *types: type[Event]) -> Iterator[list[Event]]:
        """Collect events into a list while the block runs (tests, reports)."""
        seen: list[Event] = []
        sub = self.subscribe(seen.append, *types)
        try:
            yield seen
        finally:
            self.unsubscribe(sub)

    @contextmanager
    def queue(self, *types: type[Event]) -> Iterator[asyncio.Queue[Event]]:
        """An asyncio queue fed from any thread, for consumers running on this loop."""
        import asyncio  # lazy: the headless CLI's light commands never need it

        loop = asyncio.get_running_loop()
        q: asyncio.Queue[Event] = asyncio.Queue()

        def hand_over(event: Event) -> None:
            loop.call_soon_threadsafe(q.put_nowait, event)

        sub = self.subscribe(hand_over, *types)
        try:
            yield q
        finally:
            self.unsubscribe(sub)
