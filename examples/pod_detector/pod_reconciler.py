"""The pod reconciler: classify each Pod, act only on transitions, recheck when a limit runs out.

Level-triggered like every reconciler: it reads the Pod from the cache and classifies it now; the
only memory it keeps is the last verdict per Pod (and the Pod's labels, so that a deleted Pod's
Services can still be found). A *transition* is a change of verdict reason (``Healthy`` ->
``CrashLoopBackOff``, ``NotReady`` -> ``OOMKilled``, ...), or the Pod vanishing from the cache
while a Service selects it (``Gone``). On a transition it writes one structured log line and one
core/v1 Event on the Pod (Warning ``PodUnavailable`` with the reason, or Normal
``PodRecovered``); whenever the verdict's reason or its ``serving`` flag changes, it enqueues the
Services selecting the Pod, whose reconciler recomputes their counts. Nothing happens on events
that do not change the verdict, so a chatty kubelet costs one classification per event.

Time limits (the not-Ready grace period, the Pending limit) run out without any event, so a
verdict that may change on its own (``PodHealth.recheck_after``) is rechecked with
``Result(requeue_after=...)`` instead of polling.

A Pod first seen unavailable (at start-up, or created broken) is reported once: after a restart
of the detector, Pods still broken are reported again, as the verdicts are not persisted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from examples.pod_detector.classify import GONE, PodHealth, classify
from examples.pod_detector.service_index import ServiceIndex
from examples.pod_detector.settings import DetectorSettings
from examples.pod_detector.telemetry import DetectorMetrics, DetectorStats, log_transition
from kubeflow_informer.controller import Reconciler, Request, Result
from kubeflow_informer.keys import make_key

#: Added to ``recheck_after`` so the recheck lands after the limit, not on it (timestamps in the
#: API have one-second resolution).
RECHECK_SLACK = 0.25

POD_UNAVAILABLE = "PodUnavailable"
POD_RECOVERED = "PodRecovered"


@dataclass(frozen=True, slots=True)
class PodRecord:
    """What is remembered of a Pod between reconciles."""

    health: PodHealth
    uid: str
    labels: dict[str, str]


def utc_now() -> datetime:
    """The default clock of the reconcilers."""
    return datetime.now(UTC)


class PodReconciler(Reconciler):
    """Classifies Pods; see the module docstring.

    ``index`` finds the Services selecting a Pod; ``enqueue_service`` hands a Service request to
    the service controller. ``clock`` returns the current time (timezone-aware); tests pin it.
    """

    def __init__(
        self,
        settings: DetectorSettings,
        index: ServiceIndex,
        enqueue_service: Callable[[Request], None],
        stats: DetectorStats,
        metrics: DetectorMetrics,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.index = index
        self.enqueue_service = enqueue_service
        self.stats = stats
        self.metrics = metrics
        self.clock = clock
        self.records: dict[str, PodRecord] = {}

    def verdict(self, namespace: str, name: str) -> PodHealth | None:
        """The last verdict on a Pod, or ``None`` if unknown (never seen, or deleted)."""
        record = self.records.get(make_key(namespace, name))
        return record.health if record is not None else None

    async def reconcile(self, request: Request) -> Result | None:
        """Classify the Pod, report a transition, requeue when a time limit is pending."""
        self.stats.reconciles["pods"] += 1
        namespace = request.namespace or ""
        lister = self.settings.scope.lister(self, "v1", "pods", namespace)
        pod = lister.get(namespace, request.name) if lister is not None else None
        previous = self.records.get(request.key)
        if pod is None:
            if previous is not None:
                del self.records[request.key]
                self._gone(namespace, request.name, previous)
            return None

        meta = pod["metadata"]
        uid = str(meta.get("uid", ""))
        if previous is not None and previous.uid != uid:
            previous = None  # a new Pod under an old name (a StatefulSet replica): start afresh
        health = classify(
            pod,
            self.clock(),
            grace_period=self.settings.grace_period,
            pending_limit=self.settings.pending_limit,
        )
        self.records[request.key] = PodRecord(health, uid, dict(meta.get("labels") or {}))

        was = previous.health if previous is not None else None
        if was is None or was.reason != health.reason or was.serving != health.serving:
            services = self.index.services_for_pod(pod)
            for service in services:
                self.enqueue_service(Request.for_object(service))
            if (was is None and not health.healthy) or (
                was is not None and was.reason != health.reason
            ):
                self._report(pod, was, health, services)
        if health.recheck_after is not None:
            return Result(requeue_after=health.recheck_after + RECHECK_SLACK)
        return None

    def _report(
        self,
        pod: dict[str, Any],
        was: PodHealth | None,
        health: PodHealth,
        services: list[dict[str, Any]],
    ) -> None:
        meta = pod["metadata"]
        key = make_key(meta.get("namespace"), meta["name"])
        names = ",".join(s["metadata"]["name"] for s in services) or None
        if health.healthy:
            # Only reached from an unavailable verdict: Healthy -> Healthy is no transition.
            self.stats.recoveries += 1
            self.metrics.recoveries.inc()
            log_transition(
                logging.INFO, "pod-recovered", pod=key,
                previous=was.reason if was else None, services=names,
            )
            self.recorder.event(
                pod, "Normal", POD_RECOVERED,
                f"recovered from {was.reason if was else 'unknown'}: {health.message}",
                api_version="v1", kind="Pod",
            )
            return
        self.stats.detections[health.reason] += 1
        self.metrics.detections.labels(health.reason).inc()
        log_transition(
            logging.WARNING, "pod-unavailable", pod=key, reason=health.reason,
            previous=was.reason if was else None, services=names, message=health.message,
        )
        self.recorder.event(
            pod, "Warning", POD_UNAVAILABLE, f"{health.reason}: {health.message}",
            api_version="v1", kind="Pod",
        )

    def _gone(self, namespace: str, name: str, previous: PodRecord) -> None:
        services = self.index.services_for(namespace, previous.labels)
        for service in services:
            self.enqueue_service(Request.for_object(service))
        if not services:
            return  # nobody depended on it: a deletion, not a detection
        self.stats.detections[GONE] += 1
        self.metrics.detections.labels(GONE).inc()
        names = ",".join(s["metadata"]["name"] for s in services)
        message = f"deleted while selected by Service {names}"
        log_transition(
            logging.WARNING, "pod-unavailable", pod=make_key(namespace, name), reason=GONE,
            previous=previous.health.reason, services=names, message=message,
        )
        # The Pod is gone, but an Event may still refer to it (kubectl shows it by name).
        reference = {"metadata": {"name": name, "namespace": namespace, "uid": previous.uid}}
        self.recorder.event(
            reference, "Warning", POD_UNAVAILABLE, f"{GONE}: {message}",
            api_version="v1", kind="Pod",
        )
