"""The basic work queue: FIFO, deduplicating, and never handing one item to two workers at once.

Semantics of client-go ``util/workqueue.Type``, for asyncio:

* ``add(item)`` - an item waiting in the queue appears once however often it is added ("dirty"
  set). An item added while a worker processes it is not queued at once: it is remembered and
  queued again when the worker calls ``done(item)``. So two workers never hold the same item,
  and an event that arrives during processing is never lost.
* ``await get()`` - the oldest queued item, marked as processing; waits while the queue is empty.
  Raises :class:`ShutDown` once the queue is shut down - after :meth:`Queue.shutdown` at once,
  after :meth:`Queue.shutdown_with_drain` once no queued item is left (queued items are still
  handed out, as client-go does).
* ``done(item)`` - the worker finished; must be called exactly once per ``get``.
* ``shutdown()`` - synchronous: later adds are ignored, every waiting getter wakes with
  :class:`ShutDown`. ``await shutdown_with_drain()`` also waits until every item being processed
  is ``done`` - not for queued items nobody takes, as client-go - and a later ``shutdown()``
  abandons the wait.

Items must be hashable. The queue is not thread-safe: use it from its event loop only (that is
why it needs no lock). ``get`` takes an item without creating a future when one is ready.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.workqueue.metrics import QueueMetrics, WorkqueueMetrics

__all__ = ["Queue", "ShutDown"]

T = TypeVar("T", bound=Hashable)


class ShutDown(KubeflowInformerError):
    """Raised by ``get`` when the queue is shut down (and, when draining, empty)."""


class Queue(Generic[T]):
    """A deduplicating FIFO work queue (see the module docstring for the contract).

    With ``metrics_registry`` the queue reports the client-go ``workqueue_*`` metrics under the
    label ``name``; without one it pays nothing for them.
    """

    def __init__(
        self, *, name: str = "", metrics_registry: CollectorRegistry | None = None
    ) -> None:
        self.name = name
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False
        self._drain = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._metrics: QueueMetrics | None = None
        if metrics_registry is not None:
            families = WorkqueueMetrics.for_registry(metrics_registry)
            self._metrics = families.for_queue(name, self._depth)

    def _depth(self) -> int:
        return len(self._dirty)

    def __len__(self) -> int:
        """Items queued and not being processed."""
        return len(self._queue)

    def __repr__(self) -> str:
        state = " shutting-down" if self._shutting_down else ""
        return (
            f"<{type(self).__name__} {self.name!r} queued={len(self._queue)} "
            f"processing={len(self._processing)}{state}>"
        )

    @property
    def shutting_down(self) -> bool:
        """True once ``shutdown`` or ``shutdown_with_drain`` was called."""
        return self._shutting_down

    def add(self, item: T) -> None:
        """Queue ``item`` unless it is already queued; ignored after shutdown."""
        if self._shutting_down or item in self._dirty:
            return
        if self._metrics is not None:
            self._metrics.add(item)
        self._dirty.add(item)
        if item in self._processing:
            return
        self._queue.append(item)
        if self._getters:
            self._wake_one()

    def _wake_one(self) -> None:
        getters = self._getters
        while getters:
            waiter = getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_all(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    async def get(self) -> T:
        """The next item, now marked as processing; raises :class:`ShutDown` (see the module)."""
        queue = self._queue
        while True:
            if self._shutting_down and (not self._drain or not queue):
                raise ShutDown
            if queue:
                item = queue.popleft()
                self._processing.add(item)
                self._dirty.discard(item)
                if self._metrics is not None:
                    self._metrics.get(item)
                return item
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and queue:
                    self._wake_one()  # we were chosen for an item: hand the wake-up on
                raise

    def done(self, item: T) -> None:
        """Mark ``item`` as processed; re-queues it if it was added meanwhile."""
        if item not in self._processing:
            return
        self._processing.discard(item)
        if self._metrics is not None:
            self._metrics.done(item)
        if item in self._dirty:
            self._queue.append(item)
            if self._getters:
                self._wake_one()
        elif not self._processing:
            self._release_drain_waiter()

    def _release_drain_waiter(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def shutdown(self) -> None:
        """Stop accepting adds and wake every getter with :class:`ShutDown`; does not wait."""
        self._shutting_down = True
        self._drain = False
        self._wake_all()
        self._release_drain_waiter()
        if self._metrics is not None:
            self._metrics.drop_pending()  # queued items will never be handed out

    async def shutdown_with_drain(self) -> None:
        """Shut down, let workers take the queued items, and wait until all are ``done``."""
        self._shutting_down = True
        self._drain = True
        self._wake_all()
        while self._processing and self._drain:
            waiter = asyncio.get_running_loop().create_future()
            self._drain_waiter = waiter
            try:
                await waiter
            finally:
                self._drain_waiter = None
        if self._metrics is not None:
            self._metrics.drop_pending()
