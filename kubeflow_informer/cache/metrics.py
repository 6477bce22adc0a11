"""Prometheus metrics of informers and their reflectors, read at scrape time.

The one exporter of informer metrics: the reflector and the handlers keep plain counters (no cost
on the event path) and :func:`informer_metrics_collector` turns them into ``prometheus_client``
families, one series per informer (label ``name``, the informer's name, e.g.
``apps/v1/deployments@ns``), with client-go's ``reflector_`` names:

* counters ``reflector_lists_total``, ``reflector_list_pages_total``,
  ``reflector_watches_total``, ``reflector_watch_events_total`` (ADDED, MODIFIED and DELETED
  events applied), ``reflector_bookmarks_total``, ``reflector_errors_total`` (list or watch
  failures), ``reflector_relists_after_gone_total`` and ``informer_handler_errors_total``
  (exceptions raised by the informer's event handlers);
* gauges ``reflector_last_resource_version`` (when numeric, as etcd's are),
  ``informer_cache_objects``, ``informer_handler_pending`` (notifications buffered for the
  handlers) and ``informer_synced`` (0/1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from kubeflow_informer.cache.informer import SharedIndexInformer
from kubeflow_informer.metrics import ScrapeCollector

__all__ = ["collect_informer_metrics", "informer_metrics_collector"]

_REFLECTOR_COUNTERS = (
    ("lists", "reflector_lists", "Total number of LISTs made by the reflector"),
    ("list_pages", "reflector_list_pages", "Total number of LIST pages read by the reflector"),
    ("watches", "reflector_watches", "Total number of WATCHes opened by the reflector"),
    ("events", "reflector_watch_events", "Total number of watch events applied"),
    ("bookmarks", "reflector_bookmarks", "Total number of watch bookmarks received"),
    ("errors", "reflector_errors", "Total number of list and watch failures"),
    ("relists_after_gone", "reflector_relists_after_gone",
     "Total number of relists forced by 410 Gone / Expired"),
)


def collect_informer_metrics(informers: Iterable[SharedIndexInformer]) -> Iterator[Metric]:
    """The metric families of ``informers`` as they stand now."""
    informers = list(informers)
    label = ["name"]
    for attribute, name, documentation in _REFLECTOR_COUNTERS:
        counter = CounterMetricFamily(name, documentation, labels=label)
        for informer in informers:
            counter.add_metric([informer.name], getattr(informer.reflector.metrics, attribute))
        yield counter
    last_rv = GaugeMetricFamily(
        "reflector_last_resource_version", "The resourceVersion the reflector last synced to",
        labels=label,
    )
    objects = GaugeMetricFamily(
        "informer_cache_objects", "Objects in the informer's cache", labels=label
    )
    pending = GaugeMetricFamily(
        "informer_handler_pending", "Notifications buffered for the informer's handlers",
        labels=label,
    )
    synced = GaugeMetricFamily(
        "informer_synced", "1 once the informer's cache has synced", labels=label
    )
    errors = CounterMetricFamily(
        "informer_handler_errors", "Exceptions raised by the informer's event handlers",
        labels=label,
    )
    for informer in informers:
        values = [informer.name]
        rv = informer.last_sync_resource_version
        if rv.isdigit():
            last_rv.add_metric(values, float(rv))
        objects.add_metric(values, len(informer.indexer))
        pending.add_metric(values, informer.handler_pending)
        synced.add_metric(values, 1.0 if informer.has_synced else 0.0)
        errors.add_metric(values, informer.handler_errors)
    yield from (last_rv, objects, pending, synced, errors)


def informer_metrics_collector(
    informers: Callable[[], Iterable[SharedIndexInformer]],
) -> ScrapeCollector:
    """A collector reporting the informers ``informers()`` returns at each scrape; register it
    with ``registry.register(collector)``."""
    return ScrapeCollector(lambda: collect_informer_metrics(informers()), "informers")
