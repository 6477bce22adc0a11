"""The scenario registry: what each scenario measures, with which consumers, at which sizes.

A scenario has a kind (how it is run, see :mod:`benchmarks.execute`), parameters handed to
every consumer, the consumers that take part and the metrics it reports (the first one is the
primary figure). :func:`plan` gives the full, the ``--quick`` or the ``--smoke`` list.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

PEERS = ("kubernetes_asyncio", "kubernetes", "kopf")
WATCHERS = ("floor", "kubeflow_informer", *PEERS)
INGESTERS = ("floor", "raw_lines", "kubeflow_informer", "kubeflow_informer+gc", *PEERS)
"""Readers of a watch backlog: the watchers and ``raw_lines``, whose backlog rate is how fast
the server streams changes it already holds (the server only sends while it drains)."""
LISTERS = ("floor", "kubeflow_informer", "kubeflow_informer+gc", "kubeflow_informer+strip",
           "kubeflow_informer+lean", *PEERS)
QUEUES = ("floor", "kubeflow_informer")
STREAM_READERS = ("floor", "raw_lines")
"""Readers of the server's live stream: the floor (a client) and ``raw_lines`` (the server's
own capacity; the floor's decoding alone is CPU-bound below it on slow machines)."""

HIGHER_IS_BETTER = {
    "watch_events_per_s": True,
    "workqueue_cycles_per_s": True,
    "list_sync_seconds": False,
    "list_peak_rss_mb": False,
    "bytes_per_object": False,
    "event_to_reconcile_p50_ms": False,
    "event_to_reconcile_p99_ms": False,
}
"""Every metric that gets ratios, and which direction is better."""


@dataclass(frozen=True)
class Scenario:
    """One measured situation; ``params`` go to every consumer unchanged."""

    id: str
    kind: str
    title: str
    params: dict[str, Any]
    consumers: tuple[str, ...]
    metrics: tuple[str, ...]
    timeout: float
    """Seconds one consumer run may take before it is killed and reported failed."""
    driver: dict[str, Any] = field(default_factory=dict)
    """What the driver does: ``seed`` pods; for watch kinds ``emit`` changes (and at what rate)."""
    peer_runs: int | None = None
    """Runs for the peers when fewer than the plan's (large lists: minutes per peer run)."""


@dataclass(frozen=True)
class Plan:
    """The scenarios of one harness invocation and how many runs each gets."""

    mode: str
    runs: int
    scenarios: tuple[Scenario, ...]


def _watch_ingest(events: int, pods: int, max_seconds: float, timeout: float) -> Scenario:
    """``max_seconds`` caps the peers only (see :mod:`benchmarks.execute`)."""
    return Scenario(
        id="watch_ingest", kind="watch_ingest",
        title=f"Watch ingest: {events:,} MODIFIED events of ~4 KB pods ({pods:,} pods)",
        params={"events": events, "pods": pods, "max_seconds": max_seconds},
        consumers=INGESTERS, metrics=("watch_events_per_s", "peak_rss_mb"), timeout=timeout,
        driver={"seed": pods, "emit": {"events": events, "pods": pods, "rate": None}})


def _server_stream(events: int, pods: int, timeout: float) -> Scenario:
    return Scenario(
        id="server_stream", kind="server_stream",
        title=f"Server live watch stream: {events:,} changes written as fast as possible, "
              "read as they come by the floor and by a raw line counter",
        params={"events": events, "pods": pods, "max_seconds": 0},
        consumers=STREAM_READERS, metrics=("watch_events_per_s",), timeout=timeout,
        driver={"seed": pods, "emit": {"events": events, "pods": pods, "rate": None}})


def _list_sync(pods: int, timeout: float, max_seconds: float = 0.0,
               peer_runs: int | None = None) -> Scenario:
    return Scenario(
        id=f"list_sync_{pods}", kind="list_sync",
        title=f"Initial sync of {pods:,} pods (limit=500 pages)",
        params={"pods": pods, "limit": 500, "max_seconds": max_seconds},
        consumers=LISTERS, metrics=("list_sync_seconds", "list_peak_rss_mb", "bytes_per_object"),
        timeout=timeout, driver={"seed": pods}, peer_runs=peer_runs)


def _workqueue(items: int, workers: int, duplicate_share: float) -> Scenario:
    distinct = max(1, int(items * (1.0 - duplicate_share)))
    label = "single worker, distinct keys" if workers == 1 else (
        f"{workers} workers, {duplicate_share:.0%} duplicate keys")
    return Scenario(
        id="workqueue_single" if workers == 1 else f"workqueue_{workers}_workers_dup",
        kind="workqueue", title=f"Workqueue add/get/done: {items:,} adds, {label}",
        params={"items": items, "distinct": distinct, "workers": workers, "batch": 1000},
        consumers=QUEUES, metrics=("workqueue_cycles_per_s",), timeout=120.0)


def _latency(rate: int, seconds: float, pods: int, max_seconds: float,
             timeout: float) -> Scenario:
    changes = int(rate * seconds)
    return Scenario(
        id=f"latency_{rate}_per_s", kind="latency",
        title=f"Event to reconcile at {rate:,} changes/s ({changes:,} changes over {pods:,} pods)",
        params={"changes": changes, "pods": pods, "warmup": changes // 20,
                "max_seconds": max_seconds},
        consumers=WATCHERS,
        metrics=("event_to_reconcile_p50_ms", "event_to_reconcile_p99_ms", "peak_rss_mb"),
        timeout=timeout,
        driver={"seed": pods, "emit": {"events": changes, "pods": pods, "rate": rate}})


def _smoke() -> tuple[Scenario, ...]:
    """Tiny sizes and cheap consumers: the harness's own tests check the plumbing with it."""
    cheap = ("floor", "raw_lines", "kubeflow_informer", "kubernetes")
    return tuple(dataclasses.replace(s, consumers=tuple(c for c in s.consumers if c in cheap))
                 for s in (
        _watch_ingest(300, 50, max_seconds=5.0, timeout=60.0),
        _server_stream(300, 50, timeout=60.0),
        _list_sync(300, timeout=60.0),
        _list_sync(600, timeout=60.0),
        _workqueue(2_000, 1, 0.0),
        _workqueue(2_000, 10, 0.9),
        dataclasses.replace(_latency(1_000, 0.2, 50, max_seconds=5.0, timeout=60.0),
                            consumers=("floor", "kubeflow_informer")),
    ))


def plan(mode: str = "full", runs: int | None = None) -> Plan:
    """The ``full`` plan (three runs, the issue's sizes), the ``quick`` one (one run, small, under
    two minutes) or the ``smoke`` one (one run, tiny, for the harness's tests)."""
    if mode == "smoke":
        return Plan("smoke", runs or 1, _smoke())
    if mode == "quick":
        return Plan("quick", runs or 1, (
            _watch_ingest(20_000, 1_000, max_seconds=3.0, timeout=60.0),
            _server_stream(20_000, 1_000, timeout=60.0),
            _list_sync(5_000, timeout=60.0, max_seconds=8.0),
            _workqueue(50_000, 1, 0.0),
            _workqueue(50_000, 10, 0.9),
            _latency(1_000, 1.5, 1_000, max_seconds=3.0, timeout=60.0),
            _latency(10_000, 0.5, 1_000, max_seconds=3.0, timeout=60.0),
        ))
    if mode != "full":
        raise ValueError(f"unknown plan {mode!r}")
    return Plan("full", runs or 3, (
        _watch_ingest(100_000, 1_000, max_seconds=5.0, timeout=180.0),
        _server_stream(100_000, 1_000, timeout=120.0),
        _list_sync(10_000, timeout=120.0, max_seconds=8.0),
        _list_sync(50_000, timeout=180.0, max_seconds=30.0, peer_runs=1),
        _list_sync(100_000, timeout=240.0, max_seconds=30.0, peer_runs=1),
        _workqueue(500_000, 1, 0.0),
        _workqueue(500_000, 10, 0.9),
        _latency(1_000, 4.0, 1_000, max_seconds=5.0, timeout=90.0),
        _latency(10_000, 1.5, 1_000, max_seconds=5.0, timeout=90.0),
    ))
