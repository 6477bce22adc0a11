"""CustomResourceDefinitions: what a CRD object serves, and the status the real server gives it.

Creating (or updating) a CRD through the storage registers one :class:`ResourceInfo` per served
version, with the ``status`` / ``scale`` subresources its versions declare; deleting it stops
serving them and deletes every instance. The real apiextensions controllers set the CRD's
``status`` (``acceptedNames``, ``storedVersions``, conditions ``NamesAccepted`` and
``Established``) asynchronously, a moment after the create; here it is written in the create
itself, so a client sees an established CRD at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.registry import ResourceInfo, ScalePaths, storage_version_hash

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.storage import Storage
    from kubeflow_informer.apiserver.stored import StoredObject

CRD_RESOURCE = ("apiextensions.k8s.io", "customresourcedefinitions")

#: A custom resource's verbs, in the order apiextensions-apiserver lists them in discovery.
CUSTOM_RESOURCE_VERBS = (
    "delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"
)


def crd_names(crd: dict[str, Any]) -> dict[str, Any]:
    """The CRD's ``spec.names`` with the defaults the server fills in (singular, listKind)."""
    names: dict[str, Any] = dict((crd.get("spec") or {}).get("names") or {})
    kind = str(names.get("kind") or "")
    names.setdefault("singular", kind.lower())
    names.setdefault("listKind", f"{kind}List")
    return names


def validate_crd(info: ResourceInfo, crd: dict[str, Any]) -> None:
    """422 Invalid unless the CRD names its group, plural, kind and versions consistently."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    name = crd["metadata"].get("name", "")
    causes = []
    group, plural, kind = spec.get("group"), names.get("plural"), names.get("kind")
    if not group:
        causes.append(status.field_cause("FieldValueRequired", "spec.group", "Required value"))
    if not plural:
        causes.append(
            status.field_cause("FieldValueRequired", "spec.names.plural", "Required value")
        )
    if not kind:
        causes.append(status.field_cause("FieldValueRequired", "spec.names.kind", "Required value"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            status.field_cause(
                "FieldValueNotSupported",
                "spec.scope",
                f'Unsupported value: "{spec.get("scope")}": supported values: '
                '"Cluster", "Namespaced"',
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        causes.append(status.field_cause("FieldValueRequired", "spec.versions", "Required value"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            status.field_cause(
                "FieldValueInvalid",
                "spec.versions",
                f"Invalid value: {versions!r}: must have exactly one version marked as storage "
                "version",
            )
        )
    if group and plural and name != f"{plural}.{group}":
        causes.append(
            status.field_cause(
                "FieldValueInvalid",
                "metadata.name",
                f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            )
        )
    if causes:
        raise status.invalid(info.group, info.kind, name, causes)


def set_crd_status(crd: dict[str, Any], now: str) -> None:
    """Write the status the apiextensions controllers would: names accepted, established."""
    spec = crd["spec"]
    stored = [v["name"] for v in spec["versions"] if v.get("storage")]
    previous = (crd.get("status") or {}).get("storedVersions") or []
    crd["status"] = {
        "acceptedNames": crd_names(crd),
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "NoConflicts",
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            },
        ],
        "storedVersions": list(dict.fromkeys([*previous, *stored])),
    }


def crd_resources(crd: dict[str, Any]) -> list[ResourceInfo]:
    """One ResourceInfo per served version of the CRD, with its declared subresources."""
    spec = crd["spec"]
    names = crd_names(crd)
    storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")), "")
    version_hash = storage_version_hash(spec["group"], storage, names["kind"])
    infos = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        declared = version.get("subresources") or {}
        subresources = set()
        scale_paths = None
        if "status" in declared:
            subresources.add("status")
        scale = declared.get("scale")
        if isinstance(scale, dict):
            subresources.add("scale")
            scale_paths = ScalePaths(
                spec_replicas=scale.get("specReplicasPath", ".spec.replicas"),
                status_replicas=scale.get("statusReplicasPath", ".status.replicas"),
                label_selector=scale.get("labelSelectorPath"),
            )
        infos.append(
            ResourceInfo(
                group=spec["group"],
                version=version["name"],
                plural=names["plural"],
                singular=names["singular"],
                kind=names["kind"],
                namespaced=spec["scope"] == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                verbs=CUSTOM_RESOURCE_VERBS,
                subresources=frozenset(subresources),
                categories=tuple(names.get("categories") or ()),
                scale_paths=scale_paths,
                storage_version_hash=version_hash,
            )
        )
    return infos


def serve_crd(storage: Storage, crd: StoredObject, old: StoredObject | None) -> None:
    """After a CRD write: register its served versions, unregister the ones it dropped."""
    previous = crd_resources(old.obj) if old is not None else []
    current = crd_resources(crd.obj)
    for info in previous:
        if info not in current:
            storage.registry.unregister(info.group, info.version, info.plural)
    for info in current:
        storage.registry.register(info)
        storage.note_resource(info)


def delete_crd(storage: Storage, info: ResourceInfo, crd: StoredObject) -> StoredObject:
    """Delete a CRD: every instance is removed (DELETED events), its watches end after those
    events, its resources stop being served, then the CRD itself is removed."""
    served = crd_resources(crd.obj)
    if served:
        resource = served[0].group_resource
        for stored in list(storage.objects_of(resource).values()):
            storage.remove(served[0], stored)
        for cr_info in served:
            storage.registry.unregister(cr_info.group, cr_info.version, cr_info.plural)
        storage.drop_resource(resource)
    return storage.remove(info, crd)
