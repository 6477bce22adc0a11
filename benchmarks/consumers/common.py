"""What every consumer shares: its context, the change bookkeeping and the latency statistics.

A consumer function receives a :class:`ConsumerContext` and returns a flat dict of figures. The
conventions every consumer follows, so their figures compare:

* Watch ingest counts ``MODIFIED`` events of the benchmark pods from the first one received to
  the last (or until ``max_seconds`` of ingest have passed: the figure is then the rate over that
  window and ``capped`` is true). The driver emits only after the consumer said ``ready``.
* Initial sync times from the first request to "every pod is held in memory" (the consumer's own
  cache or list), and reports peak RSS plus the RSS kept per pod.
* Event to reconcile subtracts the driver's ``bench/stamp-ns`` (``time.monotonic_ns()`` taken just
  before the server-side write; CLOCK_MONOTONIC is system-wide on Linux) from the consumer's own
  clock when its handler or reconciler sees that version.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks import protocol


@dataclass
class ConsumerContext:
    """One consumer run: the scenario, its parameters and how to reach the server."""

    scenario: str
    params: dict[str, Any]
    url: str = ""
    token: str | None = None
    kubeconfig: str | None = None
    baseline_rss_mb: float = field(default=0.0)

    def ready(self, **info: Any) -> None:
        """Tell the harness the consumer is connected: the driver may start emitting now."""
        protocol.emit("ready", info)

    def mark_baseline(self) -> None:
        """Record the RSS before the measured work (imports and client setup excluded)."""
        self.baseline_rss_mb = protocol.current_rss_mb()

    def headers(self) -> dict[str, str]:
        """HTTP headers a raw consumer sends: the bearer token when the server wants one."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def change_sequence(obj: Mapping[str, Any]) -> int:
    """The driver's change number in this pod version, or -1 for an unchanged (seeded) pod.

    Numbers only grow over a driver's life; ``first_sequence`` in a run's parameters is the
    first number of that run.
    """
    annotations = obj.get("metadata", {}).get("annotations") or {}
    value = annotations.get("bench/seq")
    return int(value) if value is not None else -1


def change_stamp_ns(obj: Mapping[str, Any]) -> int | None:
    """The driver's monotonic timestamp of this version's write, when it carries one."""
    annotations = obj.get("metadata", {}).get("annotations") or {}
    value = annotations.get("bench/stamp-ns")
    return int(value) if value is not None else None


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (``fraction`` in 0..1)."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class IngestCounter:
    """Counts benchmark events and knows when a watch-ingest run is complete.

    Complete means ``events`` counted, or ``max_seconds`` elapsed since the first one. Events
    come one at a time (:meth:`tick`) or a chunk at a time (:meth:`add`). The clock starts at
    the first arrival, whose events are not counted in the rate (they arrived at the start
    instant): the rate is the events after the first arrival over the time from the first
    arrival to the last - "count - 1 intervals" for single events.
    """

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.target = int(params["events"])
        self.max_seconds = float(params.get("max_seconds") or 0.0)
        self.count = 0
        self.first_batch = 0
        self.first_ns = 0
        self.last_ns = 0
        self.capped = False

    def tick(self) -> bool:
        """Count one event; true when the run is complete."""
        return self.add(1)

    def add(self, events: int) -> bool:
        """Count the events of one chunk; true when the run is complete."""
        if not events:
            return False
        now = time.perf_counter_ns()
        if self.count == 0:
            self.first_ns = now
            self.first_batch = events
        self.count += events
        self.last_ns = now
        if self.count >= self.target:
            return True
        if self.max_seconds and now - self.first_ns >= self.max_seconds * 1e9:
            self.capped = True
            return True
        return False

    def result(self) -> dict[str, Any]:
        """The watch-ingest figures: events counted, seconds, events per second."""
        seconds = (self.last_ns - self.first_ns) / 1e9
        rate = (self.count - self.first_batch) / seconds if seconds > 0 else 0.0
        return {"events": self.count, "seconds": round(seconds, 4),
                "watch_events_per_s": round(rate, 1), "capped": self.capped}


class LatencyRecorder:
    """Collects event-to-reconcile samples and stops at the driver's last change.

    Changes numbered below ``warmup`` are not sampled: the first ones pay one-time costs
    (connection warm-up, first allocations) that are not the steady state being measured.
    A consumer that falls behind the change rate would take ever longer to drain; after
    ``max_seconds`` of sampling it stops and is flagged ``capped``: its figures are then lower
    bounds (the changes it never reached would have waited longer still).
    """

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.first_sequence = int(params.get("first_sequence", 0))
        self.last_sequence = self.first_sequence + int(params["changes"]) - 1
        self.warmup = self.first_sequence + int(params.get("warmup", 0))
        self.max_seconds = float(params.get("max_seconds") or 0.0)
        self.samples_ms: list[float] = []
        self.first_ns = 0
        self.done = False
        self.capped = False

    def observe(self, obj: Mapping[str, Any]) -> bool:
        """Sample one handled version; true once the last change has been seen (or capped)."""
        now = time.monotonic_ns()
        sequence = change_sequence(obj)
        if sequence < self.first_sequence:
            return self.done  # a version from before this run (an initial list's stale state)
        if not self.first_ns:
            self.first_ns = now
        stamp = change_stamp_ns(obj)
        if stamp is not None and sequence >= self.warmup:
            self.samples_ms.append((now - stamp) / 1e6)
        if sequence >= self.last_sequence:
            self.done = True
        elif self.max_seconds and now - self.first_ns >= self.max_seconds * 1e9:
            self.done = self.capped = True
        return self.done

    def result(self) -> dict[str, Any]:
        """p50 / p99 / max of the samples, in milliseconds."""
        ordered = sorted(self.samples_ms)
        return {
            "capped": self.capped,
            "samples": len(ordered),
            "event_to_reconcile_p50_ms": round(percentile(ordered, 0.50), 3),
            "event_to_reconcile_p99_ms": round(percentile(ordered, 0.99), 3),
            "event_to_reconcile_max_ms": round(ordered[-1], 3),
        }


def list_deadline(ctx: ConsumerContext) -> float:
    """``time.perf_counter()`` value after which a paging consumer stops (``inf``: never).

    Slow peers at large N would take minutes per run; with ``max_seconds`` set they stop paging
    there and their figures are projected linearly to N (see :func:`list_result`).
    """
    limit = float(ctx.params.get("max_seconds") or 0.0)
    return time.perf_counter() + limit if limit else float("inf")


def list_result(ctx: ConsumerContext, items: int, seconds: float) -> dict[str, Any]:
    """The initial-sync figures, with the RSS kept per object after the sync.

    When the consumer stopped early (``items`` below the ``pods`` asked for), the time and the
    peak RSS growth are projected linearly to all pods and the result is flagged ``projected``;
    ``items`` and ``measured_seconds`` say what was really done.
    """
    kept_mb = max(0.0, protocol.current_rss_mb() - ctx.baseline_rss_mb)
    peak = protocol.peak_rss_mb()
    wanted = int(ctx.params.get("pods") or items)
    result: dict[str, Any] = {
        "items": items,
        "list_sync_seconds": round(seconds, 4),
        "list_peak_rss_mb": round(peak, 1),
        "rss_baseline_mb": round(ctx.baseline_rss_mb, 1),
        "rss_after_sync_mb": round(protocol.current_rss_mb(), 1),
        "bytes_per_object": round(kept_mb * 1024 * 1024 / items) if items else 0,
    }
    if 0 < items < wanted:
        scale = wanted / items
        result.update(
            projected=True,
            capped=True,
            measured_seconds=round(seconds, 4),
            list_sync_seconds=round(seconds * scale, 4),
            list_peak_rss_mb=round(ctx.baseline_rss_mb + (peak - ctx.baseline_rss_mb) * scale, 1),
        )
    return result
