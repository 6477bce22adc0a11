"""The built-in resources the embedded server serves: every one kube-apiserver v1.36 lists.

The table is built from the real server's discovery documents, captured into
``apiserver/data/discovery.json`` by ``tools/capture_kubernetes_api.py``: 67 resources in 20
groups, each with the kind, singular name, scope, verbs, short names, categories,
``storageVersionHash`` and subresources (``pods/eviction``, ``pods/binding``,
``serviceaccounts/token``, ``.../status``, ``.../scale``...) the real server advertises, in its
order. Discovery (legacy and aggregated) is derived from this one table, so its difference from
the real server is nil by construction, and a test pins it against the real server.

Most kinds are plain storage: nothing in the server acts on a ``StorageClass`` or a
``FlowSchema``, as nothing would on a cluster without controllers. The few facts the engine adds
on top of discovery live here too: where ``scale`` reads and writes, and which names must be
DNS-1123 labels. Kinds the real server computes instead of storing (the review kinds,
``bindings``, ``componentstatuses``) are marked ``stored=False`` and answer through
``handlers/computed.py``.
"""

from __future__ import annotations

from typing import Any

from kubeflow_informer.apiserver.data import discovery_facts
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo, ScalePaths, Subresource

__all__ = [
    "BUILTIN_RESOURCES",
    "KUBERNETES_VERSION",
    "LABEL_NAMED",
    "PATH_SEGMENT_NAMED",
    "default_registry",
    "is_builtin",
]

_WORKLOAD_SCALE = ScalePaths(
    spec_replicas=".spec.replicas",
    status_replicas=".status.replicas",
    label_selector=".spec.selector",
)

#: Where the ``scale`` subresource of a built-in workload reads and writes.
_SCALE_PATHS = {
    ("", "replicationcontrollers"): _WORKLOAD_SCALE,
    ("apps", "deployments"): _WORKLOAD_SCALE,
    ("apps", "replicasets"): _WORKLOAD_SCALE,
    ("apps", "statefulsets"): _WORKLOAD_SCALE,
}

# Resources whose names must be DNS-1123 labels (63 chars, no dots) rather than subdomains.
LABEL_NAMED: frozenset[tuple[str, str]] = frozenset({("", "namespaces"), ("", "services")})
# Resources whose names need only be valid path segments (``system:basic-user``), as RBAC's.
PATH_SEGMENT_NAMED: frozenset[tuple[str, str]] = frozenset(
    ("rbac.authorization.k8s.io", plural)
    for plural in ("roles", "rolebindings", "clusterroles", "clusterrolebindings")
)


def _subresource(entry: dict[str, Any]) -> Subresource:
    return Subresource(
        name=entry["name"].partition("/")[2],
        kind=entry["kind"],
        verbs=tuple(entry["verbs"]),
        group=entry.get("group"),
        version=entry.get("version"),
    )


def _resources(group_version: str, entries: list[dict[str, Any]]) -> list[ResourceInfo]:
    group, _, version = group_version.rpartition("/")
    subresources: dict[str, list[Subresource]] = {}
    for entry in entries:
        parent, _, sub = entry["name"].partition("/")
        if sub:
            subresources.setdefault(parent, []).append(_subresource(entry))
    infos = []
    for entry in entries:
        if "/" in entry["name"]:
            continue
        plural = entry["name"]
        details = tuple(subresources.get(plural, ()))
        infos.append(
            ResourceInfo(
                group=group,
                version=version,
                plural=plural,
                singular=entry["singularName"],
                kind=entry["kind"],
                namespaced=entry["namespaced"],
                short_names=tuple(entry.get("shortNames", ())),
                verbs=tuple(entry["verbs"]),
                subresources=frozenset(sub.name for sub in details),
                categories=tuple(entry.get("categories", ())),
                scale_paths=_SCALE_PATHS.get((group, plural)),
                storage_version_hash=entry.get("storageVersionHash", ""),
                stored="storageVersionHash" in entry,
                subresource_details=details,
            )
        )
    return infos


def _build() -> tuple[tuple[ResourceInfo, ...], tuple[str, ...]]:
    facts = discovery_facts()
    resources = tuple(
        info
        for group_version, entries in facts["resources"].items()
        for info in _resources(group_version, entries)
    )
    return resources, tuple(group["name"] for group in facts["groups"])


BUILTIN_RESOURCES, BUILTIN_GROUPS = _build()



def _release() -> tuple[int, int, int]:
    major, minor, patch = discovery_facts()["version"]["gitVersion"].lstrip("v").split(".")[:3]
    return int(major), int(minor), int(patch)


#: The Kubernetes release whose API the embedded server imitates: (major, minor, patch).
KUBERNETES_VERSION = _release()

_BUILTIN_RESOURCES = frozenset(info.group_resource for info in BUILTIN_RESOURCES)


def is_builtin(info: ResourceInfo) -> bool:
    """True for the built-in kinds (served from ``k8s.io/api`` types), False for custom ones."""
    return info.group_resource in _BUILTIN_RESOURCES


def default_registry() -> Registry:
    """A fresh registry serving every built-in resource (and no custom resource yet)."""
    registry = Registry(group_order=BUILTIN_GROUPS)
    for info in BUILTIN_RESOURCES:
        registry.register(info)
    return registry
