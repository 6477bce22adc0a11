"""A seeded churn simulator: the cluster misbehaving while pod-detector watches.

It plays the kubelet (status updates through the ``status`` subresource), the ReplicaSet
controller (a replacement Pod for each deleted or failed one) and the operator (``kubectl delete
pod``), all through the API, so the detector sees exactly the watch events a real cluster would
send. Every ``interval`` seconds (jittered) it picks one disruption and one healthy Pod, both
from its seeded random generator, and schedules the follow-ups (recovery, replacement):

* ``crash-loop``: the container crash-loops, then recovers after a few seconds;
* ``not-ready``: the readiness probe fails for a while (sometimes within the grace period, so
  no detection, sometimes beyond it);
* ``oom-kill``: the container is OOM-killed and restarted; the Pod is replaced later;
* ``bad-image``: the Pod is replaced by one that cannot pull its image (``ErrImagePull``, then
  ``ImagePullBackOff``), until the image becomes available;
* ``delete``: the Pod is deleted and the ReplicaSet creates a replacement, which goes through
  Pending and not-Ready to Ready;
* ``evict``: the kubelet evicts the Pod; a replacement starts; the evicted Pod is removed later;
* ``node-lost``: the Pod's phase becomes ``Unknown`` until its node comes back;
* ``unschedulable``: the Pod is replaced by one that stays Pending for a while.

The *choices* are reproducible for a seed; how they interleave with the detector depends on
timing, as on a real cluster.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from examples.pod_detector import kubelet
from examples.pod_detector.scenario import ReplicaSetRef, Scenario, create_replica, set_pod_status
from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import ApiError

logger = logging.getLogger("examples.pod_detector.churn")

Step = Callable[[], Awaitable[object]]

DISRUPTIONS: dict[str, int] = {
    "crash-loop": 3,
    "not-ready": 3,
    "delete": 2,
    "oom-kill": 1,
    "bad-image": 1,
    "evict": 1,
    "node-lost": 1,
    "unschedulable": 1,
}


def _is_ready(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or ()
    )


class ChurnSimulator:
    """Runs disruptions against the Pods of ``scenario``; see the module docstring.

    Use as an async context manager (it owns one task, cancelled and awaited on exit).
    ``actions`` counts the disruptions started, by name.
    """

    def __init__(
        self,
        api: ApiClient,
        scenario: Scenario,
        rng: random.Random,
        *,
        interval: float = 1.0,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.api = api
        self.scenario = scenario
        self.rng = rng
        self.interval = interval
        self.actions: Counter[str] = Counter()
        self._pods = api.resource("v1", "pods")
        self._busy: set[str] = set()
        self._schedule: list[tuple[float, int, str, Step]] = []
        self._sequence = itertools.count()
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"ChurnSimulator(interval={self.interval}, actions={dict(self.actions)})"

    async def __aenter__(self) -> ChurnSimulator:
        self._task = asyncio.create_task(self.run(), name="churn-simulator")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
            if not task.cancelled() and task.exception() is not None:
                logger.error("churn simulator failed", exc_info=task.exception())

    # -- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Disrupt and follow up until cancelled."""
        loop = asyncio.get_running_loop()
        next_disruption = loop.time() + self.interval * self.rng.uniform(0.3, 1.0)
        while True:
            now = loop.time()
            while self._schedule and self._schedule[0][0] <= now:
                _, _, what, step = heapq.heappop(self._schedule)
                await self._attempt(what, step)
            if now >= next_disruption:
                await self._disrupt()
                next_disruption = now + self.interval * self.rng.uniform(0.5, 1.5)
            wake = min([next_disruption, *(s[0] for s in self._schedule[:1])])
            await asyncio.sleep(max(0.01, wake - loop.time()))

    def _later(self, delay: float, what: str, step: Step) -> None:
        due = asyncio.get_running_loop().time() + delay
        heapq.heappush(self._schedule, (due, next(self._sequence), what, step))

    async def _attempt(self, what: str, step: Step) -> None:
        try:
            await step()
        except ApiError as err:  # the Pod changed or vanished meanwhile: as on a cluster
            logger.debug("churn: %s skipped: %s", what, err)

    async def _disrupt(self) -> None:
        names = list(DISRUPTIONS)
        action = self.rng.choices(names, weights=[DISRUPTIONS[n] for n in names])[0]
        listing = await self._pods.list()
        candidates = sorted(
            (p for p in listing.get("items", []) if _is_ready(p) and self._owner(p) is not None
             and self._key(p) not in self._busy),
            key=self._key,
        )
        if not candidates:
            return
        pod = self.rng.choice(candidates)
        self.actions[action] += 1
        self._busy.add(self._key(pod))
        logger.info("churn: %s %s", action, self._key(pod))
        await self._attempt(action, lambda: self._start(action, pod))

    # -- disruptions ---------------------------------------------------------------------------

    async def _start(self, action: str, pod: dict[str, Any]) -> None:
        uniform = self.rng.uniform
        if action == "crash-loop":
            pod = {**pod, "status": await self._status(pod, kubelet.crash_loop(pod))}
            self._later(uniform(3, 7), "recover", lambda: self._recover(pod))
        elif action == "not-ready":
            await self._status(pod, kubelet.running(pod, ready=False))
            self._later(uniform(1.5, 7), "recover", lambda: self._recover(pod))
        elif action == "oom-kill":
            await self._status(pod, kubelet.oom_killed(pod))
            self._later(uniform(3, 6), "replace", lambda: self._replace(pod))
        elif action == "bad-image":
            await self._replace(pod, start=self._bad_image)
        elif action == "delete":
            await self._replace(pod)
        elif action == "evict":
            await self._status(pod, kubelet.evicted(pod))
            replicaset = self._owner(pod)
            assert replicaset is not None
            self._later(0.3, "replacement", lambda: self._new_replica(replicaset, self._boot))
            self._later(uniform(2, 4), "pod-gc", lambda: self._delete(pod))
        elif action == "node-lost":
            await self._status(pod, kubelet.node_lost(pod))
            self._later(uniform(3, 6), "node-back", lambda: self._recover(pod))
        elif action == "unschedulable":
            await self._replace(pod, start=self._unschedulable)

    async def _recover(self, pod: dict[str, Any]) -> None:
        self._busy.discard(self._key(pod))
        await self._status(pod, kubelet.running(pod))
        logger.info("churn: %s is Running and Ready", self._key(pod))

    async def _replace(
        self, pod: dict[str, Any], start: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    ) -> None:
        replicaset = self._owner(pod)
        await self._delete(pod)
        if replicaset is not None:
            boot = start or self._boot
            self._later(0.3, "replacement", lambda: self._new_replica(replicaset, boot))

    async def _delete(self, pod: dict[str, Any]) -> None:
        self._busy.discard(self._key(pod))
        await self._pods.delete(pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])

    async def _new_replica(
        self, replicaset: ReplicaSetRef, start: Callable[[dict[str, Any]], Awaitable[None]]
    ) -> None:
        pod = await create_replica(self.api, replicaset)
        self._busy.add(self._key(pod))
        await start(pod)

    async def _boot(self, pod: dict[str, Any]) -> None:
        """Pending -> Running (not Ready yet) -> Ready, as a container starts and warms up."""
        self._later(0.4, "container-started",
                    lambda: self._status(pod, kubelet.running(pod, ready=False)))
        self._later(1.4, "ready", lambda: self._recover(pod))

    async def _bad_image(self, pod: dict[str, Any]) -> None:
        await self._status(pod, kubelet.image_pull_failure(pod, "ErrImagePull"))
        self._later(1.0, "back-off",
                    lambda: self._status(pod, kubelet.image_pull_failure(pod, "ImagePullBackOff")))
        self._later(self.rng.uniform(4, 7), "image-fixed", lambda: self._recover(pod))

    async def _unschedulable(self, pod: dict[str, Any]) -> None:
        await self._status(pod, kubelet.unschedulable(pod))
        self._later(self.rng.uniform(6, 10), "scheduled", lambda: self._boot(pod))

    # -- helpers -------------------------------------------------------------------------------

    async def _status(self, pod: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        stored = await set_pod_status(self.api, pod, status)
        result: dict[str, Any] = stored["status"]
        return result

    def _owner(self, pod: dict[str, Any]) -> ReplicaSetRef | None:
        meta = pod["metadata"]
        for ref in meta.get("ownerReferences") or ():
            if ref.get("kind") == "ReplicaSet":
                return self.scenario.replicasets.get(f"{meta['namespace']}/{ref['name']}")
        return None

    @staticmethod
    def _key(pod: dict[str, Any]) -> str:
        return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
