"""Reconcile metrics, named as controller-runtime names them so existing dashboards work.

* ``controller_runtime_reconcile_total{controller,result}`` - ``result`` is ``success``,
  ``error``, ``requeue`` or ``requeue_after``.
* ``controller_runtime_reconcile_errors_total{controller}`` - reconciles that raised (terminal
  errors included).
* ``controller_runtime_terminal_reconcile_errors_total{controller}`` - reconciles that raised
  :class:`~kubeflow_informer.controller.reconciler.TerminalError`.
* ``controller_runtime_reconcile_time_seconds{controller}`` - histogram of reconcile durations.
* ``controller_runtime_active_workers{controller}`` - workers inside ``reconcile`` right now.
* ``controller_runtime_max_concurrent_reconciles{controller}`` - configured worker count.

A registry can only hold one metric per name, so the set is created once per registry and shared
by every controller using it (:func:`reconcile_metrics`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubeflow_informer.metrics import Counter, Gauge, Histogram, MetricFamily, Registry, Sample

if TYPE_CHECKING:
    from kubeflow_informer.cache import SharedInformerFactory

#: controller-runtime's reconcile-time buckets: fine below a second, coarse up to a minute.
RECONCILE_TIME_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8,
    0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
    15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0,
)


@dataclass(frozen=True)
class ReconcileMetrics:
    """The reconcile metric families of one registry."""

    total: Counter
    errors: Counter
    terminal_errors: Counter
    time_seconds: Histogram
    active_workers: Gauge
    max_concurrent: Gauge


_BY_REGISTRY: weakref.WeakKeyDictionary[Registry, ReconcileMetrics] = (
    weakref.WeakKeyDictionary()
)


def reconcile_metrics(registry: Registry) -> ReconcileMetrics:
    """The reconcile metric families registered on ``registry`` (created on first use)."""
    existing = _BY_REGISTRY.get(registry)
    if existing is not None:
        return existing
    metrics = ReconcileMetrics(
        total=registry.counter(
            "controller_runtime_reconcile_total",
            "Total number of reconciliations per controller",
            ("controller", "result"),
        ),
        errors=registry.counter(
            "controller_runtime_reconcile_errors_total",
            "Total number of reconciliation errors per controller",
            ("controller",),
        ),
        terminal_errors=registry.counter(
            "controller_runtime_terminal_reconcile_errors_total",
            "Total number of terminal reconciliation errors per controller",
            ("controller",),
        ),
        time_seconds=registry.histogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            ("controller",),
            buckets=RECONCILE_TIME_BUCKETS,
        ),
        active_workers=registry.gauge(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller",
            ("controller",),
        ),
        max_concurrent=registry.gauge(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            ("controller",),
        ),
    )
    _BY_REGISTRY[registry] = metrics
    return metrics


class ControllerMetrics:
    """One controller's children of the reconcile families, looked up once (hot path)."""

    __slots__ = (
        "active",
        "errors",
        "terminal_errors",
        "time_seconds",
        "total_error",
        "total_requeue",
        "total_requeue_after",
        "total_success",
    )

    def __init__(self, registry: Registry, controller: str) -> None:
        families = reconcile_metrics(registry)
        self.active = families.active_workers.labels(controller)
        self.errors = families.errors.labels(controller)
        self.terminal_errors = families.terminal_errors.labels(controller)
        self.time_seconds = families.time_seconds.labels(controller)
        self.total_error = families.total.labels(controller, "error")
        self.total_requeue = families.total.labels(controller, "requeue")
        self.total_requeue_after = families.total.labels(controller, "requeue_after")
        self.total_success = families.total.labels(controller, "success")


_REFLECTOR_COUNTERS: tuple[tuple[str, str, str], ...] = (
    ("lists", "reflector_lists_total", "Total number of LISTs made by the reflector"),
    ("list_pages", "reflector_list_pages_total", "Total number of LIST pages read"),
    ("watches", "reflector_watches_total", "Total number of WATCHes opened by the reflector"),
    ("events", "reflector_watch_events_total", "Total number of watch events received"),
    ("bookmarks", "reflector_bookmarks_total", "Total number of watch bookmarks received"),
    ("errors", "reflector_errors_total", "Total number of list/watch errors"),
    (
        "relists_after_gone",
        "reflector_relists_after_gone_total",
        "Total number of relists forced by 410 Gone",
    ),
)


def informer_collector(factory: SharedInformerFactory) -> Callable[[], list[MetricFamily]]:
    """A registry collector exporting every informer's reflector counters and cache state.

    Families (label ``name`` is the informer's name, e.g. ``apps/v1/deployments@ns``):
    the ``reflector_*_total`` counters, ``informer_synced`` (1 once the cache has synced) and
    ``informer_cache_objects`` (objects in the cache). Read at scrape time, so it costs nothing
    on the event path.
    """

    def collect() -> list[MetricFamily]:
        informers = factory.informers
        families = []
        for attr, metric, help_text in _REFLECTOR_COUNTERS:
            family = MetricFamily(metric, "counter", help_text)
            for informer in informers:
                value = getattr(informer.reflector.metrics, attr, 0)
                family.samples.append(Sample(metric, {"name": informer.name}, float(value)))
            families.append(family)
        synced = MetricFamily("informer_synced", "gauge", "1 once the informer cache has synced")
        size = MetricFamily("informer_cache_objects", "gauge", "Objects in the informer cache")
        for informer in informers:
            labels = {"name": informer.name}
            synced.samples.append(Sample("informer_synced", labels, float(informer.has_synced)))
            size.samples.append(
                Sample("informer_cache_objects", labels, float(len(informer.indexer)))
            )
        families += [synced, size]
        return families

    return collect


__all__ = ["RECONCILE_TIME_BUCKETS", "ReconcileMetrics", "informer_collector", "reconcile_metrics"]
