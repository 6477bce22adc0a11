"""Workqueue metrics with the client-go names, served from a ``prometheus_client`` registry.

The families (label ``name``, the queue's name):

* ``workqueue_depth`` - items waiting to be processed (queued, or re-added while processing);
* ``workqueue_adds_total`` - adds that were not deduplicated away;
* ``workqueue_queue_duration_seconds`` - histogram of the time from add to ``get``;
* ``workqueue_work_duration_seconds`` - histogram of the time from ``get`` to ``done``;
* ``workqueue_unfinished_work_seconds`` - seconds of work in progress not yet ``done``;
* ``workqueue_longest_running_processor_seconds`` - age of the oldest unfinished item;
* ``workqueue_retries_total`` - ``add_rate_limited`` calls.

The queue updates plain attributes of its :class:`QueueMetrics` (see
:mod:`kubeflow_informer.metrics` for why); one collector per registry turns every queue's into
families at scrape time. Depth and the two in-progress gauges are computed then too (client-go
refreshes them with a background ticker; reading them on scrape needs no task at all). Queues
without a registry never create a :class:`QueueMetrics`, so they pay nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from kubeflow_informer.metrics import (
    HistogramCell,
    PerRegistry,
    exponential_buckets,
    histogram_family,
)

__all__ = ["QueueMetrics", "WorkqueueMetrics"]

# client-go: prometheus.ExponentialBuckets(10e-9, 10, 10)
_DURATION_BUCKETS = exponential_buckets(10e-9, 10, 10)


class QueueMetrics:
    """The series of one queue (one ``name`` label value); called on the queue's hot path."""

    __slots__ = ("_add_times", "_clock", "_starts", "adds", "depth", "name", "queue_duration",
                 "retries", "work_duration")

    def __init__(self, name: str, depth: Callable[[], int]) -> None:
        self.name = name
        self.depth = depth
        self._clock = time.perf_counter
        self.adds = 0
        self.retries = 0
        self.queue_duration = HistogramCell(_DURATION_BUCKETS)
        self.work_duration = HistogramCell(_DURATION_BUCKETS)
        self._add_times: dict[Hashable, float] = {}
        self._starts: dict[Hashable, float] = {}

    def add(self, item: Hashable) -> None:
        self.adds += 1
        if item not in self._add_times:
            self._add_times[item] = self._clock()

    def get(self, item: Hashable) -> None:
        now = self._clock()
        started = self._add_times.pop(item, None)
        if started is not None:
            self.queue_duration.observe(now - started)
        self._starts[item] = now

    def done(self, item: Hashable) -> None:
        started = self._starts.pop(item, None)
        if started is not None:
            self.work_duration.observe(self._clock() - started)

    def retry(self) -> None:
        self.retries += 1

    def drop_pending(self) -> None:
        """Forget the add times of items that will never be handed out (the queue shut down)."""
        self._add_times.clear()

    @property
    def pending_add_times(self) -> int:
        """Items whose add time is remembered (queued and not yet handed out)."""
        return len(self._add_times)

    def unfinished_seconds(self) -> float:
        now = self._clock()
        return sum(now - started for started in self._starts.values())

    def longest_running_seconds(self) -> float:
        if not self._starts:
            return 0.0
        return self._clock() - min(self._starts.values())


class WorkqueueMetrics(PerRegistry):
    """The workqueue families of one registry: every queue reporting into it, by ``name``.

    Use :meth:`for_registry`: the collector is registered once per registry.
    """

    def __init__(self) -> None:
        self._queues: dict[str, QueueMetrics] = {}

    def for_queue(self, name: str, depth: Callable[[], int]) -> QueueMetrics:
        """The series of the queue ``name``; ``depth`` is read at scrape time. A later queue of
        the same name (a controller set up again) takes the series over."""
        metrics = self._queues[name] = QueueMetrics(name, depth)
        return metrics

    def collect(self) -> Iterator[Metric]:
        queues = list(self._queues.values())
        labels = ["name"]
        depth = GaugeMetricFamily("workqueue_depth", "Current depth of workqueue", labels=labels)
        adds = CounterMetricFamily(
            "workqueue_adds", "Total number of adds handled by workqueue", labels=labels
        )
        retries = CounterMetricFamily(
            "workqueue_retries", "Total number of retries handled by workqueue", labels=labels
        )
        unfinished = GaugeMetricFamily(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has done that is in progress and hasn't been observed by "
            "work_duration. Large values indicate stuck threads. One can deduce the number of "
            "stuck threads by observing the rate at which this increases.",
            labels=labels,
        )
        longest = GaugeMetricFamily(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            labels=labels,
        )
        for queue in queues:
            values = [queue.name]
            depth.add_metric(values, queue.depth())
            adds.add_metric(values, queue.adds)
            retries.add_metric(values, queue.retries)
            unfinished.add_metric(values, queue.unfinished_seconds())
            longest.add_metric(values, queue.longest_running_seconds())
        yield from (depth, adds)
        yield histogram_family(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested.",
            labels, (([q.name], q.queue_duration) for q in queues),
        )
        yield histogram_family(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes.",
            labels, (([q.name], q.work_duration) for q in queues),
        )
        yield from (unfinished, longest, retries)
