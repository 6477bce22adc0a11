"""``Controller``: binds a :class:`Reconciler` to its watches, a workqueue and workers.

Life cycle (driven by the :class:`~kubeflow_informer.controller.manager.Manager`, or by hand):

1. :meth:`Controller.setup` - creates the rate-limited workqueue, asks the shared informer factory
   for one informer per watch and registers an event handler on each. From then on, events
   enqueue requests; nothing reconciles yet. Call it before the factory starts so the informers
   start with it.
2. :meth:`Controller.start` - once caches have synced (and, with leader election, once leading),
   starts ``max_concurrent_reconciles`` workers.
3. :meth:`Controller.stop` - stops taking new work, lets in-flight reconciles finish for up to
   the grace period, then cancels what is left and waits at most
   :data:`~kubeflow_informer.cancellation.CANCEL_WAIT` more: a reconcile that ignores
   cancellation is abandoned (logged by name), so ``stop`` always returns.

Guarantees (from the workqueue): a request is never reconciled by two workers at once; requests
added while one is being reconciled are coalesced and processed once after it.

Logs: a reconcile that raises is logged with its traceback the first time (for a request that
last succeeded, or never ran); its retries log one line each, naming the request, the retry
count, the delay and the error, at most ``RETRY_LOG_BURST`` lines at once and
``RETRY_LOG_PER_SECOND`` per second per controller (a line says how many were left out), so a
reconciler failing in a tight backoff loop cannot flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kubeflow_informer.cache.lister import CacheNotSyncedError
from kubeflow_informer.cancellation import CANCEL_WAIT, cancel_and_wait
from kubeflow_informer.controller.metrics import ControllerMetrics, ReconcileMetrics
from kubeflow_informer.controller.predicates import Predicate
from kubeflow_informer.controller.reconciler import Reconciler, Request, Result, TerminalError
from kubeflow_informer.controller.sources import (
    EnqueueHandler,
    For,
    Owns,
    Watches,
    WatchSpec,
    owner_mapper,
    request_for_object,
)
from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.token_bucket import TokenBucket
from kubeflow_informer.workqueue import (
    RateLimitingQueue,
    ShutDown,
    default_controller_rate_limiter,
)

if TYPE_CHECKING:
    from kubeflow_informer.cache import SharedInformerFactory

logger = logging.getLogger(__name__)

#: How long a reconcile waits for the first sync of an informer it started on demand.
ON_DEMAND_SYNC_TIMEOUT = 60.0
#: The rate limit of retry log lines, per controller (see the module docstring).
RETRY_LOG_PER_SECOND = 1.0
RETRY_LOG_BURST = 5


class Controller:
    """A reconciler plus what it watches, its queue and its workers.

    ``for_`` is the primary resource; ``owns`` are child resources whose controller owner is of
    the primary kind; ``watches`` map any other resource to requests. ``predicates`` apply to
    every watch (each spec can add its own). ``reconcile_timeout`` (seconds) bounds one
    reconcile: a timeout counts as an error and is retried with backoff. ``rate_limiter``
    defaults to client-go's controller rate limiter (per-item exponential 5 ms..1000 s, overall
    10 qps / 100 burst). ``name`` (default: the primary kind, lowercased) labels logs and
    metrics and must be unique in a manager.
    """

    def __init__(
        self,
        reconciler: Reconciler,
        *,
        for_: For,
        owns: Sequence[Owns] = (),
        watches: Sequence[Watches] = (),
        predicates: Sequence[Predicate] = (),
        max_concurrent_reconciles: int = 1,
        reconcile_timeout: float | None = None,
        rate_limiter: Any = None,
        name: str | None = None,
    ) -> None:
        if max_concurrent_reconciles < 1:
            raise ValueError("max_concurrent_reconciles must be at least 1")
        if reconcile_timeout is not None and reconcile_timeout <= 0:
            raise ValueError("reconcile_timeout must be positive")
        self.reconciler = reconciler
        self.for_ = for_
        self.owns = tuple(owns)
        self.watches = tuple(watches)
        self.predicates = tuple(predicates)
        self.max_concurrent_reconciles = max_concurrent_reconciles
        self.reconcile_timeout = reconcile_timeout
        self._rate_limiter = rate_limiter
        # Resolve the primary kind now: owns= on a CRD without kind= fails here, not later.
        try:
            self.kind = for_.resolved_kind()
        except ValueError:
            if owns:
                raise
            self.kind = ""
        self.name = name or self.kind.lower() or for_.plural
        self._queue: RateLimitingQueue[Request] | None = None
        self._metrics: ControllerMetrics | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._stopping = False
        self._registrations: list[Any] = []
        self._retry_log = TokenBucket(RETRY_LOG_PER_SECOND, RETRY_LOG_BURST)
        self._retry_lines_dropped = 0
        #: Requests whose failure traceback was logged and that have not succeeded since.
        self._failing: set[Request] = set()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (
            f"Controller({self.name!r}, for_={self.for_.api_version}/{self.for_.plural}, "
            f"workers={self.max_concurrent_reconciles}, {state})"
        )

    @property
    def queue(self) -> RateLimitingQueue[Request]:
        """The controller's workqueue; exists after :meth:`setup`."""
        if self._queue is None:
            raise RuntimeError(f"controller {self.name!r} is not set up")
        return self._queue

    @property
    def running(self) -> bool:
        """True while workers are running."""
        return any(not task.done() for task in self._workers)

    def setup(
        self, factory: SharedInformerFactory, *, registry: CollectorRegistry | None = None
    ) -> None:
        """Create the queue and register event handlers on the factory's informers.

        Idempotent per controller: a second call raises :class:`RuntimeError`.
        """
        if self._queue is not None:
            raise RuntimeError(f"controller {self.name!r} is already set up")
        registry = registry if registry is not None else CollectorRegistry()
        limiter = self._rate_limiter or default_controller_rate_limiter()
        self._queue = RateLimitingQueue(limiter, name=self.name, metrics_registry=registry)
        self._metrics = ReconcileMetrics.for_registry(registry).for_controller(
            self.name, self.max_concurrent_reconciles
        )
        self._watch(factory, self.for_, request_for_object, "for")
        for spec in self.owns:
            mapper = owner_mapper(
                self.for_.group,
                self.kind,
                owner_namespaced=self.for_.namespaced,
                controller_only=spec.controller_only,
            )
            self._watch(factory, spec, mapper, "owns")
        for watch in self.watches:
            self._watch(factory, watch, watch.map_fn, "watches")

    def _watch(
        self, factory: SharedInformerFactory, spec: WatchSpec, map_fn: Any, role: str
    ) -> None:
        informer = factory.informer_for(spec.api_version, spec.plural, **spec.informer_kwargs())
        handler = EnqueueHandler(
            self.queue,
            map_fn,
            (*self.predicates, *spec.predicates),
            name=f"{self.name}/{role}/{spec.api_version}/{spec.plural}",
        )
        self._registrations.append(informer.add_event_handler(handler))

    def enqueue(self, request: Request) -> None:
        """Add a request by hand (a "generic" event); deduplicated like any other."""
        self.queue.add(request)

    async def start(self) -> None:
        """Start the workers. Call after the caches have synced; a second call is a no-op."""
        queue = self.queue
        if self.running:
            return
        if queue.shutting_down:
            raise RuntimeError(f"controller {self.name!r} was stopped; create a new one")
        self._stopping = False
        self._workers = [
            asyncio.create_task(self._worker(), name=f"controller-{self.name}-worker-{i}")
            for i in range(self.max_concurrent_reconciles)
        ]
        logger.info(
            "controller %s started %d workers", self.name, self.max_concurrent_reconciles
        )

    async def stop(self, grace_period: float | None = None) -> None:
        """Stop taking work; wait up to ``grace_period`` s for in-flight reconciles, then cancel.

        Returns within ``grace_period + CANCEL_WAIT`` seconds even when a reconcile swallows
        the cancellation: its worker is then abandoned and logged by name. ``None`` waits for
        in-flight reconciles however long they take. Requests still queued are dropped: the
        next process (or leader) relists and reconciles everything anyway.
        """
        self._stopping = True
        if self._queue is not None:
            self._queue.shutdown()
        # Keep the list until the workers are done: a concurrent stop() with a shorter grace
        # period (the lease was lost during a graceful shutdown) must still be able to cancel.
        workers = [task for task in self._workers if not task.done()]
        if not workers:
            return
        _done, pending = await asyncio.wait(workers, timeout=grace_period)
        if pending:
            logger.warning(
                "controller %s: %d reconciles still running after the %.1fs grace period; "
                "cancelling them",
                self.name,
                len(pending),
                grace_period or 0.0,
            )
            await cancel_and_wait(pending, CANCEL_WAIT, owner=f"controller {self.name}")
        for task in workers:
            if task.done() and not task.cancelled() and task.exception() is not None:
                logger.error("controller %s worker failed", self.name, exc_info=task.exception())
        logger.info("controller %s stopped", self.name)

    async def _worker(self) -> None:
        queue = self.queue
        while True:
            try:
                request = await queue.get()
            except ShutDown:
                return
            try:
                if self._stopping:
                    return
                await self._reconcile_one(request)
            finally:
                queue.done(request)

    async def _reconcile_one(self, request: Request) -> None:
        assert self._metrics is not None and self._queue is not None
        queue = self._queue
        metrics = self._metrics
        totals = metrics.totals
        metrics.active += 1
        started = time.perf_counter()
        try:
            if self.reconcile_timeout is None:
                result = await self._call_reconciler(request)
            else:
                async with asyncio.timeout(self.reconcile_timeout):
                    result = await self._call_reconciler(request)
        except TerminalError as err:
            metrics.errors += 1
            metrics.terminal_errors += 1
            totals["error"] += 1
            queue.forget(request)
            self._failing.discard(request)
            logger.error(
                "controller %s: terminal error reconciling %s (not retried): %s",
                self.name,
                request,
                err,
                exc_info=True,
            )
            return
        except Exception as err:
            metrics.errors += 1
            totals["error"] += 1
            queue.add_rate_limited(request)
            self._log_failure(request, err)
            return
        finally:
            metrics.active -= 1
            metrics.time_seconds.observe(time.perf_counter() - started)
        self._handle_result(request, result)

    def _log_failure(self, request: Request, err: Exception) -> None:
        """The first failure with its traceback, retries as one rate-limited line each."""
        retry = self.queue.num_requeues(request)
        if request not in self._failing:
            self._failing.add(request)
            logger.error("controller %s: error reconciling %s (will retry with backoff)",
                         self.name, request, exc_info=err)
            return
        if not self._retry_log.try_take():
            self._retry_lines_dropped += 1
            return
        dropped, self._retry_lines_dropped = self._retry_lines_dropped, 0
        logger.warning(
            "controller %s: error reconciling %s again (retry %d): %s: %s%s",
            self.name, request, retry, type(err).__name__, err,
            f" [{dropped} similar lines left out]" if dropped else "",
        )

    async def _call_reconciler(self, request: Request) -> Result | None:
        """Reconcile; a lister whose cache had not synced yet (an informer started on demand)
        makes this wait for that sync and reconcile again, as controller-runtime's cache reader
        blocks until the informer it started has synced. Each informer syncs once, so this
        loops at most once per informer the reconciler reads."""
        while True:
            try:
                return await self.reconciler.reconcile(request)
            except CacheNotSyncedError as err:
                informer = err.informer
                # Not started: the manager is shutting down, nothing will sync it.
                if not informer.started or not await informer.wait_for_cache_sync(
                    ON_DEMAND_SYNC_TIMEOUT
                ):
                    raise CacheNotSyncedError(
                        informer, f"{err}; it did not sync within {ON_DEMAND_SYNC_TIMEOUT:g}s "
                        "(check that the resource exists and that this controller may list "
                        "and watch it)"
                    ) from None

    def _handle_result(self, request: Request, result: Result | None) -> None:
        assert self._metrics is not None
        queue = self.queue
        totals = self._metrics.totals
        self._failing.discard(request)
        if result is not None and result.requeue_after:
            queue.forget(request)
            queue.add_after(request, result.requeue_after)
            totals["requeue_after"] += 1
        elif result is not None and result.requeue:
            queue.add_rate_limited(request)
            totals["requeue"] += 1
        else:
            queue.forget(request)
            totals["success"] += 1


async def stop_all(controllers: Sequence[Controller], grace_period: float | None) -> None:
    """Stop controllers concurrently so they share one grace period."""
    await asyncio.gather(*(c.stop(grace_period) for c in controllers))


__all__ = ["Controller", "stop_all"]
