"""Workqueue metrics with the client-go names, reported into a metrics ``Registry``.

The families (label ``name``, the queue's name):

* ``workqueue_depth`` - items waiting to be processed (queued, or re-added while processing);
* ``workqueue_adds_total`` - adds that were not deduplicated away;
* ``workqueue_queue_duration_seconds`` - histogram of the time from add to ``get``;
* ``workqueue_work_duration_seconds`` - histogram of the time from ``get`` to ``done``;
* ``workqueue_unfinished_work_seconds`` - seconds of work in progress not yet ``done``;
* ``workqueue_longest_running_processor_seconds`` - age of the oldest unfinished item;
* ``workqueue_retries_total`` - ``add_rate_limited`` calls.

Depth and the two in-progress gauges are computed at scrape time (client-go refreshes them with a
background ticker; reading them on scrape needs no task at all). Queues without a registry never
create a :class:`QueueMetrics`, so they pay nothing.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from kubeflow_informer.metrics import Registry, exponential_buckets

__all__ = ["QueueMetrics", "WorkqueueMetrics"]

# client-go: prometheus.ExponentialBuckets(10e-9, 10, 10)
_DURATION_BUCKETS = exponential_buckets(10e-9, 10, 10)


class QueueMetrics:
    """The children of one queue (one ``name`` label value); called on the queue's hot path."""

    __slots__ = ("_add_times", "_adds", "_clock", "_queue_duration", "_retries", "_starts", "_work")

    def __init__(self, families: WorkqueueMetrics, name: str, depth: Callable[[], int]) -> None:
        self._clock = time.perf_counter
        self._adds = families.adds.labels(name)
        self._queue_duration = families.queue_duration.labels(name)
        self._work = families.work_duration.labels(name)
        self._retries = families.retries.labels(name)
        self._add_times: dict[Hashable, float] = {}
        self._starts: dict[Hashable, float] = {}
        families.depth.labels(name).set_function(depth)
        families.unfinished.labels(name).set_function(self._unfinished_seconds)
        families.longest.labels(name).set_function(self._longest_seconds)

    def add(self, item: Hashable) -> None:
        self._adds.inc()
        if item not in self._add_times:
            self._add_times[item] = self._clock()

    def get(self, item: Hashable) -> None:
        now = self._clock()
        started = self._add_times.pop(item, None)
        if started is not None:
            self._queue_duration.observe(now - started)
        self._starts[item] = now

    def done(self, item: Hashable) -> None:
        started = self._starts.pop(item, None)
        if started is not None:
            self._work.observe(self._clock() - started)

    def retry(self) -> None:
        self._retries.inc()

    def forget_pending(self) -> None:
        """Drop add times of items that will never be handed out (shutdown)."""
        self._add_times.clear()

    def _unfinished_seconds(self) -> float:
        now = self._clock()
        return sum(now - started for started in self._starts.values())

    def _longest_seconds(self) -> float:
        if not self._starts:
            return 0.0
        return self._clock() - min(self._starts.values())


class WorkqueueMetrics:
    """The workqueue metric families of one registry.

    Use :meth:`for_registry`: families can be registered only once per registry, and every queue
    reporting into that registry shares them (distinguished by the ``name`` label).
    """

    _by_registry: weakref.WeakKeyDictionary[Registry, WorkqueueMetrics] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, registry: Registry) -> None:
        labels = ("name",)
        self.depth = registry.gauge("workqueue_depth", "Current depth of workqueue", labels)
        self.adds = registry.counter(
            "workqueue_adds_total", "Total number of adds handled by workqueue", labels
        )
        self.queue_duration = registry.histogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested.",
            labels,
            _DURATION_BUCKETS,
        )
        self.work_duration = registry.histogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes.",
            labels,
            _DURATION_BUCKETS,
        )
        self.unfinished = registry.gauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has done that is in progress and hasn't been observed by "
            "work_duration. Large values indicate stuck threads. One can deduce the number of "
            "stuck threads by observing the rate at which this increases.",
            labels,
        )
        self.longest = registry.gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            labels,
        )
        self.retries = registry.counter(
            "workqueue_retries_total", "Total number of retries handled by workqueue", labels
        )

    @classmethod
    def for_registry(cls, registry: Registry) -> WorkqueueMetrics:
        """The families of ``registry``, registering them on first use."""
        families = cls._by_registry.get(registry)
        if families is None:
            families = cls._by_registry[registry] = cls(registry)
        return families

    def for_queue(self, name: str, depth: Callable[[], int]) -> QueueMetrics:
        """The per-queue children; ``depth`` is read at scrape time."""
        return QueueMetrics(self, name, depth)

    def remove_queue(self, name: str) -> None:
        """Drop a queue's series (after it shut down for good)."""
        family: Any
        for family in (
            self.depth,
            self.adds,
            self.queue_duration,
            self.work_duration,
            self.unfinished,
            self.longest,
            self.retries,
        ):
            family.remove(name)
