"""Prometheus metrics on ``prometheus_client``: one registry, our families, the app's families.

Whoever serves ``/metrics`` owns a ``prometheus_client.CollectorRegistry`` (the
:class:`~kubeflow_informer.controller.Manager` makes one, or takes the application's, e.g.
``prometheus_client.REGISTRY``) and hands it to the components that report into it. An
application registers its own metrics on the same registry, so one endpoint serves both, in the
format ``prometheus_client`` writes (:func:`render`).

Our metric families (workqueue, reflector, informer, reconcile, leader election) carry the names
and labels of client-go and controller-runtime. Their values are kept in plain attributes
updated on the event loop - a counter is an integer increment, a histogram a bisect - and turned
into ``prometheus_client`` families by a collector at scrape time. Why not ``prometheus_client``'s
``Counter`` and ``Histogram`` objects on the hot path: each update takes a lock and goes through
a value object (measured here: 1.5 us per ``inc`` and 4.5 us per ``observe``, against 0.24 and
0.6 us for the plain cells), and a workqueue cycle costs about 2.5 us in all.

Nothing here registers into ``prometheus_client``'s global registry unless the application passes
it: two managers in one process (tests) never collide.
"""

from __future__ import annotations

import math
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Self

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = [
    "CONTENT_TYPE",
    "CollectorRegistry",
    "HistogramCell",
    "PerRegistry",
    "ScrapeCollector",
    "exponential_buckets",
    "histogram_family",
    "render",
]

#: The content type of :func:`render`'s output (the text exposition format).
CONTENT_TYPE = CONTENT_TYPE_LATEST


def render(registry: CollectorRegistry) -> bytes:
    """Every family of ``registry`` in the Prometheus text exposition format."""
    return generate_latest(registry)


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    """``count`` bucket bounds ``start * factor**i`` (as client_golang ``ExponentialBuckets``)."""
    if start <= 0 or factor <= 1 or count < 1:
        raise ValueError("exponential buckets need start > 0, factor > 1 and count >= 1")
    return tuple(start * factor**i for i in range(count))


class HistogramCell:
    """One histogram series: observations counted into fixed buckets, their sum and count."""

    __slots__ = ("bounds", "count", "counts", "sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        finite = tuple(float(b) for b in bounds if not math.isinf(b))
        if not finite or list(finite) != sorted(set(finite)):
            raise ValueError("a histogram needs strictly increasing bucket bounds")
        self.bounds = finite
        self.counts = [0] * (len(finite) + 1)  # the last slot is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        """Record one observation (bucket ``le`` bounds are inclusive)."""
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, float]]:
        """``(le, cumulative count)`` pairs ending with ``+Inf``, as ``prometheus_client`` wants."""
        pairs = []
        running = 0
        for bound, count in zip((*self.bounds, math.inf), self.counts, strict=True):
            running += count
            pairs.append(("+Inf" if math.isinf(bound) else repr(bound), float(running)))
        return pairs


def histogram_family(
    name: str, documentation: str, labelnames: Sequence[str],
    cells: Iterable[tuple[Sequence[str], HistogramCell]],
) -> HistogramMetricFamily:
    """A histogram family with one series per ``(label values, cell)``."""
    family = HistogramMetricFamily(name, documentation, labels=list(labelnames))
    for values, cell in cells:
        family.add_metric(list(values), cell.cumulative(), sum_value=cell.sum)
    return family


class ScrapeCollector(Collector):
    """A ``prometheus_client`` collector calling ``collect`` at every scrape.

    Register it with ``registry.register(...)`` and remove it with ``registry.unregister(...)``.
    """

    def __init__(self, collect: Callable[[], Iterable[Metric]], name: str) -> None:
        self._collect = collect
        self.name = name

    def __repr__(self) -> str:
        return f"ScrapeCollector({self.name!r})"

    def collect(self) -> Iterable[Metric]:
        return list(self._collect())


class PerRegistry:
    """Base of a set of families that exists once per registry (a name registers only once).

    A subclass implements ``collect``; :meth:`for_registry` creates the set and registers its
    collector on first use, then hands the same set to every later caller of that registry.
    """

    _instances: ClassVar[weakref.WeakKeyDictionary[CollectorRegistry, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._instances = weakref.WeakKeyDictionary()

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> Self:
        """The set of ``registry``, created and registered on first use."""
        instance: Self | None = cls._instances.get(registry)
        if instance is None:
            instance = cls._instances[registry] = cls()
            registry.register(ScrapeCollector(instance.collect, cls.__name__))
        return instance

    def collect(self) -> Iterable[Metric]:
        raise NotImplementedError
