"""Deterministic, realistic pods for the benchmarks.

Every scenario moves the same kind of object: a Deployment-owned pod as a real kube-apiserver
returns it, about 4 KB of JSON - labels, annotations, an ownerReference to its ReplicaSet, two
``managedFields`` entries (the controller-manager's create and the kubelet's status update, with
``fieldsV1`` trees shaped like the real ones), two containers with ports, env, resources and
probes, five conditions and two containerStatuses. Benchmarks on tiny pods flatter every client;
the managedFields share matters because the informer's transform strips it.

The same index always gives the same pod (no randomness, no clock), so runs are comparable and
every consumer reads byte-identical data. ``resourceVersion``, ``uid`` and ``creationTimestamp``
are left to the server.
"""

from __future__ import annotations

import hashlib
from typing import Any

NAMESPACE_COUNT = 10
"""Pods are spread over this many namespaces: ``bench-0`` .. ``bench-9``."""

_APPS = ("checkout", "payments", "catalog", "search", "frontend", "inventory", "shipping", "auth")
_NODES = 50


def namespace_name(index: int) -> str:
    """The namespace of the pod with this index."""
    return f"bench-{index % NAMESPACE_COUNT}"


def namespaces() -> list[str]:
    """Every namespace the generated pods live in (they must exist before pods are created)."""
    return [f"bench-{i}" for i in range(NAMESPACE_COUNT)]


def _token(index: int, length: int, salt: str) -> str:
    """A deterministic lowercase alphanumeric token, like the suffixes Kubernetes generates."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.blake2b(f"{salt}:{index}".encode(), digest_size=16).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def pod_name(index: int) -> str:
    """The name of the pod with this index: ``<app>-<rs hash>-<suffix>``, unique per index."""
    app = _APPS[index % len(_APPS)]
    return f"{app}-{_token(index % 97, 10, 'rs')}-{_token(index, 5, 'pod')}-{index}"


def _fields_v1_controller() -> dict[str, Any]:
    container: dict[str, Any] = {
        "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
        "f:ports": {'k:{"containerPort":8080,"protocol":"TCP"}': {
            ".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
        "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}},
                        "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
        "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
    }
    return {
        "f:metadata": {
            "f:generateName": {},
            "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:tier": {},
                         "f:version": {}},
            "f:ownerReferences": {".": {}, 'k:{"uid":"owner"}': {}},
        },
        "f:spec": {
            "f:containers": {'k:{"name":"app"}': container,
                             'k:{"name":"proxy"}': {".": {}, "f:image": {}, "f:name": {}}},
            "f:dnsPolicy": {}, "f:restartPolicy": {},
            "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {},
        },
    }


def _fields_v1_kubelet() -> dict[str, Any]:
    cond: dict[str, Any] = {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {},
                            "f:status": {}, "f:type": {}}
    return {
        "f:status": {
            "f:conditions": {f'k:{{"type":"{t}"}}': cond for t in (
                "ContainersReady", "Ready")},
            "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {},
            "f:podIP": {}, "f:podIPs": {},
            "f:startTime": {},
        },
    }


_CONTROLLER_FIELDS = _fields_v1_controller()
_KUBELET_FIELDS = _fields_v1_kubelet()
_STAMP = "2026-01-15T10:20:30Z"


def make_pod(index: int) -> dict[str, Any]:
    """The pod with this index: a fresh dict (callers may mutate it).

    About 3.9 KB as JSON; about 4 KB as served, once the server adds ``uid``,
    ``resourceVersion`` and ``creationTimestamp``.
    """
    app = _APPS[index % len(_APPS)]
    rs_hash = _token(index % 97, 10, "rs")
    name = pod_name(index)
    node = f"node-{index % _NODES:03d}"
    ip = f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"
    image = f"registry.example.com/{app}:1.{index % 7}.{index % 13}"
    owner_uid = f"{_token(index % 97, 8, 'u1')}-{_token(index % 97, 4, 'u2')}-4e1a-9b1c-" \
        f"{_token(index % 97, 12, 'u3')}"
    container_id = "containerd://" + hashlib.sha256(f"c{index}".encode()).hexdigest()[:32]
    proxy_id = "containerd://" + hashlib.sha256(f"p{index}".encode()).hexdigest()[:32]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": f"{app}-{rs_hash}-",
            "namespace": namespace_name(index),
            "labels": {"app": app, "pod-template-hash": rs_hash, "tier": "backend",
                       "version": f"v1.{index % 7}"},
            "annotations": {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-{rs_hash}",
                "uid": owner_uid, "controller": True, "blockOwnerDeletion": True,
            }],
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update",
                 "apiVersion": "v1", "time": _STAMP, "fieldsType": "FieldsV1",
                 "fieldsV1": _CONTROLLER_FIELDS},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
                 "time": _STAMP, "fieldsType": "FieldsV1", "fieldsV1": _KUBELET_FIELDS,
                 "subresource": "status"},
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app", "image": image, "imagePullPolicy": "IfNotPresent",
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "512Mi"},
                                  "requests": {"cpu": "100m", "memory": "128Mi"}},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                },
                {"name": "proxy", "image": "registry.example.com/envoy:1.29.1",
                 "imagePullPolicy": "IfNotPresent", "resources": {},
                 "terminationMessagePath": "/dev/termination-log",
                 "terminationMessagePolicy": "File"},
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": node,
            "securityContext": {},
            "schedulerName": "default-scheduler",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": _STAMP}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": f"192.168.1.{index % _NODES}",
            "hostIPs": [{"ip": f"192.168.1.{index % _NODES}"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": _STAMP,
            "containerStatuses": [
                {"name": "app", "state": {"running": {"startedAt": _STAMP}},
                 "ready": True, "restartCount": 0, "image": image,
                 "imageID": f"{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()[:32]}",
                 "containerID": container_id, "started": True},
                {"name": "proxy", "state": {"running": {"startedAt": _STAMP}},
                 "ready": True, "restartCount": 0,
                 "image": "registry.example.com/envoy:1.29.1",
                 "imageID": "registry.example.com/envoy@sha256:" + "ab" * 16,
                 "containerID": proxy_id, "started": True},
            ],
            "qosClass": "Burstable",
        },
    }


def with_change(pod: dict[str, Any], sequence: int, stamp_ns: int | None = None) -> dict[str, Any]:
    """A new version of ``pod`` for one benchmark change, sharing everything but its metadata.

    The change is what a watch consumer can check: annotation ``bench/seq`` carries the global
    change number and, for the latency scenario, ``bench/stamp-ns`` the driver's
    ``time.monotonic_ns()`` just before the write (CLOCK_MONOTONIC is system-wide on Linux, so
    a consumer process can subtract it from its own clock). Only ``metadata`` and its
    ``annotations`` are copied: the server serializes the new version and never mutates it, so
    sharing ``spec``/``status`` keeps the driver cheap. ``metadata.resourceVersion`` stays the
    one the change was made from, as in a client's update (optimistic concurrency); the server
    writes the new one in place (removing the key first would make the server's re-insertion
    grow the copied dict's table on every change).
    """
    meta = dict(pod["metadata"])
    annotations = dict(meta.get("annotations") or {})
    annotations["bench/seq"] = str(sequence)
    if stamp_ns is not None:
        annotations["bench/stamp-ns"] = str(stamp_ns)
    meta["annotations"] = annotations
    changed = dict(pod)
    changed["metadata"] = meta
    return changed
