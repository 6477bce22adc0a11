"""``Manager``: owns the client, the shared informers, the controllers and their life cycle.

The client and the :class:`~kubeflow_informer.cache.SharedInformerFactory` exist from
construction on, so informers, indexers and per-resource informer options
(``informer_options``, ``factory.configure``) can be declared before start, as with
controller-runtime's cache options and field indexer.

Start order (each step only after the previous one succeeded):

1. open the :class:`~kubeflow_informer.client.ApiClient` (unless one was passed in);
2. set every controller up (workqueue, informers, event handlers) and inject the client, listers
   and an :class:`EventRecorder` into its reconciler;
3. serve ``/healthz``, ``/readyz`` and ``/metrics`` (if ``metrics_port`` is not ``None``);
4. start the informers and wait for their caches to sync; after ``cache_sync_timeout`` seconds
   :class:`CacheSyncTimeout` is raised (and everything started so far is stopped), naming each
   informer that did not sync and the last error it met ("401 Unauthorized from https://...");
5. without leader election, start the controllers. With it, informers keep running on every
   replica (so a new leader starts with a warm cache) but controllers start only once this
   replica holds the Lease.

Shutdown (SIGTERM/SIGINT under :meth:`run`, leaving ``async with``, or :meth:`request_stop`):
controllers stop taking work and in-flight reconciles get up to ``shutdown_grace_period`` seconds
to finish (the lease is still renewed meanwhile), then the lease is released, pending events are
written, informers, the HTTP server and the client are closed. :meth:`shutdown` returns within
``shutdown_grace_period + SHUTDOWN_MARGIN`` seconds whatever user code does: a reconcile or
handler that ignores cancellation is abandoned and logged by name, and the steps after the
reconciles (lease release, event writes, closing) share what is left of the margin.

Signals (under :meth:`run` only; the library installs no handler otherwise): the first SIGTERM
or SIGINT starts the graceful shutdown *at any point* - also while the client connects or the
caches sync, which then stop at once - and :meth:`run` returns normally, so the process exits 0
as controller-runtime's managers do; :attr:`Manager.stop_signal` tells which signal it was. A
second signal during the shutdown ends the process at once, the conventional way: the signal
is re-raised with its default disposition (exit status 128 + signal number, 130 for SIGINT).

A reconciler reading a lister of an informer nobody declared gets it started on demand (with a
warning naming it); the reconcile waits for its first sync and runs again (see
:meth:`Manager.lister_for`). A lister never answers from a cache that has not synced.

Losing the lease is fatal, as in controller-runtime: in-flight reconciles are cancelled at once
(a successor may take over as soon as the lease expires), the manager shuts down and
:meth:`run` raises :class:`LeaderElectionLost`. Restart the process to rejoin the election.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

from kubeflow_informer.cache import (
    CacheNotSyncedError,
    InformerOptions,
    Lister,
    SharedIndexInformer,
    SharedInformerFactory,
)
from kubeflow_informer.cache.delta_fifo import Transform
from kubeflow_informer.cache.metrics import informer_metrics_collector
from kubeflow_informer.cancellation import cancel_and_wait
from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller.controller import Controller, stop_all
from kubeflow_informer.controller.events import EventRecorder
from kubeflow_informer.controller.leader_election import LeaderElectionConfig, LeaderElector
from kubeflow_informer.controller.metrics import LeaderMetrics
from kubeflow_informer.controller.reconciler import ReconcilerContext
from kubeflow_informer.errors import ApiError, KubeflowInformerError
from kubeflow_informer.metrics import CollectorRegistry, ScrapeCollector

if TYPE_CHECKING:
    from kubeflow_informer.config import Config
    from kubeflow_informer.controller.health import ProbeServer

logger = logging.getLogger(__name__)


#: Seconds :meth:`Manager.shutdown` may take beyond the grace period: cancelled reconciles
#: finishing, the lease release, pending events, informers, HTTP server and client closing.
SHUTDOWN_MARGIN = 3.0


class CacheSyncTimeout(KubeflowInformerError):
    """The informer caches did not sync within ``cache_sync_timeout``.

    ``unsynced`` maps each informer that did not sync to its last list/watch error (``None``
    when it met none: the server is merely slow); the message names both.
    """

    def __init__(self, timeout: float, unsynced: dict[str, BaseException | None]) -> None:
        self.timeout = timeout
        self.unsynced = unsynced
        parts = [f"{name}: {describe_error(error)}" for name, error in unsynced.items()]
        super().__init__(
            f"informer caches did not sync within {timeout:g}s; "
            + ("; ".join(parts) or "no informer to wait for")
        )


def describe_error(error: BaseException | None) -> str:
    """One line for a list/watch failure: ``401 Unauthorized from https://...: message``."""
    if error is None:
        return "no error yet (still listing)"
    if isinstance(error, ApiError):
        where = f" from {error.url}" if error.url else ""
        return f"{error.status} {error.reason}{where}: {error.message}"
    return f"{type(error).__name__}: {error}"


class LeaderElectionLost(KubeflowInformerError):
    """This replica lost its Lease; its controllers were stopped."""


class Manager:
    """Runs controllers against one cluster. See the module docstring for the life cycle.

    Pass either ``config`` (the manager opens and closes its own client) or ``api_client`` (the
    caller owns it). ``namespace`` restricts every informer to one namespace. ``metrics_port=0``
    binds a free port (read it back from :attr:`metrics_port` after start); ``None`` disables
    the HTTP endpoint. ``transform`` is applied to every object entering the shared caches
    (controller-runtime's ``cache.Options.DefaultTransform``), e.g.
    :func:`~kubeflow_informer.cache.transforms.strip_managed_fields` or, for the smallest cache,
    :func:`~kubeflow_informer.cache.transforms.lean_object`. ``informer_options`` sets options
    per resource, keyed by ``(api_version, plural)`` (controller-runtime's ``ByObject``).
    ``manage_gc=True`` opts the shared informers into the process-wide garbage-collector policy
    of :mod:`kubeflow_informer.cache.gc_policy` (faster big caches; see ``docs/benchmarks.md``).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        api_client: ApiClient | None = None,
        metrics_port: int | None = 8080,
        metrics_host: str = "0.0.0.0",
        leader_election: LeaderElectionConfig | None = None,
        namespace: str | None = None,
        resync_period: float = 0.0,
        shutdown_grace_period: float = 30.0,
        cache_sync_timeout: float = 120.0,
        registry: CollectorRegistry | None = None,
        transform: Transform | None = None,
        informer_options: Mapping[tuple[str, str], InformerOptions] | None = None,
        manage_gc: bool = False,
    ) -> None:
        if config is None and api_client is None:
            raise ValueError("Manager needs a config or an api_client")
        if metrics_port is not None and not 0 <= metrics_port <= 65535:
            raise ValueError(f"metrics_port must be 0-65535 (or None), got {metrics_port}")
        self.config = config
        self.namespace = namespace
        self.resync_period = resync_period
        self.transform = transform
        self.shutdown_grace_period = shutdown_grace_period
        self.cache_sync_timeout = cache_sync_timeout
        self.leader_election = leader_election
        self.registry = registry if registry is not None else CollectorRegistry()
        self.metrics_host = metrics_host
        self.metrics_port = metrics_port
        self.controllers: list[Controller] = []
        self.elector: LeaderElector | None = None
        # Created now, opened at start: the factory needs it, and informers may be declared
        # before start. A client passed in is the caller's to open and close.
        self._owns_client = api_client is None
        if api_client is None:
            assert config is not None
            api_client = ApiClient(config)
        self._client = api_client
        self._factory = SharedInformerFactory(
            api_client, namespace=namespace, resync_period=resync_period, transform=transform,
            manage_gc=manage_gc,
        )
        for (api_version, plural), options in (informer_options or {}).items():
            self._factory.configure(api_version, plural, options)
        self._on_demand: set[str] = set()
        self._recorders: list[EventRecorder] = []
        self._probe: ProbeServer | None = None
        self._stack = contextlib.AsyncExitStack()
        self._lead_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._synced = False
        self._started = False
        self._shutting_down = False
        self._shutdown_done = False
        self._shutdown_finished = asyncio.Event()
        self._lost = False
        self.stop_signal: signal.Signals | None = None
        """The signal that stopped :meth:`run`, if one did."""
        self._leader_metrics: LeaderMetrics | None = None
        self._collector: ScrapeCollector | None = None

    def __repr__(self) -> str:
        return (
            f"Manager(controllers={[c.name for c in self.controllers]}, "
            f"leader_election={self.leader_election is not None}, started={self._started})"
        )

    @property
    def client(self) -> ApiClient:
        """The API client (opened at start when the manager made it from ``config``)."""
        return self._client

    @property
    def factory(self) -> SharedInformerFactory:
        """The shared informer factory; declare informers and indexers on it before start."""
        return self._factory

    def lister_for(self, api_version: str, plural: str, **selection: Any) -> Lister:
        """The lister of a synced shared informer (``SharedInformerFactory.lister_for``'s
        arguments); what reconcilers' ``self.lister(...)`` calls.

        Never answers from a cache that has not synced: for an informer that is not synced yet
        it raises :class:`~kubeflow_informer.cache.CacheNotSyncedError`, after starting the
        informer if nobody had (a resource, namespace or selector no watch declared), with a
        warning. The controller then waits for that sync and runs the reconcile again.
        """
        informer = self._factory.informer_for(api_version, plural, **selection)
        if informer.has_synced:
            return informer.lister()
        if not informer.started and self._started and not self._shutting_down:
            if informer.name not in self._on_demand:
                self._on_demand.add(informer.name)
                logger.warning(
                    "%s: read by a reconciler but declared by no controller; starting its "
                    "informer now. Declare it before start (Watches(...) or "
                    "manager.factory.informer_for(...)) to have it synced with the others",
                    informer.name,
                )
            informer.start_nowait()
        raise CacheNotSyncedError(
            informer, f"the cache of {informer.name} has not synced yet; a lister of it would "
            "answer from an incomplete cache"
        )

    @property
    def ready(self) -> bool:
        """True once caches have synced, until shutdown begins (what ``/readyz`` reports)."""
        return self._synced and not self._shutting_down

    @property
    def leading(self) -> bool:
        """True while this replica's controllers run (always, without leader election)."""
        return any(c.running for c in self.controllers)

    def add(self, controller: Controller) -> Controller:
        """Add a controller; must happen before start. Names must be unique."""
        if self._started:
            raise RuntimeError("add controllers before the manager starts")
        if any(c.name == controller.name for c in self.controllers):
            raise ValueError(f"a controller named {controller.name!r} is already added")
        self.controllers.append(controller)
        return controller

    def request_stop(self) -> None:
        """Ask :meth:`run` (or the ``async with`` body's owner) to shut down gracefully."""
        self._stop.set()

    async def wait_stopped(self) -> None:
        """Wait until a stop was requested (signal, :meth:`request_stop`, or lease lost)."""
        await self._stop.wait()

    async def __aenter__(self) -> Manager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    async def run(self) -> None:
        """Start, serve until SIGTERM/SIGINT or :meth:`request_stop`, shut down gracefully.

        A stop requested while starting (connecting, waiting for the caches) interrupts the
        start at once. Raises :class:`LeaderElectionLost` when the lease was lost,
        :class:`CacheSyncTimeout` when caches never synced. Returns normally after a requested
        shutdown (signal or :meth:`request_stop`).
        """
        installed = self._install_signal_handlers()
        try:
            starting = asyncio.create_task(self.start(), name="manager-start")
            stop_requested = asyncio.create_task(self._stop.wait(), name="manager-stop-wait")
            try:
                await asyncio.wait({starting, stop_requested},
                                   return_when=asyncio.FIRST_COMPLETED)
                if not starting.done() and self._shutting_down:
                    await asyncio.wait({starting})  # the start failed and is cleaning up
                elif not starting.done():
                    logger.info("stop requested while starting: interrupting the start")
                    await cancel_and_wait({starting}, self.shutdown_grace_period,
                                          owner="manager")
                elif starting.exception() is None:
                    await self._stop.wait()
            finally:
                stop_requested.cancel()
                if not starting.done():  # run() itself was cancelled
                    starting.cancel()
                await asyncio.wait({starting, stop_requested})
            error = None if starting.cancelled() else starting.exception()
            if error is not None:
                raise error
        finally:
            try:
                await self.shutdown()
            finally:
                self._remove_signal_handlers(installed)
        if self._lost:
            raise LeaderElectionLost("lost the leader election lease; controllers stopped")

    async def start(self) -> None:
        """Steps 1-5 of the module docstring. Cleans up after itself if a step fails."""
        if self._started:
            raise RuntimeError("the manager was already started")
        self._started = True
        try:
            await self._start()
        except BaseException:
            await self.shutdown()
            raise

    async def _start(self) -> None:
        api = self._client
        if self._owns_client:
            await self._stack.enter_async_context(api)
        host = self.leader_election.identity if self.leader_election else socket.gethostname()
        events = api.resource("v1", "events")
        for controller in self.controllers:
            controller.setup(self._factory, registry=self.registry)
            recorder = EventRecorder(events, controller.name, host=host)
            self._recorders.append(recorder)
            await recorder.start()
            controller.reconciler.inject(
                ReconcilerContext(client=api, lister_for=self.lister_for, recorder=recorder)
            )
        factory = self._factory
        self._collector = informer_metrics_collector(lambda: factory.informers)
        self.registry.register(self._collector)
        if self.metrics_port is not None:
            # Imported here: the HTTP server side of aiohttp (aiohttp.web) is only worth loading
            # for a manager that serves probes and metrics.
            from kubeflow_informer.controller.health import ProbeServer

            self._probe = ProbeServer(
                self.registry,
                host=self.metrics_host,
                port=self.metrics_port,
                liveness={"ping": lambda: True, "leaderElection": self._lease_healthy},
                readiness={"informers": lambda: self.ready},
            )
            await self._probe.start()
            self.metrics_port = self._probe.port
        await self._factory.start()
        if not await self._factory.wait_for_cache_sync(self.cache_sync_timeout):
            raise CacheSyncTimeout(self.cache_sync_timeout, _unsynced(self._factory.informers))
        self._synced = True
        logger.info("caches synced for %d controllers", len(self.controllers))
        if self.leader_election is None:
            for controller in self.controllers:
                await controller.start()
            return
        self._leader_metrics = LeaderMetrics(self.registry, self.leader_election.name)
        self.elector = LeaderElector(
            api.resource("coordination.k8s.io/v1", "leases"), self.leader_election
        )
        self._lead_task = asyncio.create_task(self._lead(self.elector), name="leader-election")

    async def _lead(self, elector: LeaderElector) -> None:
        assert self._leader_metrics is not None
        status = self._leader_metrics
        try:
            await elector.acquire()
            status.leading = True
            for controller in self.controllers:
                await controller.start()
            await elector.keep_leading()
            status.leading = False
            self._lost = True
            logger.error("leader election lost: stopping controllers now")
            await stop_all(self.controllers, 0.0)
        except Exception:
            logger.exception("leader election failed: shutting down")
            self._lost = True
        finally:
            # Whatever ended leadership (loss, failure, shutdown), the manager must stop.
            self._stop.set()

    def _lease_healthy(self) -> bool:
        if self.elector is None or self.leader_election is None:
            return True
        return self.elector.check(self.leader_election.renew_deadline)

    async def shutdown(self) -> None:
        """Graceful shutdown (idempotent); see the module docstring for the order and bound.

        A call while another shutdown is in progress waits for that one to finish.
        """
        if self._shutdown_done:
            return
        if self._shutting_down:
            await self._shutdown_finished.wait()
            return
        self._shutting_down = True
        self._stop.set()
        loop = asyncio.get_running_loop()
        grace = self.shutdown_grace_period
        deadline = loop.time() + grace + SHUTDOWN_MARGIN
        try:
            if self._lead_task is not None and not self.leading:
                # Still campaigning (or already lost): nothing to finish, stop campaigning now.
                await cancel_and_wait({self._lead_task}, owner="manager")
            await stop_all(self.controllers, grace)
            if self._lead_task is not None:
                await cancel_and_wait({self._lead_task}, owner="manager")
            if self.elector is not None and self.leader_election is not None:
                if self.leader_election.release_on_cancel and not self._lost:
                    await _bounded(self.elector.release(), deadline, "releasing the lease")
            if self._leader_metrics is not None:
                self._leader_metrics.leading = False
                self._leader_metrics.unregister()
            if self._recorders:
                drain = max(0.0, min(5.0, (deadline - loop.time()) / 2))
                await _bounded(
                    asyncio.gather(*(recorder.aclose(drain) for recorder in self._recorders)),
                    deadline, "writing pending events",
                )
            await _bounded(self._factory.stop(), deadline, "stopping the informers")
            if self._probe is not None:
                await _bounded(self._probe.stop(), deadline, "stopping the HTTP server")
            if self._collector is not None:
                self.registry.unregister(self._collector)
            await _bounded(self._stack.aclose(), deadline, "closing the client")
        finally:
            self._shutdown_done = True
            self._shutdown_finished.set()
            logger.info("manager stopped")

    def _install_signal_handlers(self) -> list[signal.Signals]:
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or no signal support: the caller stops us
            installed.append(sig)
        return installed

    def _remove_signal_handlers(self, installed: list[signal.Signals]) -> None:
        loop = asyncio.get_running_loop()
        for sig in installed:
            loop.remove_signal_handler(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if self._stop.is_set():
            # The conventional "now": die of the signal itself (exit status 128 + number).
            logger.warning("%s received again during shutdown: exiting at once", sig.name)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        logger.info("%s received: shutting down gracefully", sig.name)
        self.stop_signal = sig
        self._stop.set()


async def _bounded(step: Awaitable[Any], deadline: float, what: str) -> None:
    """Run one shutdown step until ``deadline`` (at least a moment); log if it is cut short."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(max(0.1, deadline - loop.time())):
            await step
    except TimeoutError:
        logger.error("shutdown: %s did not finish in time; giving up on it", what)
    except Exception:
        logger.exception("shutdown: %s failed", what)


def _unsynced(informers: list[SharedIndexInformer]) -> dict[str, BaseException | None]:
    return {
        informer.name: informer.reflector.last_error
        for informer in informers
        if not informer.has_synced
    }


__all__ = ["SHUTDOWN_MARGIN", "CacheSyncTimeout", "LeaderElectionLost", "Manager", "describe_error"]
