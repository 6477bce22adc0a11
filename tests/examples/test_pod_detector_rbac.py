"""The pod-detector under its own ServiceAccount, authorized by exactly the RBAC of
``deploy/pod-detector.yaml``: on the embedded server in RBAC mode and on the real kube-apiserver.
With the manifest's grants it does its whole job (leader election on its Lease, watching Pods and
Services, patching Service annotations, recording Events); with one verb taken away it gets the
same Forbidden on both servers, word for word."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from examples.pod_detector import kubelet
from examples.pod_detector.app import RunOptions, run_detector
from examples.pod_detector.scenario import set_pod_status
from examples.pod_detector.service_reconciler import READY_ANNOTATION, UNAVAILABLE_ANNOTATION
from examples.pod_detector.settings import DetectorSettings
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.errors import Forbidden, NotFound
from kubeflow_informer.testing import ApiServer, service_account_config
from tests.examples.helpers import annotations_of, create_service, events_for, wait_for

pytestmark = [pytest.mark.embedded_apiserver(rbac=True), pytest.mark.timeout(90)]

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "pod-detector.yaml"
RBAC_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
WEB = {"app": "web"}


def manifest_rbac(namespace: str) -> list[dict[str, Any]]:
    """The manifest's ServiceAccount and RBAC objects, moved into ``namespace``; cluster-scoped
    names get the namespace as a suffix (the real server is shared by every test)."""
    text = MANIFEST.read_text().replace("namespace: pod-detector", f"namespace: {namespace}")
    objects = [doc for doc in yaml.safe_load_all(text) if doc and doc["kind"] in RBAC_KINDS]
    for obj in objects:
        if obj["kind"].startswith("Cluster"):
            obj["metadata"]["name"] = f"pod-detector-{namespace}"
        if obj["kind"] == "ClusterRoleBinding":
            obj["roleRef"]["name"] = f"pod-detector-{namespace}"
    return objects


@contextlib.asynccontextmanager
async def applied(api: ApiClient, objects: list[dict[str, Any]]) -> AsyncIterator[None]:
    """Create ``objects``; delete the cluster-scoped ones on exit (the namespace takes the rest)."""
    created = []
    try:
        for obj in objects:
            resource = await api.resource_for(obj["kind"], obj["apiVersion"])
            await resource.create(obj, namespace=obj["metadata"].get("namespace"))
            created.append((resource, obj))
        yield
    finally:
        for resource, obj in reversed(created):
            if "namespace" not in obj["metadata"]:
                with contextlib.suppress(NotFound):
                    await resource.delete(obj["metadata"]["name"])


@contextlib.asynccontextmanager
async def detector_as_service_account(apiserver: ApiServer) -> AsyncIterator[Config]:
    """The detector running with the ServiceAccount's token and leader election on."""
    config = await service_account_config(apiserver.config, apiserver.namespace, "pod-detector",
                                          create=False)
    options = RunOptions(settings=DetectorSettings(), metrics_port=None, leader_elect=True,
                         lease_namespace=apiserver.namespace, shutdown_grace_period=2.0)
    stop = asyncio.Event()
    run = asyncio.create_task(run_detector(config, options, stop))
    try:
        yield config
    finally:
        stop.set()
        result = await run
    assert result.exit_code == 0


async def create_pod(api: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """A Running and Ready Pod of the web Service. It requests CPU, so that a real server
    computes the ``Burstable`` QoS class the kubelet helpers report (it is immutable there)."""
    pod = await api.resource("v1", "pods").create({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": WEB},
        "spec": {"containers": [{"name": "app", "image": "example/app:1",
                                 "resources": {"requests": {"cpu": "10m"}}}]},
    }, namespace=namespace)
    return await set_pod_status(api, pod, kubelet.running(pod))


async def _wait_in_force(api: ApiClient, namespace: str) -> None:
    """The real server's authorizer sees new bindings a moment later: wait for the last one."""
    async def leases_allowed() -> bool:
        answer = await api.request(
            "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", json={"spec": {
                "user": f"system:serviceaccount:{namespace}:pod-detector",
                "resourceAttributes": {"namespace": namespace, "verb": "create",
                                       "group": "coordination.k8s.io", "resource": "leases"}}})
        return bool(answer["status"]["allowed"])

    await wait_for(leases_allowed, what="the manifest's bindings to count")


async def test_the_manifests_rbac_is_enough(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    async with applied(apiserver_client, manifest_rbac(ns)):
        await _wait_in_force(apiserver_client, ns)
        await create_service(apiserver_client, ns, "web", WEB)
        await create_pod(apiserver_client, ns, "web-1")
        pod = await create_pod(apiserver_client, ns, "web-2")
        async with detector_as_service_account(apiserver):
            await wait_for(lambda: annotations_of(apiserver_client, ns, "web"),
                           what="the Service annotations")
            await set_pod_status(apiserver_client, pod, kubelet.crash_loop(pod))
            await wait_for(lambda: events_for(apiserver_client, ns, "Service", "web",
                                              "ServiceDegraded"), what="ServiceDegraded")
            lease = await apiserver_client.resource("coordination.k8s.io/v1", "leases").get(
                "pod-detector", namespace=ns)
        annotations = await annotations_of(apiserver_client, ns, "web")
    assert annotations[READY_ANNOTATION] == "1/2"
    assert annotations[UNAVAILABLE_ANNOTATION] == "web-2"
    assert lease["spec"]["holderIdentity"]


async def test_without_patch_on_services_the_detector_is_forbidden(
    apiserver: ApiServer, apiserver_client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    ns = apiserver.namespace
    objects = manifest_rbac(ns)
    cluster_role = next(o for o in objects if o["kind"] == "ClusterRole")
    services_rule = next(r for r in cluster_role["rules"] if r["resources"] == ["services"])
    services_rule["verbs"].remove("patch")
    caplog.set_level(logging.ERROR, logger="kubeflow_informer.controller")
    async with applied(apiserver_client, objects):
        await _wait_in_force(apiserver_client, ns)
        await create_service(apiserver_client, ns, "web", WEB)
        await create_pod(apiserver_client, ns, "web-1")
        async with detector_as_service_account(apiserver):
            error = await wait_for(lambda: _forbidden_logged(caplog, ns),
                                   what="the Forbidden patch to be logged")
    assert error.status_object == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'services "web" is forbidden: User "system:serviceaccount:{ns}:pod-detector" '
                   f'cannot patch resource "services" in API group "" in the namespace "{ns}"',
        "reason": "Forbidden", "details": {"name": "web", "kind": "services"}, "code": 403,
    }
    assert (await annotations_of(apiserver_client, ns, "web")) == {}


async def _forbidden_logged(caplog: pytest.LogCaptureFixture, namespace: str
                            ) -> Forbidden | None:
    for record in caplog.records:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, Forbidden) and f'namespace "{namespace}"' in error.message:
            return error
    return None
