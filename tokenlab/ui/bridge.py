"""The one adapter between the core's bus and the console: a message per event, posted to the app.

The bus calls subscribers in the publisher's thread; `post_message` is thread-safe (it hands the
message to the app's loop when called from another thread), so the bridge never touches a widget.
Every event class of `tokenlab.core.events` has its message here; an event class added later
without one still arrives, as `OtherEventArrived`, rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from textual.message import Message

from tokenlab.core import events
from tokenlab.ui import messages

MESSAGE_FOR: dict[type[events.Event], type[messages.BusMessage[Any]]] = {
    events.FlowStarted: messages.RunStarted,
    events.HttpExchange: messages.ExchangeRecorded,
    events.UserActionRequired: messages.UserActionNeeded,
    events.Notice: messages.NoticeShown,
    events.TokenIssued: messages.TokenReceived,
    events.FlowFailed: messages.RunFailed,
    events.FlowFinished: messages.RunFinished,
    events.DoctorStepDone: messages.DoctorStepReported,
    events.SubscriberFailed: messages.SubscriberBroke,
}


class MessageTarget(Protocol):
    """What the bridge posts to: the app (or any Textual message pump)."""

    def post_message(self, message: Message) -> bool: ...


def message_for(event: events.Event) -> messages.BusMessage[Any]:
    """The console message for `event`: its own kind, a parent's, or the generic one."""
    for cls in type(event).__mro__:
        kind = MESSAGE_FOR.get(cls)
        if kind is not None:
            return kind(event)
    return messages.OtherEventArrived(event)


class ConsoleBridge:
    """Subscribes to a bus for as long as a run (or the console) lives; posts each event."""

    def __init__(self, target: MessageTarget) -> None:
        self.target = target

    def forward(self, event: events.Event) -> None:
        self.target.post_message(message_for(event))

    @contextmanager
    def attached(self, bus: events.Bus) -> Iterator[events.Bus]:
        """Forward every event published on `bus` while the block runs, then let go of it."""
        subscription = bus.subscribe(self.forward)
        try:
            yield bus
        finally:
            bus.unsubscribe(subscription)
