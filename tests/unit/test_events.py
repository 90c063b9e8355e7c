from __future__ import annotations

import asyncio
import dataclasses
import threading

import pytest

from tokenlab.core.events import Bus, Event, FlowStarted, Notice, SubscriberFailed, new_run_id


def test_subscribers_receive_events_of_their_types_until_unsubscribed() -> None:
    bus = Bus()
    everything: list[Event] = []
    notices: list[Event] = []
    sub_all = bus.subscribe(everything.append)
    bus.subscribe(notices.append, Notice)

    bus.publish(FlowStarted(run_id="r1", flow="client-credentials", profile="acme"))
    bus.publish(Notice(run_id="r1", level="info", message="hello"))
    bus.unsubscribe(sub_all)
    bus.publish(Notice(run_id="r1", level="info", message="again"))

    assert [type(e).__name__ for e in everything] == ["FlowStarted", "Notice"]
    assert [e.message for e in notices] == ["hello", "again"]  # type: ignore[attr-defined]


def test_events_are_frozen_and_carry_run_id_and_monotonic_time() -> None:
    run = new_run_id()
    first = Notice(run_id=run, level="info", message="a")
    second = Notice(run_id=run, level="info", message="b")
    assert first.run_id == run and len(run) == 8
    assert second.at >= first.at > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.message = "changed"  # type: ignore[misc]


def test_a_raising_subscriber_breaks_neither_publisher_nor_others() -> None:
    bus = Bus()
    received: list[Event] = []
    failures: list[SubscriberFailed] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(received.append, Notice)
    bus.subscribe(failures.append, SubscriberFailed)

    bus.publish(Notice(run_id="r", level="info", message="x"))  # must not raise

    assert len(received) == 1
    # broken() also raises on its own SubscriberFailed event; that must not loop
    assert len(failures) == 1
    assert failures[0].event_type == "Notice"
    assert "RuntimeError: boom" in failures[0].error
    assert "broken" in failures[0].subscriber


def test_publish_from_many_threads_delivers_every_event() -> None:
    bus = Bus()
    seen: list[Event] = []
    lock = threading.Lock()

    def handler(event: Event) -> None:
        with lock:
            seen.append(event)

    bus.subscribe(handler)

    def worker(n: int) -> None:
        for i in range(200):
            bus.publish(Notice(run_id=f"t{n}", level="info", message=str(i)))
            if i % 50 == 0:  # subscribe/unsubscribe churn while others publish
                bus.unsubscribe(bus.subscribe(lambda e: None))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 * 200


async def test_queue_hands_events_from_threads_to_the_running_loop() -> None:
    bus = Bus()
    with bus.queue(Notice) as q:
        thread = threading.Thread(
            target=lambda: [
                bus.publish(Notice(run_id="r", level="info", message=str(i))) for i in range(3)
            ]
        )
        thread.start()
        got = [await asyncio.wait_for(q.get(), 2) for _ in range(3)]
        thread.join()
    assert [e.message for e in got] == ["0", "1", "2"]  # type: ignore[attr-defined]


def test_collect_gathers_events_only_inside_the_block() -> None:
    bus = Bus()
    with bus.collect(Notice) as events:
        bus.publish(Notice(run_id="r", level="info", message="in"))
    bus.publish(Notice(run_id="r", level="info", message="out"))
    assert [e.message for e in events] == ["in"]  # type: ignore[attr-defined]
