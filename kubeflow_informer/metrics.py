"""Minimal Prometheus metric primitives and the text exposition format 0.0.4.

Why not ``prometheus_client``: the runtime dependencies are aiohttp, orjson and pyyaml only, and
what the workqueue, the reflector and the manager's ``/metrics`` need is small: counters, gauges
and histograms with labels, values computed at scrape time, and one text renderer.

Contract:

* There is no global registry: whoever serves ``/metrics`` owns a :class:`Registry` and hands it
  to the components that should report into it.
* ``Registry.counter / gauge / histogram`` register a family; registering a name twice raises
  ``ValueError``. A family with label names hands out children with ``.labels(*values)`` (cached:
  the same values give the same child); a family without labels has the child methods itself.
* ``inc`` / ``set`` / ``observe`` are a few attribute operations and take no lock: updates are
  meant to come from the event loop thread. Counters refuse negative increments.
* ``register_collector(fn)``: ``fn()`` returns :class:`MetricFamily` values read at scrape time.
* ``render()`` gives the text format: ``# HELP`` / ``# TYPE`` per family, histogram
  ``_bucket{le="..."}`` (cumulative, ending with ``+Inf``), ``_sum`` and ``_count``; label
  values escape ``\\``, ``"`` and newlines, help text escapes ``\\`` and newlines.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "Counter",
    "CounterChild",
    "Gauge",
    "GaugeChild",
    "Histogram",
    "HistogramChild",
    "MetricFamily",
    "Registry",
    "Sample",
    "exponential_buckets",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    """``count`` bucket bounds ``start * factor**i`` (as client_golang ``ExponentialBuckets``)."""
    if start <= 0 or factor <= 1 or count < 1:
        raise ValueError("exponential buckets need start > 0, factor > 1 and count >= 1")
    return tuple(start * factor**i for i in range(count))


class Sample(NamedTuple):
    """One exposition line: full sample name, labels, value."""

    name: str
    labels: Mapping[str, str]
    value: float


@dataclass
class MetricFamily:
    """A family of samples as a collector reports it; ``type`` is ``counter``, ``gauge``,
    ``histogram`` or ``untyped``."""

    name: str
    type: str
    help: str
    samples: list[Sample] = field(default_factory=list)


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _format_labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items()) + "}"


class CounterChild:
    """A monotonically increasing value."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (must not be negative)."""
        if amount < 0:
            raise ValueError("a counter can only increase")
        self.value += amount


class GaugeChild:
    """A value that goes up and down, or is computed at scrape time by ``set_function``."""

    __slots__ = ("_function", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self._function: Callable[[], float] | None = None

    def set(self, value: float) -> None:
        self.value = value

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.value -= amount

    def set_function(self, function: Callable[[], float] | None) -> None:
        """Compute the value by calling ``function`` at each scrape (``None`` reverts)."""
        self._function = function

    def get(self) -> float:
        """The current value (calls the scrape function if one is set)."""
        return float(self._function()) if self._function is not None else self.value


class HistogramChild:
    """Observations counted into fixed buckets, with their sum and count."""

    __slots__ = ("_bounds", "count", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last slot is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        """Record one observation."""
        self.counts[bisect_left(self._bounds, value)] += 1
        self.sum += value
        self.count += 1


ChildT = TypeVar("ChildT", CounterChild, GaugeChild, HistogramChild)


class _Family(Generic[ChildT]):
    type_name = "untyped"

    def __init__(self, name: str, help: str, labelnames: Sequence[str]) -> None:
        if not _NAME_RE.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        for label in labelnames:
            if not _LABEL_RE.match(label) or label.startswith("__"):
                raise ValueError(f"invalid label name {label!r} for metric {name!r}")
        self.name = name
        self.help = help
        self.labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], ChildT] = {}
        self._default: ChildT | None = None if self.labelnames else self._new_child()
        if self._default is not None:
            self._children[()] = self._default

    def _new_child(self) -> ChildT:
        raise NotImplementedError

    def labels(self, *values: str, **by_name: str) -> ChildT:
        """The child for these label values (positional, or all by name)."""
        if by_name:
            if values:
                raise ValueError("pass label values positionally or by name, not both")
            try:
                values = tuple(by_name[label] for label in self.labelnames)
            except KeyError as exc:
                raise ValueError(f"missing label {exc.args[0]!r} for {self.name!r}") from None
            if len(by_name) != len(self.labelnames):
                raise ValueError(f"unexpected labels for {self.name!r}")
        if len(values) != len(self.labelnames) or not self.labelnames:
            raise ValueError(f"{self.name!r} takes labels {self.labelnames!r}, got {values!r}")
        key = tuple(str(v) for v in values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._new_child()
        return child

    def remove(self, *values: str) -> None:
        """Forget the child with these label values (its series disappears)."""
        self._children.pop(tuple(str(v) for v in values), None)

    def _only(self) -> ChildT:
        if self._default is None:
            raise ValueError(f"{self.name!r} has labels {self.labelnames!r}; use .labels()")
        return self._default

    def _label_map(self, key: tuple[str, ...]) -> dict[str, str]:
        return dict(zip(self.labelnames, key, strict=True))

    def collect(self) -> MetricFamily:
        raise NotImplementedError


class Counter(_Family[CounterChild]):
    """A counter family; ``inc`` directly when it has no labels."""

    type_name = "counter"

    def _new_child(self) -> CounterChild:
        return CounterChild()

    def inc(self, amount: float = 1.0) -> None:
        self._only().inc(amount)

    def collect(self) -> MetricFamily:
        samples = [
            Sample(self.name, self._label_map(k), c.value) for k, c in self._children.items()
        ]
        return MetricFamily(self.name, self.type_name, self.help, samples)


class Gauge(_Family[GaugeChild]):
    """A gauge family; ``set`` / ``inc`` / ``dec`` / ``set_function`` directly without labels."""

    type_name = "gauge"

    def _new_child(self) -> GaugeChild:
        return GaugeChild()

    def set(self, value: float) -> None:
        self._only().set(value)

    def inc(self, amount: float = 1.0) -> None:
        self._only().inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        self._only().dec(amount)

    def set_function(self, function: Callable[[], float] | None) -> None:
        self._only().set_function(function)

    def collect(self) -> MetricFamily:
        samples = [
            Sample(self.name, self._label_map(k), c.get()) for k, c in self._children.items()
        ]
        return MetricFamily(self.name, self.type_name, self.help, samples)


class Histogram(_Family[HistogramChild]):
    """A histogram family; ``observe`` directly when it has no labels."""

    type_name = "histogram"

    def __init__(
        self,
        name: str,
        help: str,
        labelnames: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> None:
        bounds = tuple(float(b) for b in buckets if not math.isinf(b))
        if not bounds or list(bounds) != sorted(set(bounds)):
            raise ValueError(f"histogram {name!r} needs strictly increasing buckets")
        if "le" in labelnames:
            raise ValueError("'le' is reserved for histogram buckets")
        self.buckets = bounds
        super().__init__(name, help, labelnames)

    def _new_child(self) -> HistogramChild:
        return HistogramChild(self.buckets)

    def observe(self, value: float) -> None:
        self._only().observe(value)

    def collect(self) -> MetricFamily:
        samples: list[Sample] = []
        for key, child in self._children.items():
            labels = self._label_map(key)
            cumulative = 0
            for bound, count in zip((*self.buckets, math.inf), child.counts, strict=True):
                cumulative += count
                le = "+Inf" if math.isinf(bound) else _format_value(bound)
                samples.append(Sample(f"{self.name}_bucket", {**labels, "le": le}, cumulative))
            samples.append(Sample(f"{self.name}_sum", labels, child.sum))
            samples.append(Sample(f"{self.name}_count", labels, child.count))
        return MetricFamily(self.name, self.type_name, self.help, samples)


class Registry:
    """The set of metric families one ``/metrics`` endpoint exposes."""

    def __init__(self) -> None:
        self._families: dict[str, _Family[CounterChild] | _Family[GaugeChild] | Histogram] = {}
        self._collectors: list[Callable[[], Iterable[MetricFamily]]] = []

    def _register(self, family: _Family[ChildT]) -> None:
        if family.name in self._families:
            raise ValueError(f"metric {family.name!r} is already registered")
        self._families[family.name] = family  # type: ignore[assignment]

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter:
        """Register and return a counter family."""
        metric = Counter(name, help, labelnames)
        self._register(metric)
        return metric

    def gauge(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Gauge:
        """Register and return a gauge family."""
        metric = Gauge(name, help, labelnames)
        self._register(metric)
        return metric

    def histogram(
        self,
        name: str,
        help: str,
        labelnames: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        """Register and return a histogram family."""
        metric = Histogram(name, help, labelnames, buckets)
        self._register(metric)
        return metric

    def register_collector(self, collector: Callable[[], Iterable[MetricFamily]]) -> None:
        """Add a function called at every scrape for families whose values are read then."""
        self._collectors.append(collector)

    def unregister_collector(self, collector: Callable[[], Iterable[MetricFamily]]) -> None:
        """Remove a collector added with :meth:`register_collector` (no error if absent)."""
        if collector in self._collectors:
            self._collectors.remove(collector)

    def collect(self) -> list[MetricFamily]:
        """Every family's current samples: registered families first, then collectors'."""
        families = [family.collect() for family in self._families.values()]
        for collector in self._collectors:
            families.extend(collector())
        return families

    def render(self) -> str:
        """The text exposition format 0.0.4 (serve it with :data:`CONTENT_TYPE`)."""
        lines: list[str] = []
        for family in self.collect():
            lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {family.name} {family.type}")
            for sample in family.samples:
                labels = _format_labels(sample.labels)
                lines.append(f"{sample.name}{labels} {_format_value(sample.value)}")
        return "\n".join(lines) + "\n" if lines else ""
