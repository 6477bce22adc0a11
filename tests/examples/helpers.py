"""Helpers of the pod-detector tests: run the detector on a server, make pods, wait for state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from examples.pod_detector import kubelet
from examples.pod_detector.detector import PodDetector
from examples.pod_detector.scenario import set_pod_status
from examples.pod_detector.settings import DetectorSettings
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.controller import Manager

T = TypeVar("T")

#: How long a test waits for the detector to reach a state before failing. Generous: it bounds
#: a failure, it is not a performance assertion.
WAIT_SECONDS = 10.0


@contextlib.asynccontextmanager
async def running_detector(
    config: Config, settings: DetectorSettings, *, metrics_port: int | None = None
) -> AsyncIterator[tuple[Manager, PodDetector]]:
    """A started manager with the pod-detector controllers; shut down on exit."""
    manager = Manager(config, metrics_port=metrics_port, metrics_host="127.0.0.1",
                      shutdown_grace_period=2.0, cache_sync_timeout=10.0)
    detector = PodDetector(settings, registry=manager.registry)
    detector.add_to(manager)
    async with manager:
        yield manager, detector


async def wait_for(probe: Callable[[], Awaitable[T]], *, what: str) -> T:
    """Poll ``probe`` until it returns something truthy; fail after :data:`WAIT_SECONDS`."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        await asyncio.sleep(0.05)


async def create_pod(
    api: ApiClient,
    namespace: str,
    name: str,
    labels: dict[str, str],
    status: Callable[[dict[str, Any]], dict[str, Any]] = kubelet.running,
) -> dict[str, Any]:
    """Create a Pod and give it a status as the kubelet would (Running and Ready by default)."""
    pod = await api.resource("v1", "pods").create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "example/app:1"}]},
        },
        namespace=namespace,
    )
    return await set_pod_status(api, pod, status(pod))


async def create_service(
    api: ApiClient, namespace: str, name: str, selector: dict[str, str] | None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return await api.resource("v1", "services").create(
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": name, "namespace": namespace}, "spec": spec},
        namespace=namespace,
    )


async def events_for(
    api: ApiClient, namespace: str, kind: str, name: str, reason: str | None = None
) -> list[dict[str, Any]]:
    """Events about ``kind/name`` (optionally of one reason), read through the API."""
    listing = await api.resource("v1", "events").list(namespace=namespace)
    return [
        e for e in listing["items"]
        if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name
        and (reason is None or e["reason"] == reason)
    ]


async def annotations_of(api: ApiClient, namespace: str, service: str) -> dict[str, str]:
    obj = await api.resource("v1", "services").get(service, namespace=namespace)
    return dict(obj["metadata"].get("annotations") or {})
