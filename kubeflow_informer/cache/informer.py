"""SharedIndexInformer: one reflector + DeltaFIFO + indexer, shared by any number of handlers.

Contract (client-go ``shared_informer.go``):

* The reflector fills the DeltaFIFO; one processing task pops it in batches and, for each delta,
  first updates the indexer and then notifies the handlers, so a handler always finds the cache
  at least as new as the event it is handling.
* ``Added`` / ``Updated`` / ``Replaced`` / ``Sync`` of an object the cache lacks is an add; of one
  it has, an update. A ``Sync`` - and a ``Replaced`` whose resourceVersion did not change - is a
  *resync* and is delivered only to the handlers whose resync period is due. ``Deleted`` removes
  the object and notifies ``on_delete`` with the object or a ``DeletedFinalStateUnknown``.
* ``on_add``'s ``is_initial_list`` is true for objects of the first list (and for the replay of the
  cache to a handler added later).
* Handlers are isolated: see :mod:`kubeflow_informer.cache.handlers`.
* ``has_synced`` is true once the first list has been popped into the cache and handed to every
  handler (a handler reading it while it receives the initial list still sees false); each
  registration has its own ``has_synced``, true once its handler has also *finished* with that
  state (returned, or for an async handler, completed), however it was delivered.
* Lifecycle: :meth:`start` spawns the reflector, the processing task, the resync task and one task
  per handler; :meth:`stop` cancels and awaits every one of them. An informer cannot be
  restarted. ``async with informer:`` starts and stops it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from kubeflow_informer.cache import gc_policy
from kubeflow_informer.cache.backoff import Backoff
from kubeflow_informer.cache.delta_fifo import DeltaFIFO, DeltaType, FIFOClosedError, Transform
from kubeflow_informer.cache.handlers import (
    ADD,
    DELETE,
    UPDATE,
    EventHandler,
    HandlerRegistration,
    _Listener,
)
from kubeflow_informer.cache.indexer import NAMESPACE_INDEX, Indexer, IndexFunc, namespace_index
from kubeflow_informer.cache.lister import Lister
from kubeflow_informer.cache.listwatch import ListerWatcher
from kubeflow_informer.cache.reflector import Reflector, WatchErrorHandler
from kubeflow_informer.cancellation import CANCEL_WAIT, cancel_and_wait

__all__ = ["SharedIndexInformer"]

logger = logging.getLogger(__name__)

_DELETED = DeltaType.DELETED
_SYNC = DeltaType.SYNC
_REPLACED = DeltaType.REPLACED


def _resource_version(obj: dict[str, Any]) -> Any:
    return obj["metadata"].get("resourceVersion")


def _describe_source(
    lister_watcher: ListerWatcher,
    namespace: str | None,
    label_selector: str | None,
    field_selector: str | None,
) -> str:
    """Where an informer lists from, for its start-up log line: the URL when the lister-watcher
    is a client ``Resource`` (server and path), else its repr; plus the selectors."""
    try:
        where = lister_watcher.api.config.server + lister_watcher.path(namespace)  # type: ignore[attr-defined]
    except (AttributeError, TypeError, ValueError):
        where = repr(lister_watcher)
    selectors = [f"labelSelector={label_selector}" if label_selector else "",
                 f"fieldSelector={field_selector}" if field_selector else ""]
    extra = ", ".join(s for s in selectors if s)
    return f"{where} ({extra})" if extra else where


class SharedIndexInformer:
    """A cache of one resource (one namespace and selector set) plus handler fan-out."""

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float = 0.0,
        transform: Transform | None = None,
        page_size: int = 500,
        use_watch_list: bool = False,
        min_watch_timeout: float = 300.0,
        watch_inactivity_timeout: float | None = None,
        watch_error_handler: WatchErrorHandler | None = None,
        backoff: Backoff | None = None,
        manage_gc: bool = False,
        min_resync_period: float = 1.0,
        name: str = "informer",
    ) -> None:
        all_indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: namespace_index}
        all_indexers.update(indexers or {})
        self.name = name
        self.indexer = Indexer(all_indexers)
        self._synced_event = asyncio.Event()
        self._synced = False
        self._fifo = DeltaFIFO(
            known_objects=self.indexer, transform=transform, on_synced=self._on_fifo_synced
        )
        self.reflector = Reflector(
            lister_watcher,
            self._fifo,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            page_size=page_size,
            min_watch_timeout=min_watch_timeout,
            watch_inactivity_timeout=watch_inactivity_timeout,
            use_watch_list=use_watch_list,
            backoff=backoff,
            watch_error_handler=watch_error_handler,
            manage_gc=manage_gc,
            name=name,
        )
        self._source = _describe_source(lister_watcher, namespace, label_selector, field_selector)
        self._started_at = 0.0
        self.manage_gc = manage_gc
        self.resync_period = resync_period
        self.min_resync_period = min_resync_period
        self._listeners: list[_Listener] = []
        self._syncing: list[_Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._retired: set[asyncio.Task[None]] = set()
        self._started = False
        self._stopped = False
        self._stopped_event = asyncio.Event()
        self._handlers_changed = asyncio.Event()

    def __repr__(self) -> str:
        return (
            f"SharedIndexInformer(name={self.name!r}, started={self._started}, "
            f"stopped={self._stopped}, has_synced={self.has_synced}, "
            f"objects={len(self.indexer)}, handlers={len(self._listeners)})"
        )

    # -- read side ------------------------------------------------------------------------------

    @property
    def has_synced(self) -> bool:
        """True once the first list has been applied to the cache and handed to the handlers."""
        return self._synced

    def _on_fifo_synced(self) -> None:
        # The FIFO reports it when the last initial key is popped - before the process loop has
        # applied that batch and handed it to the handlers - or when a relist left nothing to
        # pop. Either way the informer is synced once the running task yields: the process loop
        # applies a whole batch without yielding.
        asyncio.get_running_loop().call_soon(self._mark_synced)

    def _mark_synced(self) -> None:
        if not self._stopped:
            self._synced = True
            self._synced_event.set()
            logger.info(
                "%s: synced, %d objects in %.2fs", self.name, len(self.indexer),
                asyncio.get_running_loop().time() - self._started_at,
            )

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion the reflector last synced to."""
        return self.reflector.last_sync_resource_version

    @property
    def handler_errors(self) -> int:
        """Exceptions raised by this informer's current handlers, in total."""
        return sum(listener.errors for listener in self._listeners)

    @property
    def handler_pending(self) -> int:
        """Notifications buffered for this informer's handlers and not delivered yet."""
        return sum(len(listener.buffer) for listener in self._listeners)

    def lister(self) -> Lister:
        """A :class:`Lister` reading this informer's cache."""
        return Lister(self.indexer)

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add named index functions; objects already cached are indexed at once."""
        self.indexer.add_indexers(indexers)

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until :attr:`has_synced`; False on timeout or if the informer stopped first."""
        if self.has_synced:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._synced_event.wait()
        except TimeoutError:
            return False
        return self.has_synced

    # -- handlers -------------------------------------------------------------------------------

    def add_event_handler(
        self, handler: EventHandler, resync_period: float | None = None
    ) -> HandlerRegistration:
        """Register ``handler``; it gets an add for every object already cached.

        ``resync_period`` (seconds, ``None``: the informer's; 0: never) is how often this handler
        gets every cached object again as ``on_update(obj, obj)``; values under
        ``min_resync_period`` are raised to it.
        """
        if self._stopped:
            raise RuntimeError(f"{self.name}: cannot add a handler to a stopped informer")
        period = self.resync_period if resync_period is None else resync_period
        if 0 < period < self.min_resync_period:
            period = self.min_resync_period
        listener = _Listener(handler, period)
        for obj in self.indexer.list():
            listener.push((ADD, obj, True))
        # Copy on write: a handler called inline may add or remove handlers while the informer
        # iterates over the list to notify them.
        self._listeners = [*self._listeners, listener]
        if self._started:
            self._start_listener(listener)
        self._handlers_changed.set()
        return HandlerRegistration(self, listener)

    def remove_event_handler(self, registration: HandlerRegistration) -> None:
        """Stop delivering to a handler; idempotent. Its task is awaited by :meth:`stop`."""
        if registration.removed:
            return
        registration.removed = True
        listener = registration._listener
        self._listeners = [lst for lst in self._listeners if lst is not listener]
        self._syncing = [lst for lst in self._syncing if lst is not listener]
        task = listener.task
        # Without a task, deliver() only buffers: a notification being dispatched right now (by
        # a handler called inline that removes this one) is not delivered either.
        listener.task = None
        if task is not None:
            self._tasks.discard(task)
            task.cancel()
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)
        self._handlers_changed.set()

    def _start_listener(self, listener: _Listener) -> None:
        loop = asyncio.get_running_loop()
        if listener.resync_period > 0:
            listener.next_resync = loop.time() + listener.resync_period
        listener.task = self._spawn(listener.run(), "handler")

    def _spawn(self, coro: Any, what: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(
            coro, name=f"{self.name}:{what}"
        )
        self._tasks.add(task)
        return task

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether :meth:`start` was called (the informer may have stopped since)."""
        return self._started

    async def start(self) -> None:
        """Start listing, watching and delivering; returns at once (see ``wait_for_cache_sync``)."""
        self.start_nowait()

    def start_nowait(self) -> None:
        """:meth:`start` for synchronous callers on the event loop (it never waits anyway)."""
        if self._stopped:
            raise RuntimeError(f"{self.name}: an informer cannot be restarted")
        if self._started:
            return
        self._started = True
        self._started_at = asyncio.get_running_loop().time()
        logger.info("%s: waiting for the first sync: listing and watching %s", self.name,
                    self._source)
        if self.manage_gc:
            gc_policy.acquire()
        for listener in self._listeners:
            self._start_listener(listener)
        self._spawn(self._process_loop(), "process")
        self._spawn(self._resync_loop(), "resync")
        self._spawn(self.reflector.run(), "reflector")

    async def run(self) -> None:
        """Start, then run until :meth:`stop` is called or this coroutine is cancelled."""
        await self.start()
        try:
            await self._stopped_event.wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Cancel and await every task this informer started; idempotent. Returns within
        :data:`~kubeflow_informer.cancellation.CANCEL_WAIT` seconds: a handler task that
        ignores cancellation is abandoned and logged by name."""
        if self._stopped:
            return
        self._stopped = True
        self._fifo.close()
        tasks = [*self._tasks, *self._retired]
        # Bounded: an async handler that swallows CancelledError is abandoned, not awaited.
        abandoned = await cancel_and_wait(tasks, CANCEL_WAIT, owner=f"informer {self.name}")
        for task in tasks:
            if task not in abandoned and not task.cancelled() and task.exception() is not None:
                logger.error("%s: task %s failed", self.name, task.get_name(),
                             exc_info=task.exception())
        self._tasks.clear()
        self._retired.clear()
        if self.manage_gc and self._started:
            gc_policy.release()
        self._synced_event.set()  # release wait_for_cache_sync callers
        self._stopped_event.set()

    async def __aenter__(self) -> SharedIndexInformer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- processing -----------------------------------------------------------------------------

    async def _process_loop(self) -> None:
        fifo = self._fifo
        apply = self._apply
        manage_gc = self.manage_gc
        fifo.set_direct_consumer(self._apply_direct)
        try:
            while True:
                try:
                    batch = await fifo.pop_batch()
                except FIFOClosedError:
                    return
                if manage_gc:
                    gc_policy.note_cached(len(batch))
                for key, deltas, is_initial in batch:
                    for delta in deltas:
                        apply(key, delta.type, delta.object, is_initial)
        finally:
            fifo.set_direct_consumer(None)

    def _apply_direct(self, key: str, delta_type: DeltaType, obj: Any) -> None:
        # The FIFO hands over a change straight from the reflector when nothing is queued.
        if self.manage_gc:
            gc_policy.note_cached(1)
        self._apply(key, delta_type, obj, False)

    def _apply(self, key: str, delta_type: DeltaType, obj: Any, is_initial: bool) -> None:
        """Apply one delta to the indexer, then tell the handlers."""
        if delta_type is _DELETED:
            self.indexer.delete(key)
            for listener in self._listeners:
                listener.deliver(DELETE, obj, None)
            return
        old = self.indexer.update(obj, key)
        if old is None:
            for listener in self._listeners:
                listener.deliver(ADD, obj, is_initial)
            return
        if delta_type is _SYNC or (
            delta_type is _REPLACED and _resource_version(old) == _resource_version(obj)
        ):
            for listener in self._syncing:
                listener.deliver(UPDATE, old, obj)
        else:
            for listener in self._listeners:
                listener.deliver(UPDATE, old, obj)

    def _resync_check_period(self) -> float:
        periods = [lst.resync_period for lst in self._listeners if lst.resync_period > 0]
        return min(periods) if periods else 0.0

    async def _resync_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            period = self._resync_check_period()
            if period <= 0:
                self._handlers_changed.clear()
                await self._handlers_changed.wait()
                continue
            await asyncio.sleep(period)
            if not self._synced:
                continue
            now = loop.time()
            self._syncing = [lst for lst in self._listeners if lst.should_resync(now)]
            if self._syncing:
                self._fifo.resync()
