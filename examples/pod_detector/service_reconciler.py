"""The service reconciler: each Service's readiness, as annotations, Events and gauges.

Level-triggered: from the cache alone it lists the Pods the Service selects, classifies each
(the same pure :func:`~examples.pod_detector.classify.classify` as the pod reconciler, at the
same settings) and computes

* ``pod-detector.kubeflow.org/ready``: ``"<serving>/<selected>"``, e.g. ``"2/3"``;
* ``pod-detector.kubeflow.org/unavailable``: the unavailable Pods' names, sorted, comma
  separated (``""`` when none).

The annotations are written with a JSON merge patch that touches only these two keys, and only
when they differ from what the Service carries, so a steady state costs no writes. The
annotations are also the Service's remembered state: *degraded* means a non-empty
``unavailable`` annotation, so the ``ServiceDegraded`` / ``ServiceRecovered`` transition Events
survive a restart of the detector without being repeated.

Our own patch reaches the cache a moment after the write. Until it does, the cached Service still
has the resourceVersion we patched, and the reconciler trusts what it wrote instead (compared by
resourceVersion equality only: resourceVersions are opaque strings and must not be ordered).
A Service without a selector selects nothing and is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from examples.pod_detector.classify import classify
from examples.pod_detector.pod_reconciler import utc_now
from examples.pod_detector.service_index import (
    SELECTOR_PAIR_INDEX,
    selector_pair_index,
    service_selector,
)
from examples.pod_detector.settings import DetectorSettings
from examples.pod_detector.telemetry import DetectorMetrics, DetectorStats, log_transition
from kubeflow_informer.cache import Lister
from kubeflow_informer.controller import Reconciler, Request, Result
from kubeflow_informer.errors import NotFound

ANNOTATION_PREFIX = "pod-detector.kubeflow.org/"
READY_ANNOTATION = ANNOTATION_PREFIX + "ready"
UNAVAILABLE_ANNOTATION = ANNOTATION_PREFIX + "unavailable"

SERVICE_DEGRADED = "ServiceDegraded"
SERVICE_RECOVERED = "ServiceRecovered"

SERVICE_INDEXERS = {SELECTOR_PAIR_INDEX: selector_pair_index}


@dataclass(frozen=True, slots=True)
class _Written:
    """The annotations after our patch, and the resourceVersion the Service had before it."""

    annotations: dict[str, str]
    resource_version_before: str


@dataclass(frozen=True, slots=True)
class ServiceReadiness:
    """The computed state of one Service."""

    selected: int
    ready: int
    unavailable: dict[str, str]  # pod name -> reason

    @property
    def annotations(self) -> dict[str, str]:
        """The annotations that describe this state."""
        return {
            READY_ANNOTATION: f"{self.ready}/{self.selected}",
            UNAVAILABLE_ANNOTATION: ",".join(sorted(self.unavailable)),
        }


class ServiceReconciler(Reconciler):
    """Keeps each Service's annotations, Events and gauges current; see the module docstring."""

    def __init__(
        self,
        settings: DetectorSettings,
        stats: DetectorStats,
        metrics: DetectorMetrics,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.stats = stats
        self.metrics = metrics
        self.clock = clock
        self._written: dict[str, _Written] = {}

    def services_lister(self, namespace: str) -> Lister | None:
        """The Services lister covering ``namespace`` (with the selector index registered)."""
        return self.settings.scope.lister(
            self, "v1", "services", namespace, indexers=SERVICE_INDEXERS
        )

    def readiness(self, namespace: str, selector: dict[str, str]) -> ServiceReadiness:
        """Classify the cached Pods of ``namespace`` matching ``selector``."""
        lister = self.settings.scope.lister(self, "v1", "pods", namespace)
        pods = lister.list(namespace, selector) if lister is not None else []
        now = self.clock()
        ready = 0
        unavailable: dict[str, str] = {}
        for pod in pods:
            health = classify(
                pod,
                now,
                grace_period=self.settings.grace_period,
                pending_limit=self.settings.pending_limit,
            )
            if health.serving:
                ready += 1
            if not health.healthy:
                unavailable[pod["metadata"]["name"]] = health.reason
        return ServiceReadiness(len(pods), ready, unavailable)

    def _current_annotations(self, key: str, service: dict[str, Any]) -> dict[str, str]:
        meta = service["metadata"]
        written = self._written.get(key)
        if written is not None and meta.get("resourceVersion") == written.resource_version_before:
            return written.annotations  # the cache has not seen our patch yet
        return dict(meta.get("annotations") or {})

    async def reconcile(self, request: Request) -> Result | None:
        """Recompute the Service's readiness; patch, report and publish what changed."""
        self.stats.reconciles["services"] += 1
        namespace, name = request.namespace or "", request.name
        lister = self.services_lister(namespace)
        service = lister.get(namespace, name) if lister is not None else None
        selector = service_selector(service) if service is not None else {}
        if service is None or not selector:
            self._written.pop(request.key, None)
            self.metrics.forget_service(namespace, name)
            return None

        state = self.readiness(namespace, selector)
        desired = state.annotations
        current = self._current_annotations(request.key, service)
        was_degraded = bool(current.get(UNAVAILABLE_ANNOTATION))
        if any(current.get(k) != v for k, v in desired.items()):
            try:
                await self.client.resource("v1", "services").patch(
                    name,
                    {"metadata": {"annotations": desired}},
                    namespace=namespace,
                    patch_type="merge",
                )
            except NotFound:
                return None  # deleted meanwhile: the delete event brings us back
            self._written[request.key] = _Written(
                {**current, **desired}, str(service["metadata"].get("resourceVersion", ""))
            )
            self.stats.annotation_patches += 1

        self.metrics.set_service(
            namespace, name,
            selected=state.selected, ready=state.ready, unavailable=len(state.unavailable),
        )
        degraded = bool(state.unavailable)
        if degraded != was_degraded:
            self._report(service, state, degraded)
        return None

    def _report(self, service: dict[str, Any], state: ServiceReadiness, degraded: bool) -> None:
        meta = service["metadata"]
        key = f"{meta.get('namespace')}/{meta['name']}"
        ready = f"{state.ready}/{state.selected}"
        if degraded:
            self.stats.services_degraded += 1
            pods = ", ".join(f"{n} ({r})" for n, r in sorted(state.unavailable.items()))
            log_transition(
                logging.WARNING, "service-degraded", service=key, ready=ready,
                unavailable=",".join(sorted(state.unavailable)),
            )
            self.recorder.event(
                service, "Warning", SERVICE_DEGRADED,
                f"{ready} pods ready; unavailable: {pods}", api_version="v1", kind="Service",
            )
        else:
            self.stats.services_recovered += 1
            log_transition(logging.INFO, "service-recovered", service=key, ready=ready)
            self.recorder.event(
                service, "Normal", SERVICE_RECOVERED,
                f"no unavailable pods; {ready} pods ready", api_version="v1", kind="Service",
            )
