"""The RBAC objects a real kube-apiserver creates at start, seeded into an RBAC-mode server.

``data/bootstrap_policy.json`` holds the ClusterRoles, ClusterRoleBindings, Roles and
RoleBindings that kube-apiserver 1.36's ``rbac/bootstrap-roles`` hook creates (``cluster-admin``,
``admin``, ``edit``, ``view``, the ``system:aggregate-to-*`` roles, ``system:discovery``,
``system:basic-user``, ``system:public-info-viewer``, the controllers' roles...), read from a
real server by ``tests/apiserver/rbac/dump_bootstrap_policy.py``, so that a test binding ``view``
or ``edit`` gets exactly what it would get on a cluster, and every authenticated user may read
discovery and ask ``kubectl auth can-i``. The rules of the aggregated roles (``admin``, ``edit``,
``view``) are not in the file: the server aggregates them (``cluster_role_aggregation.py``).
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.storage import Storage

__all__ = ["bootstrap_policy", "seed_bootstrap_policy"]

_PLURALS = {
    "ClusterRole": "clusterroles",
    "ClusterRoleBinding": "clusterrolebindings",
    "Role": "roles",
    "RoleBinding": "rolebindings",
}


def bootstrap_policy() -> list[dict[str, Any]]:
    """The bootstrap RBAC objects (fresh dicts on every call)."""
    data = resources.files("kubeflow_informer.apiserver").joinpath(
        "data/bootstrap_policy.json").read_bytes()
    objects: list[dict[str, Any]] = orjson.loads(data)
    return objects


def seed_bootstrap_policy(storage: Storage) -> None:
    """Create every bootstrap object in ``storage`` (a server write: no managedFields)."""
    for obj in bootstrap_policy():
        resource = ("rbac.authorization.k8s.io", _PLURALS[obj["kind"]])
        info = storage.info_of(resource)
        if info is None:
            raise ValueError(
                f"RBAC needs the rbac.authorization.k8s.io resources in the registry; "
                f"{resource[1]} is not served"
            )
        storage.create(info, obj, namespace=obj["metadata"].get("namespace"))
