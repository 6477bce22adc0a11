"""The fault-injection convergence harness: a seeded workload, faults, then an audit at quiescence.

A :class:`Session` (one run of :func:`run_scenario` is a session with a single round; a soak is
one session with many rounds):

1. starts an :class:`EmbeddedApiServer` (seeded), creates a custom resource (``TFJob``) and a few
   namespaces;
2. starts a :class:`SharedInformerFactory` with pod and TFJob informers (small pages, short
   backoff, short inactivity timeout, so every fault is recovered from within a second), two
   auditing handlers per informer, and one :class:`Controller` per resource whose reconciler
   audits concurrency and what it read from the cache;
3. each round drives a seeded random workload (create / update / delete across namespaces)
   straight into the server's storage - writes never fail, so the only failures are the injected
   ones - while a :class:`FaultPlan` arms faults and may restart the server or compact its
   history; about 15 % of the keys are made to fail their next three reconciles;
4. disarms every fault and waits for quiescence, then audits:

   * every informer cache equals the server's objects (key -> resourceVersion);
   * every handler's last view of every key is the server's final state (or a delete);
   * no handler ever saw an older resourceVersion of a key after a newer one;
   * no key was ever reconciled by two workers at once;
   * every reconciler's last read of every key is the final state, and every key whose
     reconcile raised was retried until a reconcile succeeded;
5. stops everything and checks that no task started by the session is left.

The result is a :class:`RunReport`; ``divergences`` lists every audit failure (must be empty).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import (
    Backoff,
    DeletedFinalStateUnknown,
    Lister,
    ResourceEventHandler,
    SharedInformerFactory,
)
from kubeflow_informer.client import ApiClient
from kubeflow_informer.client.retry import RetryPolicy
from kubeflow_informer.controller import Controller, For, Reconciler, Request, Result
from kubeflow_informer.keys import object_key
from kubeflow_informer.workqueue import ItemExponentialFailureRateLimiter
from tests.reliability.plans import FaultPlan

NAMESPACES = ("team-a", "team-b", "team-c")
TFJOB_API = "kubeflow.org/v1"

TFJOB_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "tfjobs.kubeflow.org"},
    "spec": {
        "group": "kubeflow.org",
        "names": {"plural": "tfjobs", "singular": "tfjob", "kind": "TFJob"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object"}},
                "subresources": {"status": {}},
            }
        ],
    },
}

#: (group, plural) in storage, api_version for the client, kind.
RESOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("", "pods", "v1", "Pod"),
    ("kubeflow.org", "tfjobs", TFJOB_API, "TFJob"),
)


# -- auditing handler and reconciler ---------------------------------------------------------------


def _rv(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


class AuditingHandler(ResourceEventHandler):
    """Records, per key, the last (resourceVersion, deleted) seen and any resourceVersion
    regression. ``slow`` makes it async (yields on every event) to exercise buffering."""

    def __init__(self, name: str, *, slow: bool = False) -> None:
        self.name = name
        self.slow = slow
        self.last: dict[str, tuple[int, bool]] = {}
        self.regressions: list[str] = []
        self.events = 0

    def _see(self, key: str, rv: int, deleted: bool) -> None:
        self.events += 1
        previous = self.last.get(key)
        if previous is not None and rv < previous[0]:
            self.regressions.append(
                f"{self.name}: {key} went back from rv {previous[0]} to {rv}"
            )
        self.last[key] = (rv, deleted)

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> Any:
        self._see(object_key(obj), _rv(obj), False)
        return self._pause()

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> Any:
        self._see(object_key(new), _rv(new), False)
        return self._pause()

    def on_delete(self, obj: Any) -> Any:
        if isinstance(obj, DeletedFinalStateUnknown):
            rv = _rv(obj.obj) if obj.obj is not None else self.last.get(obj.key, (0, True))[0]
            self._see(obj.key, rv, True)
        else:
            self._see(object_key(obj), _rv(obj), True)
        return self._pause()

    def _pause(self) -> Awaitable[None] | None:
        return asyncio.sleep(0) if self.slow else None

    def live(self) -> dict[str, int]:
        """Keys whose last event was not a delete, with their resourceVersion."""
        return {key: rv for key, (rv, deleted) in self.last.items() if not deleted}


class AuditingReconciler(Reconciler):
    """Reads the cache like a real reconciler; records overlaps, reads and injected failures.

    ``failures`` maps a key to how many of its reconciles must raise before one succeeds.
    """

    def __init__(self, name: str, lister: Lister, failures: dict[str, int]) -> None:
        self.name = name
        self._lister = lister
        self.failures = failures
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []
        self.observed: dict[str, int | None] = {}
        self.reconciles = 0
        self.injected_failures = 0
        self.failing: set[str] = set()
        """Keys whose last reconcile raised: they must be retried until one succeeds."""

    async def reconcile(self, request: Request) -> Result | None:
        key = request.key
        if key in self.in_flight:
            self.overlaps.append(f"{self.name}: {key} reconciled by two workers at once")
        self.in_flight.add(key)
        try:
            self.reconciles += 1
            await asyncio.sleep(0)  # let other workers run while this key is held
            obj = self._lister.get(request.namespace, request.name)
            if self.failures.get(key, 0) > 0:
                self.failures[key] -= 1
                self.injected_failures += 1
                self.failing.add(key)
                raise RuntimeError(f"injected reconcile failure for {key}")
            self.observed[key] = _rv(obj) if obj is not None else None
            self.failing.discard(key)
            return None
        finally:
            self.in_flight.discard(key)


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run did and found."""

    scenario: str
    seed: int
    operations: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    handler_events: int = 0
    reconciles: int = 0
    injected_reconcile_failures: int = 0
    relists_after_gone: int = 0
    seconds: float = 0.0
    divergences: list[str] = field(default_factory=list)


def _pod(name: str, namespace: str, generation: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"gen": str(generation)}},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


def _tfjob(name: str, namespace: str, generation: int) -> dict[str, Any]:
    return {
        "apiVersion": TFJOB_API,
        "kind": "TFJob",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": generation},
    }


class Workload:
    """Seeded random create / update / delete operations applied to the server's storage."""

    def __init__(self, server: EmbeddedApiServer, rng: random.Random, names: int = 12) -> None:
        self._server = server
        self._rng = rng
        self.names = names
        self._infos = {}
        for group, plural, api_version, _kind in RESOURCES:
            info = server.registry.get(group, api_version.rpartition("/")[2], plural)
            assert info is not None, plural
            self._infos[plural] = info
        self.live: dict[tuple[str, str, str], int] = {}
        self.counts: Counter[str] = Counter()

    def step(self) -> None:
        plural = self._rng.choice(("pods", "tfjobs"))
        namespace = self._rng.choice(NAMESPACES)
        name = f"{plural[:-1]}-{self._rng.randrange(self.names)}"
        key = (plural, namespace, name)
        info = self._infos[plural]
        build = _pod if plural == "pods" else _tfjob
        storage = self._server.storage
        if key not in self.live:
            storage.create(info, build(name, namespace, 1), namespace=namespace)
            self.live[key] = 1
            self.counts["create"] += 1
        elif self._rng.random() < 0.7:
            self.live[key] += 1
            storage.update(info, build(name, namespace, self.live[key]),
                           namespace=namespace, name=name)
            self.counts["update"] += 1
        else:
            storage.delete(info, namespace, name)
            del self.live[key]
            self.counts["delete"] += 1


def _server_state(server: EmbeddedApiServer, group: str, plural: str) -> dict[str, int]:
    return {key: stored.rv for key, stored in server.storage.objects_of((group, plural)).items()}


def _diff(seen: dict[str, int], truth: dict[str, int]) -> str:
    missing = sorted(set(truth) - set(seen))
    extra = sorted(set(seen) - set(truth))
    stale = sorted(k for k in set(seen) & set(truth) if seen[k] != truth[k])
    return f"differs: missing={missing[:5]} extra={extra[:5]} stale={stale[:5]}"


class Session:
    """A long-lived server + client + informers + controllers, driven through rounds.

    :meth:`start` creates the custom resource, namespaces and an initial state, starts
    everything and waits for the caches; each :meth:`round` runs one fault plan over a seeded
    workload and audits at quiescence; :meth:`stop` stops everything and reports the tasks left.
    A soak runs many rounds in one session, as a controller runs for months against one cluster.
    """

    def __init__(self, seed: int, *, watch_list: bool = False, workers: int = 4,
                 quiescence_timeout: float = 30.0, manage_gc: bool = False) -> None:
        self.seed = seed
        self.manage_gc = manage_gc
        self.rng = random.Random(seed)
        self.watch_list = watch_list
        self.workers = workers
        self.quiescence_timeout = quiescence_timeout
        # A history window that fills within the soak's warm-up, so later memory is steady.
        self.server = EmbeddedApiServer(seed=seed, bookmark_interval=0.2, history_size=2000)
        self.handlers: dict[str, list[AuditingHandler]] = {}
        self.reconcilers: dict[str, AuditingReconciler] = {}
        self.controllers: dict[str, Controller] = {}
        self._api: ApiClient | None = None
        self._factory: SharedInformerFactory | None = None
        self._workload: Workload | None = None
        self._tasks_before: set[asyncio.Task[Any]] = set()

    @property
    def factory(self) -> SharedInformerFactory:
        assert self._factory is not None, "the session is not started"
        return self._factory

    async def start(self) -> list[str]:
        """Start everything; returns divergences (``caches never synced``) or ``[]``."""
        self._tasks_before = asyncio.all_tasks()
        server = self.server
        await server.start()
        crds = server.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        namespaces = server.registry.get("", "v1", "namespaces")
        assert crds is not None and namespaces is not None
        server.storage.create(crds, TFJOB_CRD, namespace=None)
        for namespace in NAMESPACES:
            server.storage.create(namespaces, {"metadata": {"name": namespace}}, namespace=None)
        self._workload = Workload(server, self.rng)
        for _ in range(20):  # an initial state, so the first list has several pages
            self._workload.step()
        retry = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)
        self._api = ApiClient(server.config, qps=0, retry=retry, timeout=5.0)
        factory = self._factory = SharedInformerFactory(
            self._api,
            page_size=5,
            use_watch_list=self.watch_list,
            manage_gc=self.manage_gc,
            min_watch_timeout=30.0,
            watch_inactivity_timeout=1.0,
            backoff=Backoff(0.01, 0.1, rng=random.Random(self.seed)),
        )
        for _group, plural, api_version, kind in RESOURCES:
            informer = factory.informer_for(api_version, plural)
            self.handlers[plural] = [
                AuditingHandler(f"{plural}/sync"),
                AuditingHandler(f"{plural}/async", slow=True),
            ]
            for handler in self.handlers[plural]:
                informer.add_event_handler(handler)
            self.reconcilers[plural] = AuditingReconciler(plural, informer.lister(), {})
            self.controllers[plural] = Controller(
                self.reconcilers[plural],
                for_=For(api_version, plural, kind=kind),
                max_concurrent_reconciles=self.workers,
                rate_limiter=ItemExponentialFailureRateLimiter(0.005, 0.2),
                name=plural,
            )
            self.controllers[plural].setup(factory)
        await factory.start()
        if not await factory.wait_for_cache_sync(self.quiescence_timeout):
            return ["caches never synced"]
        for controller in self.controllers.values():
            await controller.start()
        return []

    def _inject_reconcile_failures(self) -> None:
        """Make ~15 % of the keys fail their next three reconciles."""
        for plural, reconciler in self.reconcilers.items():
            for namespace in NAMESPACES:
                for index in range(self._names):
                    if self.rng.random() < 0.15:
                        reconciler.failures[f"{namespace}/{plural[:-1]}-{index}"] = 3

    @property
    def _names(self) -> int:
        assert self._workload is not None
        return self._workload.names

    async def round(self, plan: FaultPlan, operations: int = 300) -> RunReport:
        """Arm ``plan``, run the workload, disarm, wait for quiescence and audit."""
        assert self._workload is not None
        report = RunReport(plan.name, self.seed)
        started = time.perf_counter()
        counters = self._counters()
        server = self.server
        self._inject_reconcile_failures()
        plan.arm(server)
        for index in range(operations):
            waiting = plan.tick(server, index)
            if waiting is not None:
                await waiting
            self._workload.step()
            if index % 3 == 0:
                await asyncio.sleep(0.002)
        report.operations = operations
        report.faults = dict(server.faults.stats())
        server.faults.reset()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.quiescence_timeout
        divergences = self.audit()
        while divergences and loop.time() < deadline:
            await asyncio.sleep(0.05)
            divergences = self.audit()
        report.divergences.extend(divergences)
        for reconciler in self.reconcilers.values():
            report.divergences.extend(reconciler.overlaps)
            reconciler.overlaps.clear()
        for handlers in self.handlers.values():
            for handler in handlers:
                report.divergences.extend(handler.regressions)
                handler.regressions.clear()
        now = self._counters()
        report.handler_events = now[0] - counters[0]
        report.reconciles = now[1] - counters[1]
        report.injected_reconcile_failures = now[2] - counters[2]
        report.relists_after_gone = now[3] - counters[3]
        report.seconds = time.perf_counter() - started
        return report

    def _counters(self) -> tuple[int, int, int, int]:
        events = sum(h.events for hs in self.handlers.values() for h in hs)
        reconciles = sum(r.reconciles for r in self.reconcilers.values())
        failures = sum(r.injected_failures for r in self.reconcilers.values())
        relists = sum(i.reflector.metrics.relists_after_gone for i in self.factory.informers)
        return events, reconciles, failures, relists

    def audit(self) -> list[str]:
        """Every way the framework's view differs from the server's (empty at convergence)."""
        found: list[str] = []
        for group, plural, api_version, _kind in RESOURCES:
            truth = _server_state(self.server, group, plural)
            informer = self.factory.informer_for(api_version, plural)
            cached = {object_key(obj): _rv(obj) for obj in informer.indexer.list()}
            if cached != truth:
                found.append(f"{plural}: cache {_diff(cached, truth)}")
            for handler in self.handlers[plural]:
                live = handler.live()
                if live != truth:
                    found.append(f"{handler.name}: handler view {_diff(live, truth)}")
            reconciler = self.reconcilers[plural]
            observed = {k: rv for k, rv in reconciler.observed.items() if rv is not None}
            if observed != truth:
                found.append(f"{reconciler.name}: last reconciled state {_diff(observed, truth)}")
            if reconciler.failing:
                failing = sorted(reconciler.failing)[:5]
                found.append(f"{plural}: failing keys never retried to success: {failing}")
            queue = self.controllers[plural].queue
            if len(queue) or queue.waiting or reconciler.in_flight:
                found.append(f"{plural}: work still queued or in flight")
        return found

    async def stop(self) -> list[str]:
        """Stop controllers, informers, client and server; report tasks still running."""
        try:
            for controller in self.controllers.values():
                await controller.stop(grace_period=5.0)
            if self._factory is not None:
                await self._factory.stop()
            if self._api is not None:
                await self._api.close()
        finally:
            await self.server.stop()
        # Everything the session started must be gone now, without any extra waiting.
        leftover = asyncio.all_tasks() - self._tasks_before
        return [
            f"task left running after stop: {task.get_name()} ({task.get_coro()!r})"
            for task in leftover
        ]


async def run_scenario(plan: FaultPlan, seed: int, *, operations: int = 300) -> RunReport:
    """One session with one round of ``plan``, then stop: the unit of the convergence tests."""
    session = Session(seed, watch_list=plan.watch_list)
    try:
        failed = await session.start()
        if failed:
            report = RunReport(plan.name, seed)
            report.divergences.extend(failed)
            return report
        report = await session.round(plan, operations)
    finally:
        leftover = await session.stop()
    report.divergences.extend(leftover)
    return report


def summarize(reports: list[RunReport]) -> dict[str, Any]:
    """Totals over runs: runs, operations, faults by kind, divergences."""
    faults: Counter[str] = Counter()
    for report in reports:
        faults.update(report.faults)
    return {
        "runs": len(reports),
        "operations": sum(r.operations for r in reports),
        "handler_events": sum(r.handler_events for r in reports),
        "reconciles": sum(r.reconciles for r in reports),
        "injected_reconcile_failures": sum(r.injected_reconcile_failures for r in reports),
        "relists_after_gone": sum(r.relists_after_gone for r in reports),
        "faults": dict(sorted(faults.items())),
        "divergences": sum(len(r.divergences) for r in reports),
    }
