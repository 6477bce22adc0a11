"""Queue: deduplication, exclusive processing, shutdown and drain (client-go semantics)."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeflow_informer.workqueue import Queue, ShutDown

pytestmark = pytest.mark.timeout(10)


async def test_duplicate_adds_are_queued_once() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("a")
    q.add("b")
    assert len(q) == 2
    assert await q.get() == "a"
    assert await q.get() == "b"
    assert len(q) == 0


async def test_items_come_out_in_fifo_order() -> None:
    q: Queue[int] = Queue()
    for i in range(5):
        q.add(i)
    assert [await q.get() for _ in range(5)] == [0, 1, 2, 3, 4]


async def test_item_added_while_processing_is_queued_after_done() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")
    assert len(q) == 0  # not handed to a second worker while the first holds it
    q.done(item)
    assert len(q) == 1
    assert await q.get() == "a"


async def test_done_without_readd_does_not_requeue() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.done(await q.get())
    assert len(q) == 0


async def test_get_waits_for_an_add() -> None:
    q: Queue[str] = Queue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    assert not getter.done()
    q.add("x")
    assert await getter == "x"


async def test_cancelled_getter_does_not_swallow_the_item() -> None:
    q: Queue[str] = Queue()
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.add("x")
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert await asyncio.wait_for(second, 1) == "x"


async def test_shutdown_wakes_waiting_getters() -> None:
    q: Queue[str] = Queue()
    getters = [asyncio.create_task(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    q.shutdown()
    for getter in getters:
        with pytest.raises(ShutDown):
            await getter
    assert q.shutting_down


async def test_adds_after_shutdown_are_ignored_and_get_raises() -> None:
    q: Queue[str] = Queue()
    q.add("queued")
    q.shutdown()
    q.add("late")
    assert len(q) == 1
    with pytest.raises(ShutDown):
        await q.get()


async def test_drain_still_hands_out_queued_items_then_raises() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    await asyncio.wait_for(q.shutdown_with_drain(), 1)  # nothing in flight: returns at once
    q.add("late")
    item = await q.get()
    assert item == "a"
    q.done(item)
    with pytest.raises(ShutDown):
        await q.get()


async def test_drain_waits_for_in_flight_items() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    a, b = await q.get(), await q.get()
    drain = asyncio.create_task(q.shutdown_with_drain())
    await asyncio.sleep(0.01)
    q.done(a)
    await asyncio.sleep(0.01)
    assert not drain.done()
    q.done(b)
    await asyncio.wait_for(drain, 1)


async def test_shutdown_abandons_a_drain_wait() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    await q.get()
    drain = asyncio.create_task(q.shutdown_with_drain())
    await asyncio.sleep(0)
    q.shutdown()
    await asyncio.wait_for(drain, 1)


async def test_concurrent_workers_never_hold_the_same_item() -> None:
    q: Queue[int] = Queue()
    rng = random.Random(7)
    in_flight: set[int] = set()
    processed: list[int] = []

    async def worker() -> None:
        while True:
            try:
                item = await q.get()
            except ShutDown:
                return
            assert item not in in_flight
            in_flight.add(item)
            await asyncio.sleep(rng.random() / 1000)
            in_flight.discard(item)
            processed.append(item)
            q.done(item)

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    for _ in range(400):
        q.add(rng.randrange(10))
        if rng.random() < 0.3:
            await asyncio.sleep(0)
    await q.shutdown_with_drain()
    await asyncio.gather(*workers)
    assert set(processed) <= set(range(10))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(0, 4)),
            st.tuples(st.just("get"), st.just(0)),
            st.tuples(st.just("done"), st.integers(0, 4)),
        ),
        max_size=60,
    )
)
def test_random_interleavings_keep_the_dirty_processing_invariants(
    ops: list[tuple[str, int]],
) -> None:
    async def run() -> None:
        q: Queue[int] = Queue()
        queued: list[int] = []  # model
        dirty: set[int] = set()
        processing: set[int] = set()
        for op, value in ops:
            if op == "add":
                q.add(value)
                if value not in dirty:
                    dirty.add(value)
                    if value not in processing:
                        queued.append(value)
            elif op == "get" and queued:
                item = await q.get()
                assert item == queued.pop(0)
                assert item not in processing
                processing.add(item)
                dirty.discard(item)
            elif op == "done" and processing:
                item = sorted(processing)[value % len(processing)]
                q.done(item)
                processing.discard(item)
                if item in dirty:
                    queued.append(item)
            assert len(q) == len(queued)
            assert len(set(queued)) == len(queued)
            assert not set(queued) & processing

    asyncio.run(run())
