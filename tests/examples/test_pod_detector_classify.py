"""Classification of realistic pod status shapes, one fixture per reason."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from examples.pod_detector import classify as c

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def ts(seconds_ago: float) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def running_pod(**status_overrides: Any) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": ts(3600)},
        "spec": {"containers": [{"name": "app", "image": "shop/web:1.2"}]},
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": ts(3590)},
                {"type": "Ready", "status": "True", "lastTransitionTime": ts(3500)},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": ts(3500)},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(3599)},
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": True,
                    "restartCount": 0,
                    "image": "shop/web:1.2",
                    "state": {"running": {"startedAt": ts(3550)}},
                }
            ],
        },
    }
    pod["status"].update(status_overrides)
    return pod


def with_ready(pod: dict[str, Any], status: str, seconds_ago: float) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    for condition in pod["status"]["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = status
            condition["lastTransitionTime"] = ts(seconds_ago)
    return pod


def with_container_state(pod: dict[str, Any], **fields: Any) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    pod["status"]["containerStatuses"][0].update(fields)
    return pod


def test_running_and_ready_pod_is_healthy_and_serving() -> None:
    health = c.classify(running_pod(), NOW)
    assert health.reason == c.HEALTHY
    assert health.serving
    assert health.recheck_after is None


def test_not_ready_past_grace_period_is_unavailable() -> None:
    pod = with_ready(running_pod(), "False", 45)
    assert c.classify(pod, NOW, grace_period=30).reason == c.NOT_READY


def test_not_ready_within_grace_period_is_healthy_with_recheck_time() -> None:
    pod = with_ready(running_pod(), "False", 10)
    health = c.classify(pod, NOW, grace_period=30)
    assert health.reason == c.HEALTHY
    assert not health.serving
    assert health.recheck_after == pytest.approx(20)


def test_crash_loop_back_off_is_detected() -> None:
    pod = with_container_state(
        with_ready(running_pod(), "False", 5),
        restartCount=7,
        state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
        lastState={"terminated": {"exitCode": 1, "reason": "Error"}},
    )
    health = c.classify(pod, NOW)
    assert health.reason == c.CRASH_LOOP
    assert "7 restarts" in health.message


@pytest.mark.parametrize("reason", ["ImagePullBackOff", "ErrImagePull"])
def test_image_pull_failures_are_detected(reason: str) -> None:
    pod = running_pod(phase="Pending")
    pod["status"]["containerStatuses"][0] = {
        "name": "app",
        "ready": False,
        "restartCount": 0,
        "image": "shop/web:does-not-exist",
        "state": {"waiting": {"reason": reason, "message": "pull access denied"}},
    }
    assert c.classify(pod, NOW).reason == reason


def test_last_termination_oom_killed_is_detected_even_when_running_again() -> None:
    pod = with_container_state(
        running_pod(),
        restartCount=1,
        lastState={"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
    )
    assert c.classify(pod, NOW).reason == c.OOM_KILLED


def test_evicted_pod_is_detected() -> None:
    pod = running_pod(
        phase="Failed",
        reason="Evicted",
        message="The node was low on resource: memory.",
    )
    health = c.classify(pod, NOW)
    assert health.reason == c.EVICTED
    assert "low on resource" in health.message


def test_failed_phase_is_unavailable() -> None:
    assert c.classify(running_pod(phase="Failed"), NOW).reason == c.FAILED


def test_unknown_phase_is_unavailable() -> None:
    assert c.classify(running_pod(phase="Unknown"), NOW).reason == c.UNKNOWN


def test_pending_longer_than_limit_is_unavailable() -> None:
    pod = running_pod(phase="Pending", conditions=[], containerStatuses=[])
    pod["metadata"]["creationTimestamp"] = ts(400)
    assert c.classify(pod, NOW, pending_limit=300).reason == c.PENDING_TOO_LONG


def test_pending_within_limit_is_healthy_with_recheck_time() -> None:
    pod = running_pod(phase="Pending", conditions=[], containerStatuses=[])
    pod["metadata"]["creationTimestamp"] = ts(100)
    health = c.classify(pod, NOW, pending_limit=300)
    assert health.reason == c.HEALTHY
    assert health.recheck_after == pytest.approx(200)


def test_succeeded_pod_is_healthy_but_not_serving() -> None:
    health = c.classify(running_pod(phase="Succeeded"), NOW)
    assert health.healthy
    assert not health.serving


def test_pod_without_status_counts_as_freshly_pending() -> None:
    pod = {"metadata": {"name": "p", "namespace": "d", "creationTimestamp": ts(1)}}
    assert c.classify(pod, NOW).reason == c.HEALTHY


def test_eviction_wins_over_container_reasons() -> None:
    pod = with_container_state(
        running_pod(phase="Failed", reason="Evicted"),
        lastState={"terminated": {"reason": "OOMKilled"}},
    )
    assert c.classify(pod, NOW).reason == c.EVICTED


def test_malformed_timestamps_do_not_raise() -> None:
    pod = with_ready(running_pod(), "False", 0)
    pod["status"]["conditions"][1]["lastTransitionTime"] = "not a time"
    pod["metadata"]["creationTimestamp"] = "garbage"
    assert c.classify(pod, NOW).reason == c.HEALTHY
