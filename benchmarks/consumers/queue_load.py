"""The workqueue load: one producer adding keys, ``workers`` tasks doing get / done.

The producer adds ``items`` keys drawn round-robin from ``distinct`` keys (``distinct ==
items``: every key new; ``distinct == items / 10``: 90% of the adds are duplicates that a
deduplicating queue coalesces), a batch of ``batch`` adds between yields to the loop - as an
informer handler enqueues a burst of events. A cycle is one ``add``; the figure is adds per
second until the queue is drained and every worker is idle again, so coalesced duplicates count
as the cheap cycles they are and processed keys as full add / get / done cycles.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any


async def run_queue_load(
    params: Mapping[str, Any],
    *,
    add: Callable[[str], None],
    get: Callable[[], Awaitable[str]],
    done: Callable[[str], None],
    length: Callable[[], int],
) -> dict[str, Any]:
    """Drive the queue through ``params`` (``items``, ``distinct``, ``workers``, ``batch``).

    ``length`` gives the queue's pending count: the run ends when the producer is done, nothing
    is pending and no worker holds a key.
    """
    items = int(params["items"])
    distinct = int(params.get("distinct") or items)
    worker_count = int(params.get("workers", 1))
    batch = int(params.get("batch", 1000))
    keys = [f"bench-{i % 10}/pod-{i}" for i in range(distinct)]
    processed = 0
    in_flight = 0
    producer_done = False
    drained = asyncio.Event()
    def check_drained() -> None:
        if producer_done and in_flight == 0 and length() == 0:
            drained.set()

    async def worker() -> None:
        nonlocal processed, in_flight
        while True:
            key = await get()
            in_flight += 1
            processed += 1
            done(key)
            in_flight -= 1
            check_drained()

    tasks = [asyncio.create_task(worker()) for _ in range(worker_count)]
    try:
        started = time.perf_counter()
        for start in range(0, items, batch):
            for i in range(start, min(start + batch, items)):
                add(keys[i % distinct])
            await asyncio.sleep(0)
        producer_done = True
        check_drained()
        await drained.wait()
        seconds = time.perf_counter() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "adds": items,
        "processed": processed,
        "seconds": round(seconds, 4),
        "workqueue_cycles_per_s": round(items / seconds, 1) if seconds > 0 else 0.0,
    }
