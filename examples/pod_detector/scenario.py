"""The demo's starting point: namespaces, Deployments with their ReplicaSets and Pods, Services.

Everything is written through the API, as the real owners would: ``kubectl apply`` for the
Namespaces, Deployments and Services, the Deployment controller for the ReplicaSets, the
ReplicaSet controller for the Pods (``generateName``, ``ownerReferences`` with ``controller:
true``), the kubelet for the Pods' status (through the ``status`` subresource). Two Pods start
broken so that the first detections show up as soon as the caches have synced: one of ``cart``
crash-loops, one of ``ingest`` cannot pull its image. ``payments/ledger`` has no Service (its
Pods' deletions are not detections) and ``payments/external-db`` is a Service without a selector
(it selects nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from examples.pod_detector import kubelet
from kubeflow_informer.client import ApiClient

TEAM_LABEL = "example.kubeflow.org/team"


@dataclass(frozen=True)
class Workload:
    """A Deployment of the scenario and whether a Service fronts it."""

    namespace: str
    name: str
    replicas: int
    image: str
    team: str
    service: bool = True


WORKLOADS: tuple[Workload, ...] = (
    Workload("shop", "web", 3, "registry.example.com/shop/web:2.4.1", "storefront"),
    Workload("shop", "cart", 2, "registry.example.com/shop/cart:1.9.0", "storefront"),
    Workload("payments", "api", 3, "registry.example.com/payments/api:5.0.2", "payments"),
    Workload("payments", "ledger", 2, "registry.example.com/payments/ledger:0.8.3", "payments",
             service=False),
    Workload("analytics", "ingest", 2, "registry.example.com/analytics/ingest:3.1.0", "data"),
)

_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@dataclass
class ReplicaSetRef:
    """What the simulated ReplicaSet controller needs to create replacement Pods."""

    namespace: str
    name: str
    uid: str
    template: dict[str, Any]
    has_service: bool


@dataclass
class Scenario:
    """What was seeded: the ReplicaSets by ``namespace/name``, the object counts, and the Pods
    seeded broken (``namespace/name`` -> the reason the detector must find)."""

    replicasets: dict[str, ReplicaSetRef] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """``3 namespaces, 5 deployments, ...`` for the terminal."""
        return ", ".join(f"{n} {kind}" for kind, n in self.counts.items())


def _owner(kind: str, api_version: str, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {"apiVersion": api_version, "kind": kind, "name": meta["name"], "uid": meta["uid"],
            "controller": True, "blockOwnerDeletion": True}


async def set_pod_status(api: ApiClient, pod: dict[str, Any], status: dict[str, Any]
                         ) -> dict[str, Any]:
    """Replace the Pod's whole status through the ``status`` subresource, as the kubelet does."""
    meta = pod["metadata"]
    result: dict[str, Any] = await api.resource("v1", "pods").patch(
        meta["name"], [{"op": "replace", "path": "/status", "value": status}],
        namespace=meta["namespace"], patch_type="json", subresource="status",
    )
    return result


async def create_replica(api: ApiClient, replicaset: ReplicaSetRef) -> dict[str, Any]:
    """Create one Pod of ``replicaset`` from its template, as the ReplicaSet controller does."""
    template = replicaset.template
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": f"{replicaset.name}-",
            "namespace": replicaset.namespace,
            "labels": dict(template["metadata"]["labels"]),
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replicaset.name,
                "uid": replicaset.uid, "controller": True, "blockOwnerDeletion": True,
            }],
        },
        "spec": template["spec"],
    }
    created: dict[str, Any] = await api.resource("v1", "pods").create(
        body, namespace=replicaset.namespace
    )
    return created


async def seed_scenario(api: ApiClient, rng: random.Random) -> Scenario:
    """Create the scenario's objects; Pods end Running and Ready except the two broken ones."""
    scenario = Scenario()
    namespaces = sorted({w.namespace for w in WORKLOADS})
    for name in namespaces:
        await api.resource("v1", "namespaces", namespaced=False).create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )
    pods = services = 0
    for workload in WORKLOADS:
        replicaset = await _seed_workload(api, rng, workload)
        scenario.replicasets[f"{workload.namespace}/{replicaset.name}"] = replicaset
        for index in range(workload.replicas):
            pod = await create_replica(api, replicaset)
            pod["status"] = await _initial_status(api, pod, workload, index)
            reason = _waiting_reason(pod["status"])
            if reason:
                scenario.broken[f"{workload.namespace}/{pod['metadata']['name']}"] = reason
            pods += 1
        if workload.service:
            await _seed_service(api, workload)
            services += 1
    await api.resource("v1", "services").create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "external-db", "namespace": "payments",
                         "labels": {TEAM_LABEL: "payments"}},
            "spec": {"type": "ClusterIP", "ports": [{"port": 5432, "protocol": "TCP"}]},
        },
        namespace="payments",
    )
    scenario.counts = {
        "namespaces": len(namespaces),
        "deployments": len(WORKLOADS),
        "replicasets": len(WORKLOADS),
        "pods": pods,
        "services": services + 1,
    }
    return scenario


async def _seed_workload(api: ApiClient, rng: random.Random, workload: Workload) -> ReplicaSetRef:
    labels = {"app": workload.name, TEAM_LABEL: workload.team}
    pod_spec = {
        "containers": [{
            "name": workload.name,
            "image": workload.image,
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                               "periodSeconds": 5},
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                          "limits": {"memory": "256Mi"}},
        }],
    }
    deployment = await api.resource("apps/v1", "deployments").create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": workload.name, "namespace": workload.namespace,
                         "labels": dict(labels)},
            "spec": {
                "replicas": workload.replicas,
                "selector": {"matchLabels": {"app": workload.name}},
                "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
            },
        },
        namespace=workload.namespace,
    )
    template_hash = "".join(rng.choice(_HASH_ALPHABET) for _ in range(10))
    rs_labels = {**labels, "pod-template-hash": template_hash}
    template = {"metadata": {"labels": rs_labels}, "spec": pod_spec}
    replicaset = await api.resource("apps/v1", "replicasets").create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{workload.name}-{template_hash}",
                "namespace": workload.namespace,
                "labels": dict(rs_labels),
                "ownerReferences": [_owner("Deployment", "apps/v1", deployment)],
            },
            "spec": {
                "replicas": workload.replicas,
                "selector": {"matchLabels": {"app": workload.name,
                                             "pod-template-hash": template_hash}},
                "template": template,
            },
        },
        namespace=workload.namespace,
    )
    meta = replicaset["metadata"]
    return ReplicaSetRef(workload.namespace, meta["name"], meta["uid"], template,
                         workload.service)


async def _initial_status(
    api: ApiClient, pod: dict[str, Any], workload: Workload, index: int
) -> dict[str, Any]:
    if workload.name == "cart" and index == 0:
        status = kubelet.crash_loop(pod)
    elif workload.name == "ingest" and index == 0:
        status = kubelet.image_pull_failure(pod, "ImagePullBackOff")
    else:
        status = kubelet.running(pod)
    stored = await set_pod_status(api, pod, status)
    result: dict[str, Any] = stored["status"]
    return result


def _waiting_reason(status: dict[str, Any]) -> str:
    for container in status.get("containerStatuses") or ():
        waiting = (container.get("state") or {}).get("waiting")
        if waiting:
            return str(waiting.get("reason", ""))
    return ""


async def _seed_service(api: ApiClient, workload: Workload) -> None:
    await api.resource("v1", "services").create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": workload.name, "namespace": workload.namespace,
                         "labels": {"app": workload.name, TEAM_LABEL: workload.team}},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": workload.name},
                "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
            },
        },
        namespace=workload.namespace,
    )
