"""What pod-detector tells the operator: structured log lines, counters, per-Service gauges.

Log lines are logfmt (``event key=value ...``) so that log pipelines can parse them and humans can
read them; the same fields are attached as ``record.detection`` (a dict) for JSON formatters.
:class:`DetectorStats` are plain counters for the end-of-run summary; :class:`DetectorMetrics`
are the Prometheus series served on the manager's ``/metrics``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Gauge

from kubeflow_informer import FuncPredicate, Predicate

#: The logger of detections and recoveries (one line per transition, never per event).
detections_logger = logging.getLogger("examples.pod_detector.detections")


def _quote(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\\'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def logfmt(event: str, **fields: Any) -> str:
    """``event k=v k2="v 2"``: one logfmt line; ``None`` values are left out."""
    parts = [event]
    parts.extend(f"{k}={_quote(v)}" for k, v in fields.items() if v is not None)
    return " ".join(parts)


def log_transition(level: int, event: str, **fields: Any) -> None:
    """Log one transition as a structured line (also available as ``record.detection``)."""
    clean = {k: v for k, v in fields.items() if v is not None}
    detections_logger.log(level, logfmt(event, **clean), extra={"detection": {"event": event,
                                                                               **clean}})


@dataclass
class DetectorStats:
    """Counters for the summary. ``events``/``reconciles`` are keyed by resource plural."""

    events: Counter[str] = field(default_factory=Counter)
    reconciles: Counter[str] = field(default_factory=Counter)
    detections: Counter[str] = field(default_factory=Counter)
    recoveries: int = 0
    services_degraded: int = 0
    services_recovered: int = 0
    annotation_patches: int = 0

    def counting_predicate(self, resource: str) -> Predicate:
        """A predicate that passes every event and counts it under ``resource``."""

        def count(*_: Any) -> bool:
            self.events[resource] += 1
            return True

        return FuncPredicate(create=count, update=count, delete=count, generic=count)


class DetectorMetrics:
    """Per-Service gauges and a detections counter, registered on the manager's registry.

    Ordinary ``prometheus_client`` metrics: the application's own series and the framework's
    are served from the manager's one ``/metrics``.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("namespace", "service")
        self.selected = Gauge(
            "pod_detector_service_selected_pods", "Pods selected by the Service.", labels,
            registry=registry,
        )
        self.ready = Gauge(
            "pod_detector_service_ready_pods",
            "Pods selected by the Service that are Ready and serving.",
            labels,
            registry=registry,
        )
        self.unavailable = Gauge(
            "pod_detector_service_unavailable_pods",
            "Pods selected by the Service that pod-detector classifies as unavailable.",
            labels,
            registry=registry,
        )
        self.detections = prometheus_client.Counter(
            "pod_detector_detections_total",
            "Pod transitions to unavailable, by reason (Gone: deleted while selected).",
            ("reason",),
            registry=registry,
        )
        self.recoveries = prometheus_client.Counter(
            "pod_detector_recoveries_total", "Pod transitions from unavailable to healthy.",
            registry=registry,
        )

    def set_service(
        self, namespace: str, name: str, *, selected: int, ready: int, unavailable: int
    ) -> None:
        """Publish the current counts of one Service."""
        self.selected.labels(namespace, name).set(selected)
        self.ready.labels(namespace, name).set(ready)
        self.unavailable.labels(namespace, name).set(unavailable)

    def forget_service(self, namespace: str, name: str) -> None:
        """Drop a deleted Service's series."""
        for gauge in (self.selected, self.ready, self.unavailable):
            gauge.remove(namespace, name)
