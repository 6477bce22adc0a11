"""Pod statuses as a kubelet writes them, for the scenario and the churn simulator.

Each function returns a complete ``status`` for a Pod with one container named after the Pod's
first container, shaped like what a real kubelet reports (conditions with transition times,
``containerStatuses`` with ``state``/``lastState``/``restartCount``). They are written through
the ``status`` subresource with a JSON patch replacing ``/status`` as a whole, as the kubelet's
status manager sends the full status it computed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def timestamp(now: datetime | None = None) -> str:
    """RFC 3339 with second resolution, as the API serializes ``metav1.Time``."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _container(pod: dict[str, Any]) -> tuple[str, str]:
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    first = containers[0]
    return str(first.get("name", "app")), str(first.get("image", ""))


def qos_class(pod: dict[str, Any]) -> str:
    """The Pod's QoS class: the one the API server computed at creation (it is immutable, and
    a real kubelet reports the same), else derived from the containers' resources as Kubernetes
    does: no requests or limits - BestEffort; cpu and memory limits equal to the requests in
    every container - Guaranteed; anything else - Burstable."""
    known = (pod.get("status") or {}).get("qosClass")
    if known:
        return str(known)
    containers = (pod.get("spec") or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                return "Burstable"
    return "Guaranteed"


def _restarts(pod: dict[str, Any]) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return int(statuses[0].get("restartCount", 0))


def _conditions(ready: bool, now: str, *, scheduled: bool = True) -> list[dict[str, Any]]:
    flag = "True" if ready else "False"
    conditions = [
        {"type": "PodScheduled", "status": "True" if scheduled else "False",
         "lastTransitionTime": now},
    ]
    if not scheduled:
        conditions[0].update(reason="Unschedulable",
                             message="0/3 nodes are available: 3 Insufficient cpu.")
        return conditions
    conditions += [
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "ContainersReady", "status": flag, "lastTransitionTime": now},
        {"type": "Ready", "status": flag, "lastTransitionTime": now},
    ]
    if not ready:
        for condition in conditions[2:]:
            condition["reason"] = "ContainersNotReady"
            condition["message"] = "containers with unready status: [app]"
    return conditions


def _status(
    pod: dict[str, Any],
    phase: str,
    *,
    ready: bool,
    state: dict[str, Any],
    last_state: dict[str, Any] | None = None,
    restarts: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    stamp = timestamp(now)
    name, image = _container(pod)
    return {
        "phase": phase,
        "conditions": _conditions(ready, stamp),
        "hostIP": "10.0.0.11",
        "podIP": "10.244.1.23",
        "startTime": stamp,
        "qosClass": qos_class(pod),
        "containerStatuses": [
            {
                "name": name,
                "image": image,
                "imageID": "",
                "ready": ready,
                "started": "running" in state,
                "restartCount": _restarts(pod) if restarts is None else restarts,
                "state": state,
                "lastState": last_state or {},
            }
        ],
    }


def running(pod: dict[str, Any], *, ready: bool = True, now: datetime | None = None
            ) -> dict[str, Any]:
    """Running; Ready (or not, as a failing readiness probe leaves it)."""
    return _status(pod, "Running", ready=ready, state={"running": {"startedAt": timestamp(now)}},
                   now=now)


def crash_loop(pod: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The container exits with an error and waits in ``CrashLoopBackOff``."""
    restarts = _restarts(pod) + 1
    return _status(
        pod, "Running", ready=False, restarts=restarts, now=now,
        state={"waiting": {"reason": "CrashLoopBackOff",
                           "message": f"back-off {min(10 * 2 ** restarts, 300)}s restarting "
                                      "failed container"}},
        last_state={"terminated": {"exitCode": 1, "reason": "Error",
                                   "finishedAt": timestamp(now)}},
    )


def oom_killed(pod: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The container was OOM-killed and restarted; running again, its last state says why."""
    return _status(
        pod, "Running", ready=True, restarts=_restarts(pod) + 1, now=now,
        state={"running": {"startedAt": timestamp(now)}},
        last_state={"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                   "finishedAt": timestamp(now)}},
    )


def image_pull_failure(pod: dict[str, Any], reason: str = "ErrImagePull",
                       now: datetime | None = None) -> dict[str, Any]:
    """The image cannot be pulled: ``ErrImagePull``, then ``ImagePullBackOff``."""
    _, image = _container(pod)
    status = _status(
        pod, "Pending", ready=False, now=now,
        state={"waiting": {"reason": reason,
                           "message": f'Back-off pulling image "{image}"'}},
    )
    status.pop("podIP")
    return status


def evicted(pod: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The kubelet evicted the Pod under node memory pressure."""
    status = _status(
        pod, "Failed", ready=False, now=now,
        state={"terminated": {"exitCode": 137, "reason": "Error", "finishedAt": timestamp(now)}},
    )
    status["reason"] = "Evicted"
    status["message"] = "The node was low on resource: memory. Threshold quantity: 100Mi."
    return status


def node_lost(pod: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The node stopped reporting: the Pod's phase becomes ``Unknown``."""
    status = running(pod, ready=False, now=now)
    status["phase"] = "Unknown"
    status["reason"] = "NodeLost"
    status["message"] = "Node node-2 which was running pod is unresponsive"
    return status


def unschedulable(pod: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Pending: the scheduler finds no node with room."""
    return {"phase": "Pending", "conditions": _conditions(False, timestamp(now), scheduled=False),
            "qosClass": qos_class(pod)}
