"""Pod health classification: the pure heart of pod-detector.

``classify(pod, now, ...)`` reads one Pod as the API server returns it and says whether it is
healthy or unavailable, and why. It reads only ``status`` (phase, reason, conditions,
containerStatuses) and ``metadata`` (creation and deletion timestamps), never the clock except
through ``now``, so that it is deterministic in tests and the controller can compute *when* a
pod will cross a time limit (``PodHealth.recheck_after``) and requeue itself then.

Order of precedence (the first that applies wins), chosen so the most actionable reason shows:

1. ``Evicted``: phase ``Failed`` with status.reason ``Evicted`` (kubelet eviction).
2. ``Failed`` / ``Unknown``: the pod phase.
3. ``OOMKilled``: a container's current or last termination reason.
4. ``CrashLoopBackOff``: a container waiting with that reason.
5. ``ImagePullBackOff`` / ``ErrImagePull``: a container waiting with that reason.
6. ``PendingTooLong``: phase ``Pending`` for longer than ``pending_limit`` since creation.
7. ``NotReady``: the ``Ready`` condition is not ``True`` and has been so for longer than
   ``grace_period`` (measured from the condition's ``lastTransitionTime``, else creation).

A pod inside a time limit is reported healthy with ``recheck_after`` set to the seconds left, so
the caller can requeue instead of polling. A ``Succeeded`` pod (a finished Job) is healthy but
not ``serving``: it does not count as ready behind a Service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HEALTHY = "Healthy"
EVICTED = "Evicted"
FAILED = "Failed"
UNKNOWN = "Unknown"
OOM_KILLED = "OOMKilled"
CRASH_LOOP = "CrashLoopBackOff"
IMAGE_PULL_BACKOFF = "ImagePullBackOff"
ERR_IMAGE_PULL = "ErrImagePull"
PENDING_TOO_LONG = "PendingTooLong"
NOT_READY = "NotReady"
GONE = "Gone"

_IMAGE_PULL_REASONS = frozenset({IMAGE_PULL_BACKOFF, ERR_IMAGE_PULL})


@dataclass(frozen=True, slots=True)
class PodHealth:
    """The verdict on one pod.

    ``reason`` is ``Healthy`` or one of the unavailable reasons; ``message`` says which container
    or condition led to it; ``serving`` is true when the pod counts as ready behind a Service;
    ``recheck_after`` is the number of seconds after which the verdict may change on its own
    (a time limit running out), or ``None``.
    """

    reason: str
    message: str = ""
    serving: bool = False
    recheck_after: float | None = None

    @property
    def healthy(self) -> bool:
        """True when the pod is not unavailable (it may still be finished, not serving)."""
        return self.reason == HEALTHY


def parse_time(value: Any) -> datetime | None:
    """Parse an RFC 3339 timestamp (``2024-01-02T03:04:05Z``); ``None`` if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _container_statuses(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statuses: list[Mapping[str, Any]] = []
    for field in ("initContainerStatuses", "containerStatuses"):
        value = status.get(field)
        if isinstance(value, list):
            statuses.extend(item for item in value if isinstance(item, Mapping))
    return statuses


def _nested_reason(container: Mapping[str, Any], state_field: str, state: str) -> str:
    block = container.get(state_field)
    if isinstance(block, Mapping):
        inner = block.get(state)
        if isinstance(inner, Mapping):
            reason = inner.get("reason")
            if isinstance(reason, str):
                return reason
    return ""


def _ready_condition(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    conditions = status.get("conditions")
    if isinstance(conditions, list):
        for condition in conditions:
            if isinstance(condition, Mapping) and condition.get("type") == "Ready":
                return condition
    return None


def classify(
    pod: Mapping[str, Any],
    now: datetime,
    *,
    grace_period: float = 30.0,
    pending_limit: float = 300.0,
) -> PodHealth:
    """Classify ``pod`` at time ``now`` (timezone-aware). See the module docstring for the rules."""
    metadata = pod.get("metadata") or {}
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"

    if phase == "Failed" and status.get("reason") == "Evicted":
        return PodHealth(EVICTED, str(status.get("message") or "the pod was evicted"))
    if phase == "Failed":
        return PodHealth(FAILED, str(status.get("message") or "the pod failed"))
    if phase == "Unknown":
        return PodHealth(UNKNOWN, "the pod's node stopped reporting its state")

    containers = _container_statuses(status)
    for container in containers:
        name = container.get("name", "?")
        if OOM_KILLED in (
            _nested_reason(container, "state", "terminated"),
            _nested_reason(container, "lastState", "terminated"),
        ):
            return PodHealth(OOM_KILLED, f"container {name} was OOMKilled")
    for container in containers:
        if _nested_reason(container, "state", "waiting") == CRASH_LOOP:
            restarts = container.get("restartCount", 0)
            name = container.get("name", "?")
            return PodHealth(CRASH_LOOP, f"container {name} is crash-looping ({restarts} restarts)")
    for container in containers:
        waiting = _nested_reason(container, "state", "waiting")
        if waiting in _IMAGE_PULL_REASONS:
            name = container.get("name", "?")
            return PodHealth(waiting, f"container {name} cannot pull its image")

    if phase == "Succeeded":
        return PodHealth(HEALTHY, "the pod ran to completion", serving=False)

    created = parse_time(metadata.get("creationTimestamp")) or now
    if phase == "Pending":
        age = (now - created).total_seconds()
        if age > pending_limit:
            return PodHealth(PENDING_TOO_LONG, f"pending for {int(age)}s")
        return PodHealth(HEALTHY, "pending", serving=False, recheck_after=pending_limit - age)

    ready = _ready_condition(status)
    if ready is not None and ready.get("status") == "True":
        return PodHealth(HEALTHY, "ready", serving=True)
    since = parse_time(ready.get("lastTransitionTime")) if ready is not None else None
    not_ready_for = (now - (since or created)).total_seconds()
    if not_ready_for > grace_period:
        return PodHealth(NOT_READY, f"not ready for {int(not_ready_for)}s")
    return PodHealth(
        HEALTHY,
        "not ready yet, within the grace period",
        recheck_after=grace_period - not_ready_for,
    )
