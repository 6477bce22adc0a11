"""Prometheus metrics of informers, read at scrape time (no cost on the event path).

The reflector and the handlers keep plain counters; :func:`register_informer_metrics` adds a
collector to a :class:`~kubeflow_informer.metrics.Registry` that turns them into families, one
sample per informer (label ``informer``, the informer's name):

* counters ``kubeflow_informer_reflector_{lists,list_pages,watches,watch_events,bookmarks,errors,
  relists_after_gone}_total`` and ``kubeflow_informer_handler_errors_total``;
* gauges ``kubeflow_informer_reflector_last_resource_version`` (when numeric, as etcd's are),
  ``kubeflow_informer_cache_objects``, ``kubeflow_informer_handler_pending`` (notifications
  buffered for the informer's handlers) and ``kubeflow_informer_synced`` (0/1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kubeflow_informer.cache.informer import SharedIndexInformer
from kubeflow_informer.metrics import MetricFamily, Registry, Sample

__all__ = ["collect_informer_metrics", "register_informer_metrics"]

_COUNTERS = (
    ("lists", "LIST requests completed or attempted by the reflector."),
    ("list_pages", "LIST pages received."),
    ("watches", "WATCH requests opened."),
    ("events", "Watch events applied (ADDED, MODIFIED, DELETED)."),
    ("bookmarks", "Watch bookmarks received."),
    ("errors", "List or watch failures."),
    ("relists_after_gone", "Relists caused by 410 Gone / Expired."),
)


def collect_informer_metrics(informers: Iterable[SharedIndexInformer]) -> list[MetricFamily]:
    """The metric families for ``informers`` as they stand now."""
    informers = list(informers)
    families: list[MetricFamily] = []
    for attribute, help_text in _COUNTERS:
        suffix = "watch_events" if attribute == "events" else attribute
        name = f"kubeflow_informer_reflector_{suffix}_total"
        family = MetricFamily(name, "counter", help_text)
        for informer in informers:
            value = getattr(informer.reflector.metrics, attribute)
            family.samples.append(Sample(name, {"informer": informer.name}, float(value)))
        families.append(family)

    def gauge(
        name: str, help_text: str, read: Callable[[SharedIndexInformer], float | None]
    ) -> None:
        family = MetricFamily(name, "gauge", help_text)
        for informer in informers:
            value = read(informer)
            if value is not None:
                family.samples.append(Sample(name, {"informer": informer.name}, value))
        families.append(family)

    def last_rv(informer: SharedIndexInformer) -> float | None:
        rv = informer.last_sync_resource_version
        return float(rv) if rv.isdigit() else None

    gauge("kubeflow_informer_reflector_last_resource_version",
          "The resourceVersion the reflector last synced to.", last_rv)
    gauge("kubeflow_informer_cache_objects", "Objects in the informer's cache.",
          lambda informer: float(len(informer.indexer)))
    gauge("kubeflow_informer_handler_pending", "Notifications buffered for the handlers.",
          lambda informer: float(informer.handler_pending))
    gauge("kubeflow_informer_synced", "1 once the informer's cache has synced.",
          lambda informer: 1.0 if informer.has_synced else 0.0)
    errors = MetricFamily("kubeflow_informer_handler_errors_total", "counter",
                          "Exceptions raised by event handlers.")
    for informer in informers:
        errors.samples.append(Sample(errors.name, {"informer": informer.name},
                                     float(informer.handler_errors)))
    families.append(errors)
    return families


def register_informer_metrics(
    registry: Registry, informers: Callable[[], Iterable[SharedIndexInformer]]
) -> Callable[[], list[MetricFamily]]:
    """Report the informers ``informers()`` returns at each scrape; returns the collector (for
    ``registry.unregister_collector``)."""

    def collector() -> list[MetricFamily]:
        return collect_informer_metrics(informers())

    registry.register_collector(collector)
    return collector
