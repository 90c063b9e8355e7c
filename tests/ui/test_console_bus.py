"""The console hears every event the core publishes: one bridge, a message per event type."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import threading
from typing import Any

import pytest
from textual.message import Message

from tests.support.targets import sandbox_profile
from tokenlab.core import events
from tokenlab.core.doctor import run_doctor
from tokenlab.core.errors import TokenlabError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import ProfileStore
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import make_app
from tokenlab.ui.bridge import MESSAGE_FOR, ConsoleBridge
from tokenlab.ui.messages import BusMessage, OtherEventArrived

CORE_EVENT_CLASSES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(events, inspect.isclass)
        if issubclass(cls, events.Event)
        and cls is not events.Event
        and cls.__module__ == events.__name__
    ),
    key=lambda cls: cls.__name__,
)


def test_every_core_event_class_has_a_console_message_of_its_own() -> None:
    assert CORE_EVENT_CLASSES  # the enumeration itself works
    missing = [cls.__name__ for cls in CORE_EVENT_CLASSES if cls not in MESSAGE_FOR]
    assert missing == []
    kinds = [MESSAGE_FOR[cls] for cls in CORE_EVENT_CLASSES]
    assert len(set(kinds)) == len(kinds)  # no two event types share a message


class ListTarget:
    """A message target that keeps what it is given (stands in for the app)."""

    def __init__(self) -> None:
        self.posted: list[Message] = []

    def post_message(self, message: Message) -> bool:
        self.posted.append(message)
        return True


@dataclasses.dataclass(frozen=True, kw_only=True)
class FutureEvent(events.Event):
    """An event type the console has never heard of."""

    what: str


def test_an_unknown_event_type_still_arrives_and_the_bridge_lets_go_after_the_run() -> None:
    bus, target = events.Bus(), ListTarget()
    with ConsoleBridge(target).attached(bus):
        bus.publish(FutureEvent(run_id="r1", what="something new"))
    bus.publish(FutureEvent(run_id="r1", what="after the run"))  # nobody listens any more
    assert len(target.posted) == 1
    (message,) = target.posted
    assert isinstance(message, OtherEventArrived) and message.event.what == "something new"  # type: ignore[attr-defined]


def _legacy_scope_profile(sandbox: Sandbox) -> Any:
    profile, secrets = sandbox_profile(sandbox, "demo-service-app")
    return dataclasses.replace(profile, scopes=("read", "DomainApi")), secrets


async def _until(predicate: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the expected message never came")


@pytest.mark.slow
async def test_the_console_consumer_gets_a_message_for_every_event_type_real_runs_publish(
    sandbox: Sandbox,
) -> None:
    received: list[Message] = []
    app = make_app(ProfileStore())
    async with app.run_test(message_hook=received.append) as pilot:
        bus = events.Bus()

        def bus_messages() -> list[BusMessage[Any]]:
            return [m for m in received if isinstance(m, BusMessage)]

        def broken_subscriber(event: events.Event) -> None:
            raise RuntimeError("a subscriber that breaks")  # -> SubscriberFailed

        bus.subscribe(broken_subscriber, events.FlowStarted)
        with app.bridge.attached(bus):
            # Notice (a legacy scope), HttpExchange, FlowStarted, FlowFinished, and
            # TokenIssued or FlowFailed (whatever the sandbox makes of that scope)
            profile, secrets = _legacy_scope_profile(sandbox)
            with contextlib.suppress(TokenlabError):
                await run_flow(profile, secrets=secrets, bus=bus)
            # FlowFailed: a disabled Trusted Application
            profile, secrets = sandbox_profile(sandbox, "demo-disabled")
            with pytest.raises(TokenlabError):
                await run_flow(profile, secrets=secrets, bus=bus)
            # UserActionRequired: a device code, then cancelled
            profile, secrets = sandbox_profile(sandbox, "demo-spa")
            device = asyncio.create_task(
                run_flow(profile, secrets=secrets, bus=bus, options=FlowOptions(finish="device"))
            )
            await _until(
                lambda: any(isinstance(m.event, events.UserActionRequired) for m in bus_messages())
            )
            device.cancel()
            with pytest.raises(asyncio.CancelledError):
                await device
            # DoctorStepDone (and a token issued), from the doctor
            profile, secrets = sandbox_profile(sandbox, "demo-service-app")
            await run_doctor(profile, secrets=secrets, bus=bus)

            def steps() -> list[int]:
                return [
                    m.event.index
                    for m in bus_messages()
                    if isinstance(m.event, events.DoctorStepDone)
                ]

            await _until(lambda: len(steps()) >= 9)
            assert steps() == list(range(1, 10))  # the doctor's own, live
            # From another thread, as a loopback listener or a keyring call would publish.
            worker = threading.Thread(
                target=bus.publish,
                args=(events.Notice(run_id="t", level="info", message="from a thread"),),
            )
            worker.start()
            worker.join()
            await _until(lambda: any(m.event.run_id == "t" for m in bus_messages()))
        await pilot.pause()

    by_event_type = {type(m.event): type(m) for m in bus_messages()}
    unheard = [cls.__name__ for cls in CORE_EVENT_CLASSES if cls not in by_event_type]
    assert unheard == []
    for cls in CORE_EVENT_CLASSES:
        assert by_event_type[cls] is MESSAGE_FOR[cls], cls.__name__
    notices = [m.event for m in bus_messages() if isinstance(m.event, events.Notice)]
    assert any("DomainApi" in n.message and n.level == "warning" for n in notices)
    failures = [m.event for m in bus_messages() if isinstance(m.event, events.FlowFailed)]
    assert any("invalid_client" in (f.error + f.message) for f in failures)
    assert any(f.cancelled for f in failures)
    actions = [m.event for m in bus_messages() if isinstance(m.event, events.UserActionRequired)]
    assert actions[0].user_code and "/id/device" in actions[0].url
