"""Regenerate ``kubeflow_informer/apiserver/data/bootstrap_policy.json`` from a real server.

    export KUBEBUILDER_ASSETS=$(../shared/envtest/unpack)
    python -m tests.apiserver.rbac.dump_bootstrap_policy

starts a real control plane (no controller manager), reads the Roles, ClusterRoles and bindings
kube-apiserver creates at start (its ``rbac/bootstrap-roles`` hook) and writes them, one object
per line, with only what defines them: name, namespace, labels, annotations, rules,
aggregationRule, roleRef and subjects. Left out: OpenShift's additions (the binaries are
OpenShift's build of upstream; names with ``openshift`` in them), and the rules of aggregated
ClusterRoles (``admin``, ``edit``, ``view``), which the embedded server computes itself as
kube-controller-manager's aggregation controller does. ``test_bootstrap_policy.py`` checks the
file against the running server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ControlPlane

OUTPUT = (Path(__file__).resolve().parents[3]
          / "kubeflow_informer" / "apiserver" / "data" / "bootstrap_policy.json")
KINDS = (("clusterroles", False), ("clusterrolebindings", False), ("roles", True),
         ("rolebindings", True))
_METADATA = ("name", "namespace", "labels", "annotations")
_BODY = ("aggregationRule", "rules", "roleRef", "subjects")


def bootstrap_object(item: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The defining part of one bootstrap object, or None for one the file leaves out."""
    meta = item["metadata"]
    if "openshift" in meta["name"]:
        return None
    obj: dict[str, Any] = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind}
    obj["metadata"] = {key: meta[key] for key in _METADATA if key in meta}
    for key in _BODY:
        if key in item:
            obj[key] = item[key]
    if "aggregationRule" in obj:
        obj.pop("rules", None)
    return obj


async def dump(api: ApiClient) -> list[dict[str, Any]]:
    objects = []
    for plural, namespaced in KINDS:
        resource = api.resource("rbac.authorization.k8s.io/v1", plural, namespaced=namespaced)
        listing = await resource.list()
        kind = listing["kind"].removesuffix("List")
        for item in sorted(listing["items"], key=lambda i: (i["metadata"].get("namespace", ""),
                                                             i["metadata"]["name"])):
            obj = bootstrap_object(item, kind)
            if obj is not None:
                objects.append(obj)
    return objects


async def main() -> None:
    async with ControlPlane() as plane, ApiClient(plane.config) as api:
        objects = await dump(api)
    lines = b",\n".join(orjson.dumps(obj) for obj in objects)
    OUTPUT.write_bytes(b"[\n" + lines + b"\n]\n")
    sys.stdout.write(f"wrote {len(objects)} objects to {OUTPUT}\n")


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
