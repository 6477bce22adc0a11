"""A work queue that can also add an item after a delay.

As client-go ``DelayingInterface``: ``add_after(item, delay_s)`` adds the item once the delay has
passed (``delay_s <= 0`` adds at once). An item waiting for its deadline is kept once; adding it
again with an earlier deadline moves it earlier, a later deadline is ignored (the earliest wins).

One timer task and one heap serve every delayed item. The task is created on the first
``add_after`` (so the queue can be built outside a running loop), sleeps until the earliest
deadline, and is cancelled by ``shutdown()``; ``shutdown_with_drain()`` and :meth:`aclose`
also await it. Shutdown drops the delayed items that are still waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging

from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.workqueue.queue import Queue, T

__all__ = ["DelayingQueue"]

logger = logging.getLogger(__name__)


class DelayingQueue(Queue[T]):
    """A :class:`Queue` with ``add_after``; see the module docstring."""

    def __init__(
        self, *, name: str = "", metrics_registry: CollectorRegistry | None = None
    ) -> None:
        super().__init__(name=name, metrics_registry=metrics_registry)
        self._heap: list[tuple[float, int, T]] = []
        self._deadlines: dict[T, float] = {}
        self._sequence = itertools.count()
        self._timer_task: asyncio.Task[None] | None = None
        self._timer_wakeup: asyncio.Future[None] | None = None

    @property
    def waiting(self) -> int:
        """Items waiting for their deadline."""
        return len(self._deadlines)

    def add_after(self, item: T, delay_s: float) -> None:
        """Add ``item`` after ``delay_s`` seconds; the earliest pending deadline wins."""
        if self._shutting_down:
            return
        if delay_s <= 0:
            self.add(item)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay_s
        current = self._deadlines.get(item)
        if current is not None and current <= deadline:
            return
        self._deadlines[item] = deadline
        entry = (deadline, next(self._sequence), item)
        heapq.heappush(self._heap, entry)
        if self._timer_task is None:
            name = f"workqueue-timer:{self.name}"
            self._timer_task = loop.create_task(self._run_timer(), name=name)
        elif self._heap[0] is entry:
            self._wake_timer()  # the new earliest deadline: re-arm the sleep

    def _wake_timer(self) -> None:
        wakeup = self._timer_wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    async def _run_timer(self) -> None:
        loop = asyncio.get_running_loop()
        heap = self._heap
        while not self._shutting_down:
            now = loop.time()
            while heap and heap[0][0] <= now:
                deadline, _, item = heapq.heappop(heap)
                if self._deadlines.get(item) == deadline:  # else a stale, superseded entry
                    del self._deadlines[item]
                    self.add(item)
            wakeup = loop.create_future()
            self._timer_wakeup = wakeup
            handle = loop.call_at(heap[0][0], _resolve, wakeup) if heap else None
            try:
                await wakeup
            finally:
                self._timer_wakeup = None
                if handle is not None:
                    handle.cancel()

    def shutdown(self) -> None:
        """Shut down (see :meth:`Queue.shutdown`), drop delayed items, cancel the timer task."""
        super().shutdown()
        self._heap.clear()
        self._deadlines.clear()
        if self._timer_task is not None:
            self._timer_task.cancel()

    async def shutdown_with_drain(self) -> None:
        """Drop delayed items, stop the timer, then drain (:meth:`Queue.shutdown_with_drain`)."""
        self._heap.clear()
        self._deadlines.clear()
        await self._stop_timer()
        await super().shutdown_with_drain()

    async def _stop_timer(self) -> None:
        task = self._timer_task
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if task.cancelled() or task.exception() is None:
            return
        logger.error("workqueue %r timer task failed", self.name, exc_info=task.exception())

    async def aclose(self) -> None:
        """``shutdown()`` and wait for the timer task to finish."""
        self.shutdown()
        await self._stop_timer()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
