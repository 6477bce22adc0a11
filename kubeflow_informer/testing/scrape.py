"""Read metrics the way Prometheus does: parse an exposition with ``prometheus_client.parser``.

``samples(source)`` takes the text a ``/metrics`` endpoint served, or a ``CollectorRegistry``
(rendered first), and returns every sample; ``metric_value(source, sample, **labels)`` finds one
sample by its full name (``workqueue_adds_total``, ``..._bucket``) and labels. Tests assert on
parsed values, never on substrings of the text, so a formatting detail (``1`` or ``1.0``, label
order) cannot break them.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from kubeflow_informer.metrics import CollectorRegistry, render

__all__ = ["metric_value", "samples"]


def samples(source: str | bytes | CollectorRegistry) -> list[Sample]:
    """Every sample of ``source`` (exposition text, or a registry to render)."""
    if isinstance(source, CollectorRegistry):
        source = render(source)
    text = source.decode() if isinstance(source, bytes) else source
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def metric_value(
    source: str | bytes | CollectorRegistry, sample: str, /, **labels: str
) -> float | None:
    """The value of the sample named ``sample`` whose labels include ``labels``; None if none.

    Raises :class:`AssertionError` if several samples match (add labels to pick one).
    """
    found = [s.value for s in samples(source)
             if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} samples of {sample} match {labels}: give more labels")
    return found[0] if found else None
