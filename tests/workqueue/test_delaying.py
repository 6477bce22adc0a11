"""DelayingQueue: add_after, earliest deadline wins, shutdown drops delayed items."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.workqueue import DelayingQueue, ShutDown

pytestmark = pytest.mark.timeout(10)


async def test_item_appears_after_the_delay() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 0.03)
    assert len(q) == 0
    assert q.waiting == 1
    assert await asyncio.wait_for(q.get(), 2) == "a"
    assert q.waiting == 0
    await q.aclose()


async def test_non_positive_delay_adds_immediately() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 0)
    assert len(q) == 1
    await q.aclose()


async def test_shorter_delay_comes_out_first() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("slow", 0.08)
    q.add_after("fast", 0.01)
    assert await asyncio.wait_for(q.get(), 2) == "fast"
    assert await asyncio.wait_for(q.get(), 2) == "slow"
    await q.aclose()


async def test_earlier_deadline_replaces_a_later_one() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 30)
    q.add_after("a", 0.01)
    assert await asyncio.wait_for(q.get(), 2) == "a"
    await q.aclose()


async def test_later_deadline_does_not_postpone_an_earlier_one() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 0.01)
    q.add_after("a", 30)
    assert q.waiting == 1
    item = await asyncio.wait_for(q.get(), 2)
    q.done(item)
    assert q.waiting == 0
    await asyncio.sleep(0.03)
    assert len(q) == 0  # the superseded entry does not add it a second time
    await q.aclose()


async def test_shutdown_drops_delayed_items_and_stops_the_timer() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 0.01)
    timer = q._timer_task
    assert timer is not None
    await q.aclose()
    assert timer.done()
    assert q.waiting == 0
    q.add_after("b", 0.01)
    with pytest.raises(ShutDown):
        await q.get()


async def test_shutdown_with_drain_awaits_the_timer() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("a", 10)
    timer = q._timer_task
    await asyncio.wait_for(q.shutdown_with_drain(), 2)
    assert timer is not None and timer.done()
