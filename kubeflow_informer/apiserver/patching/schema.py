"""Strategic-merge metadata of the built-in Kubernetes types this package knows.

Kubernetes declares, on the Go fields of its built-in types, how a list is merged
(``patchStrategy:"merge"`` with a ``patchMergeKey``) and which structs keep only the keys a patch
names (``patchStrategy:"retainKeys"``). Strategic merge patch and our server-side apply both need
that metadata; this module is the single table of it, written as small named structs so a reader
can compare it line by line with ``k8s.io/api``.

A field not listed merges by default rules: an object merges key by key, a list is replaced as a
whole (atomic), a scalar is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldSpec", "Struct", "root_struct", "supports_strategic_merge"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field merges.

    ``merge_list`` - the list merges instead of being replaced; with ``merge_key`` it is a list of
    objects matched on that key, without one a list of scalars merged as a set.
    ``retain_keys`` - the object value keeps only the keys the patch lists (``$retainKeys``).
    ``struct`` - the struct of the object value, or of each list element.
    """

    merge_list: bool = False
    merge_key: str | None = None
    retain_keys: bool = False
    struct: str | None = None


Struct = dict[str, FieldSpec]


def _keyed(key: str, struct: str | None = None, *, retain_keys: bool = False) -> FieldSpec:
    return FieldSpec(merge_list=True, merge_key=key, struct=struct, retain_keys=retain_keys)


def _nested(struct: str, *, retain_keys: bool = False) -> FieldSpec:
    return FieldSpec(struct=struct, retain_keys=retain_keys)


_SET = FieldSpec(merge_list=True)
_CONDITIONS = _keyed("type")

STRUCTS: dict[str, Struct] = {
    "ObjectMeta": {"finalizers": _SET, "ownerReferences": _keyed("uid")},
    "Container": {
        "env": _keyed("name"),
        "ports": _keyed("containerPort"),
        "volumeMounts": _keyed("mountPath"),
        "volumeDevices": _keyed("devicePath"),
    },
    "PodSpec": {
        "containers": _keyed("name", "Container"),
        "initContainers": _keyed("name", "Container"),
        "ephemeralContainers": _keyed("name", "Container"),
        "volumes": _keyed("name", retain_keys=True),
        "imagePullSecrets": _keyed("name"),
        "hostAliases": _keyed("ip"),
        "topologySpreadConstraints": _keyed("topologyKey"),
        "schedulingGates": _keyed("name"),
        "resourceClaims": _keyed("name", retain_keys=True),
    },
    "PodStatus": {"conditions": _CONDITIONS, "podIPs": _keyed("ip")},
    "PodTemplateSpec": {"metadata": _nested("ObjectMeta"), "spec": _nested("PodSpec")},
    "Pod": {"spec": _nested("PodSpec"), "status": _nested("PodStatus")},
    "PodTemplate": {"template": _nested("PodTemplateSpec")},
    "WorkloadStatus": {"conditions": _CONDITIONS},
    "DeploymentSpec": {
        "template": _nested("PodTemplateSpec"),
        "strategy": FieldSpec(retain_keys=True),
    },
    "Deployment": {"spec": _nested("DeploymentSpec"), "status": _nested("WorkloadStatus")},
    "DaemonSetSpec": {"template": _nested("PodTemplateSpec")},
    "DaemonSet": {"spec": _nested("DaemonSetSpec"), "status": _nested("WorkloadStatus")},
    "TemplatedSpec": {"template": _nested("PodTemplateSpec")},
    "Templated": {"spec": _nested("TemplatedSpec"), "status": _nested("WorkloadStatus")},
    "JobTemplateSpec": {"metadata": _nested("ObjectMeta"), "spec": _nested("TemplatedSpec")},
    "CronJobSpec": {"jobTemplate": _nested("JobTemplateSpec")},
    "CronJob": {"spec": _nested("CronJobSpec")},
    "ServiceSpec": {"ports": _keyed("port")},
    "Service": {"spec": _nested("ServiceSpec"), "status": _nested("WorkloadStatus")},
    "NodeSpec": {"podCIDRs": _SET},
    "NodeStatus": {"conditions": _CONDITIONS, "addresses": _keyed("type")},
    "Node": {"spec": _nested("NodeSpec"), "status": _nested("NodeStatus")},
    "Conditioned": {"status": _nested("WorkloadStatus")},
    "ServiceAccount": {"secrets": _keyed("name"), "imagePullSecrets": _keyed("name")},
    "Plain": {},
}

# Kind -> root struct. ``metadata`` is added to every root below.
_KINDS: dict[str, str] = {
    "Pod": "Pod",
    "PodTemplate": "PodTemplate",
    "Deployment": "Deployment",
    "DaemonSet": "DaemonSet",
    "ReplicaSet": "Templated",
    "StatefulSet": "Templated",
    "ReplicationController": "Templated",
    "Job": "Templated",
    "CronJob": "CronJob",
    "Service": "Service",
    "Node": "Node",
    "Namespace": "Conditioned",
    "PersistentVolumeClaim": "Conditioned",
    "PersistentVolume": "Plain",
    "ServiceAccount": "ServiceAccount",
    "ConfigMap": "Plain",
    "Secret": "Plain",
    "Event": "Plain",
    "Endpoints": "Plain",
    "EndpointSlice": "Plain",
    "Lease": "Plain",
    "LimitRange": "Plain",
    "ResourceQuota": "Plain",
    "Role": "Plain",
    "RoleBinding": "Plain",
    "ClusterRole": "Plain",
    "ClusterRoleBinding": "Plain",
    "PriorityClass": "Plain",
    "StorageClass": "Plain",
    "Ingress": "Plain",
    "NetworkPolicy": "Plain",
    "PodDisruptionBudget": "Conditioned",
    "HorizontalPodAutoscaler": "Conditioned",
}

# Lower-cased kinds and plural resource names both resolve, so callers can pass either.
_LOOKUP: dict[str, str] = {}
for _kind, _root in _KINDS.items():
    _name = f"{_kind}:root"
    STRUCTS[_name] = {"metadata": _nested("ObjectMeta"), **STRUCTS[_root]}
    _LOOKUP[_kind.lower()] = _name
    if _kind.endswith("y"):
        _LOOKUP[_kind.lower()[:-1] + "ies"] = _name
    elif _kind.endswith("ss"):
        _LOOKUP[_kind.lower() + "es"] = _name
    elif not _kind.endswith("s"):
        _LOOKUP[_kind.lower() + "s"] = _name

UNKNOWN_ROOT = "Unknown:root"
STRUCTS[UNKNOWN_ROOT] = {"metadata": _nested("ObjectMeta")}


def supports_strategic_merge(kind: str) -> bool:
    """Whether ``kind`` (a kind or plural resource, any case) has strategic-merge metadata."""
    return kind.lower() in _LOOKUP


def root_struct(kind: str) -> str | None:
    """The struct name for the top of a ``kind`` object, or ``None`` for an unknown kind."""
    return _LOOKUP.get(kind.lower())
