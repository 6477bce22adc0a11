"""Running pod-detector: against a cluster, or as a self-contained demo on the embedded server.

:func:`run` picks the mode the way the issue asks: with ``--kubeconfig`` / ``--context``, or
inside a pod (service-account token and ``KUBERNETES_SERVICE_*``), it runs against that cluster
unchanged, until SIGINT/SIGTERM or ``--duration``. Otherwise it starts the embedded API server,
seeds :mod:`~examples.pod_detector.scenario`, runs the detector and the
:mod:`~examples.pod_detector.churn` simulator side by side, and stops after ``--duration``
(default 30 s) or Ctrl-C. Both end with the summary and exit code 0; 1 when the caches never
synced or the leader-election lease was lost (restart the process to rejoin), 2 on bad
configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from examples.pod_detector.churn import ChurnSimulator
from examples.pod_detector.detector import PodDetector
from examples.pod_detector.report import Summary, cache_contents
from examples.pod_detector.scenario import Scenario, seed_scenario
from examples.pod_detector.settings import DetectorSettings
from kubeflow_informer import MetricsPortError
from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config, load_config
from kubeflow_informer.config.incluster import in_cluster_available
from kubeflow_informer.controller import CacheSyncTimeout, LeaderElectionConfig, Manager
from kubeflow_informer.errors import ConfigError

logger = logging.getLogger("examples.pod_detector")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
HEARTBEAT_SECONDS = 10.0


@dataclass
class RunOptions:
    """Everything the command line decides. ``None`` means the mode's default (see ``--help``)."""

    settings: DetectorSettings = field(default_factory=DetectorSettings)
    kubeconfig: str | None = None
    context: str | None = None
    metrics_port: int | None = None
    metrics_host: str = "0.0.0.0"
    leader_elect: bool = False
    lease_namespace: str | None = None
    duration: float | None = None
    seed: int = 1
    churn_interval: float = 1.0
    shutdown_grace_period: float = 30.0


@dataclass
class RunResult:
    """How a run ended: its exit code and what it did."""

    exit_code: int
    summary: Summary | None = None
    scenario: Scenario | None = None


def wants_cluster(options: RunOptions) -> bool:
    """True when a cluster is configured: ``--kubeconfig``, ``--context`` or in-cluster."""
    return bool(options.kubeconfig or options.context or in_cluster_available())


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, _request_stop, stop, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread (tests) or no signals: the caller stops us
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _request_stop(stop: asyncio.Event, sig: signal.Signals) -> None:
    if not stop.is_set():
        logger.info("%s received: stopping", sig.name)
    stop.set()


async def run(options: RunOptions) -> int:
    """Run in the mode the options call for; returns the process exit code."""
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        if not wants_cluster(options):
            return (await run_demo(options, stop)).exit_code
        try:
            config = load_config(options.kubeconfig, options.context)
        except ConfigError as err:
            logger.error("cannot load the cluster configuration: %s", err)
            return EXIT_CONFIG
        logger.info("pod-detector against %s", config.server)
        return (await run_detector(config, options, stop)).exit_code


async def run_demo(
    options: RunOptions, stop: asyncio.Event, *, server: EmbeddedApiServer | None = None
) -> RunResult:
    """The demo: embedded server (``server`` if given, else a new one), scenario, churn, detector.

    Passing ``server`` lets a caller (the end-to-end test) read back what the detector wrote
    after the run.
    """
    async with contextlib.AsyncExitStack() as stack:
        if server is None:
            server = await stack.enter_async_context(EmbeddedApiServer(seed=options.seed))
            logger.info("embedded API server on %s (no cluster configured)", server.url)
        api = await stack.enter_async_context(ApiClient(server.config))
        rng = random.Random(options.seed)
        scenario = await seed_scenario(api, rng)
        logger.info("seeded scenario: %s", scenario.describe())
        churn = ChurnSimulator(api, scenario, rng, interval=options.churn_interval)

        async def start_churn() -> None:
            await stack.enter_async_context(churn)
            logger.info("churn simulator started (seed %d, every ~%.1fs)",
                        options.seed, options.churn_interval)

        result = await run_detector(server.config, options, stop, on_synced=start_churn,
                                    churn_actions=lambda: dict(churn.actions))
        result.scenario = scenario
    # Leaving the stack stopped the churn, then closed the client, then the server (if ours).
    return result


async def run_detector(
    config: Config,
    options: RunOptions,
    stop: asyncio.Event,
    *,
    on_synced: Callable[[], Awaitable[None]] | None = None,
    churn_actions: Callable[[], dict[str, int]] | None = None,
) -> RunResult:
    """Run the detector's manager until ``stop``, ``options.duration`` or a fatal manager stop."""
    leader_election = None
    if options.leader_elect:
        leader_election = LeaderElectionConfig(
            name="pod-detector",
            namespace=options.lease_namespace or config.namespace or "default",
        )
    manager = Manager(
        config,
        metrics_port=options.metrics_port,
        metrics_host=options.metrics_host,
        leader_election=leader_election,
        shutdown_grace_period=options.shutdown_grace_period,
    )
    detector = PodDetector(options.settings, registry=manager.registry)
    detector.add_to(manager)
    scope = options.settings.scope
    logger.info(
        "watching pods and services in %s%s; grace period %gs, pending limit %gs, %d workers",
        ", ".join(scope.namespaces) or "all namespaces",
        f" with labels {scope.label_selector}" if scope.label_selector else "",
        options.settings.grace_period, options.settings.pending_limit, options.settings.workers,
    )
    started = time.monotonic()
    logger.info("starting informers, waiting for the caches to sync...")
    try:
        await manager.start()
    except CacheSyncTimeout as err:
        logger.error("%s", err)
        return RunResult(EXIT_FAILED)
    except MetricsPortError as err:
        logger.error("--metrics-port %d: %s", err.port, err)
        return RunResult(EXIT_CONFIG)
    logger.info("caches synced in %.2fs: %s", time.monotonic() - started,
                ", ".join(f"{k} {v} objects" for k, v in
                          cache_contents(manager.factory.informers).items()))
    if manager.metrics_port is not None:
        logger.info("metrics on http://%s:%d/metrics", options.metrics_host, manager.metrics_port)
    if leader_election is not None:
        logger.info("leader election on Lease %s/%s as %s", leader_election.namespace,
                    leader_election.name, leader_election.identity)
    exit_code = EXIT_OK
    try:
        if on_synced is not None:
            await on_synced()
        exit_code = await _wait(manager, detector, stop, options.duration, started)
    finally:
        cached = cache_contents(manager.factory.informers)
        await manager.shutdown()
    summary = Summary(time.monotonic() - started, cached, detector.stats,
                      churn_actions() if churn_actions else {})
    summary.log()
    return RunResult(exit_code, summary)


async def _wait(
    manager: Manager, detector: PodDetector, stop: asyncio.Event, duration: float | None,
    started: float,
) -> int:
    loop = asyncio.get_running_loop()
    deadline = None if duration is None else loop.time() + duration
    stop_wait = asyncio.ensure_future(stop.wait())
    manager_wait = asyncio.ensure_future(manager.wait_stopped())
    try:
        while True:
            timeout = HEARTBEAT_SECONDS
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - loop.time()))
            done, _ = await asyncio.wait(
                {stop_wait, manager_wait}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if stop_wait in done:
                return EXIT_OK
            if manager_wait in done:
                logger.error("the manager stopped on its own (leader election lost?)")
                return EXIT_FAILED
            if deadline is not None and loop.time() >= deadline:
                logger.info("--duration reached: stopping")
                return EXIT_OK
            stats = detector.stats
            logger.info("running %.0fs: %d events, %d reconciles, %d detections",
                        time.monotonic() - started, sum(stats.events.values()),
                        sum(stats.reconciles.values()), sum(stats.detections.values()))
    finally:
        for waiter in (stop_wait, manager_wait):
            waiter.cancel()
        await asyncio.wait({stop_wait, manager_wait})
