"""``PodDetector``: the two controllers of pod-detector, wired the way a user wires controllers.

* **pods** - ``For`` Pods (one informer per watched namespace: the others are ``Watches``
  mapping a Pod to itself) -> :class:`~examples.pod_detector.pod_reconciler.PodReconciler`.
* **services** - ``For`` Services -> :class:`~examples.pod_detector.service_reconciler.
  ServiceReconciler`, plus ``Watches`` on Pods mapping a Pod to the Services selecting it
  (through the selector index, :mod:`examples.pod_detector.service_index`). That watch only
  passes creates, deletes and label changes (``LabelChangedPredicate``): those change *which*
  Pods a Service selects. Changes of a Pod's *health* reach the Services through the pod
  reconciler, which enqueues them only when a verdict changes - including when a time limit
  runs out with no event at all.

Both controllers share the manager's informers (one Pods informer and one Services informer per
namespace scope), its client and its ``/metrics`` registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry

from examples.pod_detector.pod_reconciler import PodReconciler, utc_now
from examples.pod_detector.service_index import ServiceIndex
from examples.pod_detector.service_reconciler import ServiceReconciler
from examples.pod_detector.settings import DetectorSettings
from examples.pod_detector.telemetry import DetectorMetrics, DetectorStats
from kubeflow_informer.controller import Controller, LabelChangedPredicate, Manager, Request

POD_CONTROLLER = "pod-detector-pods"
SERVICE_CONTROLLER = "pod-detector-services"


class PodDetector:
    """Builds the controllers; :meth:`add_to` adds them to a :class:`Manager` before it starts.

    ``registry`` is the manager's metrics registry (the per-Service gauges are served with the
    framework's metrics). ``clock`` is passed to both reconcilers.
    """

    def __init__(
        self,
        settings: DetectorSettings,
        *,
        registry: CollectorRegistry,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.stats = DetectorStats()
        self.metrics = DetectorMetrics(registry)
        scope = settings.scope
        self.service_reconciler = ServiceReconciler(
            settings, self.stats, self.metrics, clock=clock
        )
        self.index = ServiceIndex(self.service_reconciler.services_lister)
        service_for, service_watches = scope.primary(
            "v1", "services", [self.stats.counting_predicate("services")]
        )
        pod_membership = scope.watches(
            "v1", "pods", self._services_selecting, [LabelChangedPredicate()]
        )
        self.service_controller = Controller(
            self.service_reconciler,
            for_=service_for,
            watches=[*service_watches, *pod_membership],
            max_concurrent_reconciles=settings.workers,
            name=SERVICE_CONTROLLER,
        )
        self.pod_reconciler = PodReconciler(
            settings,
            self.index,
            self.service_controller.enqueue,
            self.stats,
            self.metrics,
            clock=clock,
        )
        pod_for, pod_watches = scope.primary(
            "v1", "pods", [self.stats.counting_predicate("pods")]
        )
        self.pod_controller = Controller(
            self.pod_reconciler,
            for_=pod_for,
            watches=pod_watches,
            max_concurrent_reconciles=settings.workers,
            name=POD_CONTROLLER,
        )

    def __repr__(self) -> str:
        return f"PodDetector(scope={self.settings.scope!r}, stats={self.stats!r})"

    @property
    def controllers(self) -> list[Controller]:
        """Both controllers, pods first."""
        return [self.pod_controller, self.service_controller]

    def add_to(self, manager: Manager) -> None:
        """Add both controllers to ``manager`` (before it starts)."""
        for controller in self.controllers:
            manager.add(controller)

    def _services_selecting(self, pod: Mapping[str, Any]) -> list[Request]:
        return [Request.for_object(s) for s in self.index.services_for_pod(pod)]
