"""Per-resource write strategies: what create and update do to an object before it is stored.

This is the counterpart of the apiserver's ``rest.RESTCreateStrategy`` / ``RESTUpdateStrategy``
(``PrepareForCreate``, ``PrepareForUpdate``): system metadata, status subresource separation,
``generation`` bumps and the few per-kind defaults controllers rely on. Storage-level checks
(existence, conflicts, namespaces) stay in ``storage.py``.

Empty ObjectMeta maps and lists (labels, annotations, finalizers...) are dropped, as the real
server's ``omitempty`` encoding does. Documented deviations: status given on create is kept (the
real server resets it for most kinds; keeping it lets tests seed objects in any state); every
object gets a ``generation``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from kubeflow_informer.apiserver import status, validation
from kubeflow_informer.apiserver.builtins import is_builtin
from kubeflow_informer.apiserver.crd import CRD_RESOURCE, set_crd_status, validate_crd
from kubeflow_informer.apiserver.rbac_validation import prepare_rbac_object
from kubeflow_informer.apiserver.registry import ResourceInfo

NAMESPACES = ("", "namespaces")
PODS = ("", "pods")
DEPLOYMENTS = ("apps", "deployments")
_SYSTEM_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
#: ObjectMeta maps and lists the real server omits when empty (``omitempty``), for every kind.
_OMIT_EMPTY_METADATA = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")


def _drop_empty_metadata(meta: dict[str, Any]) -> None:
    for field in _OMIT_EMPTY_METADATA:
        if field in meta and not meta[field]:
            del meta[field]


def deep_copy(value: Any) -> Any:
    """A deep copy of JSON data (an orjson round trip: the fastest one available)."""
    return orjson.loads(orjson.dumps(value))


_MISSING = object()


def spec_changed(new: dict[str, Any], old: dict[str, Any], has_status: bool) -> bool:
    """Whether the "spec" part changed, which bumps ``generation``: everything but metadata (and
    status when status is a subresource), as the real strategies compare."""
    skip = _SKIP_WITH_STATUS if has_status else _SKIP_WITHOUT_STATUS
    for key in new.keys() | old.keys():
        if key not in skip and new.get(key, _MISSING) != old.get(key, _MISSING):
            return True
    return False


_SKIP_WITH_STATUS = frozenset({"metadata", "apiVersion", "kind", "status"})
_SKIP_WITHOUT_STATUS = frozenset({"metadata", "apiVersion", "kind"})


def check_conditional_update(info: ResourceInfo, meta: dict[str, Any], name: str) -> None:
    """422 for a PUT without ``metadata.resourceVersion`` where the real strategy refuses an
    unconditional update (``AllowUnconditionalUpdate() == false``): custom resources (and their
    status) and CustomResourceDefinitions. Built-in kinds update unconditionally."""
    if meta.get("resourceVersion"):
        return
    if is_builtin(info) and info.group_resource != CRD_RESOURCE:
        return
    raise status.invalid(
        info.group,
        info.plural,  # the generic store names the resource here, not the kind
        name,
        [status.field_cause("FieldValueInvalid", "metadata.resourceVersion",
                            "Invalid value: 0: must be specified for an update")],
    )


def prepare_for_create(info: ResourceInfo, obj: dict[str, Any], *, uid: str, now: str) -> None:
    """System metadata and per-kind defaults of a new object (mutates ``obj``)."""
    meta = obj["metadata"]
    for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
        meta.pop(field, None)
    _drop_empty_metadata(meta)
    meta["uid"] = uid
    meta["creationTimestamp"] = now
    meta["generation"] = 1
    resource = info.group_resource
    if resource == NAMESPACES:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            spec = obj["spec"] = {}
        spec["finalizers"] = ["kubernetes"]
        obj["status"] = {"phase": "Active"}
        _label_namespace(meta)
    elif resource == PODS:
        pod_status = obj.get("status")
        if not isinstance(pod_status, dict):
            pod_status = obj["status"] = {}
        pod_status.setdefault("phase", "Pending")
    elif resource == CRD_RESOURCE:
        validate_crd(info, obj)
        set_crd_status(obj, now)
    prepare_rbac_object(info, obj)


# Metadata fields a status update may change, per resource, as the real status strategies
# allow: the pod strategy lets the kubelet touch labels/annotations (ownerReferences stay), the
# apps workload strategies reset only spec and labels, and the job, service, node and namespace
# strategies reset only spec. Custom resources and CRDs reset the whole metadata: only
# ``status`` changes.
_ALL_METADATA = ("labels", "annotations", "finalizers", "ownerReferences")
_STATUS_METADATA: dict[tuple[str, str], tuple[str, ...]] = {
    PODS: ("labels", "annotations", "finalizers"),
    ("batch", "jobs"): _ALL_METADATA,
    ("", "services"): _ALL_METADATA,
    ("", "nodes"): _ALL_METADATA,
    NAMESPACES: _ALL_METADATA,
    DEPLOYMENTS: ("annotations", "finalizers", "ownerReferences"),
    ("apps", "replicasets"): ("annotations", "finalizers", "ownerReferences"),
    ("apps", "statefulsets"): ("annotations", "finalizers", "ownerReferences"),
    ("apps", "daemonsets"): ("annotations", "finalizers", "ownerReferences"),
}


def _status_only(info: ResourceInfo, old: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if not info.has_status:
        raise status.not_found(info.group, f"{info.plural}/status", body["metadata"]["name"])
    new = dict(old)
    meta = dict(old["metadata"])
    new["metadata"] = meta
    if "status" in body:
        new["status"] = body["status"]
    else:
        new.pop("status", None)
    for field in _STATUS_METADATA.get(info.group_resource, ()):
        value = body["metadata"].get(field)
        if isinstance(value, dict):
            meta[field] = dict(value)  # string -> string maps: a shallow copy is a full copy
        elif value:
            meta[field] = deep_copy(value)
        else:
            meta.pop(field, None)
    return new


def _containers_by_name(spec: dict[str, Any], field: str) -> dict[str, dict[str, Any]]:
    return {str(c.get("name")): c for c in spec.get(field) or [] if isinstance(c, dict)}


def _take_ephemeral_containers(new: dict[str, Any], body: dict[str, Any]) -> None:
    spec = new.setdefault("spec", {})
    wanted = (body.get("spec") or {}).get("ephemeralContainers")
    if wanted:
        spec["ephemeralContainers"] = deep_copy(wanted)
    else:
        spec.pop("ephemeralContainers", None)


def _take_resources(new: dict[str, Any], body: dict[str, Any]) -> None:
    spec, wanted = new.setdefault("spec", {}), body.get("spec") or {}
    for field in ("containers", "initContainers"):
        requested = _containers_by_name(wanted, field)
        for name, container in _containers_by_name(spec, field).items():
            for key in ("resources", "resizePolicy"):
                value = (requested.get(name) or {}).get(key)
                if value is None:
                    container.pop(key, None)
                else:
                    container[key] = deep_copy(value)


def _take_conditions(new: dict[str, Any], body: dict[str, Any]) -> None:
    conditions = (body.get("status") or {}).get("conditions")
    new_status = new.setdefault("status", {})
    if conditions:
        new_status["conditions"] = deep_copy(conditions)
    else:
        new_status.pop("conditions", None)


# Subresources that write one part of the object, everything else coming from the stored one:
# what each takes from the body (as the real ``ephemeralContainers``, ``resize`` and CSR
# ``approval`` strategies do), and whether that part counts as spec (bumps ``generation``).
_PART_SUBRESOURCES: dict[str, tuple[Callable[[dict[str, Any], dict[str, Any]], None], bool]] = {
    "ephemeralcontainers": (_take_ephemeral_containers, True),
    "resize": (_take_resources, True),
    "approval": (_take_conditions, False),
}
#: The label every namespace carries, set to its name by the namespace strategies.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def _label_namespace(meta: dict[str, Any]) -> None:
    meta["labels"] = {**(meta.get("labels") or {}), NAMESPACE_NAME_LABEL: meta["name"]}


def _keep_status(old: dict[str, Any], new: dict[str, Any]) -> None:
    if "status" in old:
        new["status"] = old["status"]
    else:
        new.pop("status", None)


def _namespace_update(old: dict[str, Any], new: dict[str, Any], subresource: str | None) -> None:
    """A namespace's finalizers change only through ``finalize``; its name label is forced."""
    if subresource is None:
        new["spec"] = old.get("spec") or {}
    elif subresource == "finalize":
        finalizers = list((new.get("spec") or {}).get("finalizers") or [])
        new["spec"] = {"finalizers": finalizers} if finalizers else {}  # omitempty
    _label_namespace(new["metadata"])


def prepare_for_update(
    info: ResourceInfo,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    subresource: str | None,
    now: str,
) -> dict[str, Any]:
    """The object to store for an update of ``old`` with body ``new``; raises 422/400/404.

    Main resource: the stored ``status`` is kept when status is a subresource. ``status``: only
    ``status`` changes, plus the metadata listed in ``_STATUS_METADATA`` for the kind.
    ``ephemeralcontainers``, ``resize``, ``approval``: only their part (``_PART_SUBRESOURCES``).
    A namespace's ``finalize``: metadata and ``spec.finalizers`` change, the status is kept;
    its main update keeps the stored ``spec``. Always:
    uid, creationTimestamp and the deletion fields come from ``old``; new finalizers on a
    deleting object are refused;
    ``generation`` is bumped when the spec part changed; resourceVersion is left as ``old``'s
    so that the caller can detect a no-op update by equality.
    """
    old_meta = old["metadata"]
    part = _PART_SUBRESOURCES.get(subresource or "")
    if subresource == "status":
        new = _status_only(info, old, new)
    elif part is not None:
        body, new = new, deep_copy(old)
        part[0](new, body)
    elif subresource == "finalize" and info.group_resource == NAMESPACES:
        _keep_status(old, new)
    elif subresource is not None:
        raise status.bad_request(f"subresource {subresource!r} cannot be updated here")
    elif info.has_status:
        _keep_status(old, new)
    if info.group_resource == NAMESPACES:
        _namespace_update(old, new, subresource)
    meta = new["metadata"]
    for field in _SYSTEM_FIELDS:
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    meta.pop("selfLink", None)
    _drop_empty_metadata(meta)
    problem = validation.check_new_finalizers(info, meta.get("name", ""), old_meta, meta)
    if problem is not None:
        raise problem
    generation = old_meta.get("generation", 1)
    # a status update carries the stored spec over unchanged: no need to compare it
    changed = (subresource is None or (part is not None and part[1])) and (
        spec_changed(new, old, info.has_status)
        # Deployments also count annotation changes: they are copied to the ReplicaSets
        or (info.group_resource == DEPLOYMENTS
            and (meta.get("annotations") or {}) != (old_meta.get("annotations") or {}))
    )
    if changed:
        generation += 1
    meta["generation"] = generation
    if info.group_resource == CRD_RESOURCE and changed:
        validate_crd(info, new)
        set_crd_status(new, now)
    if subresource is None:
        prepare_rbac_object(info, new)
    meta["resourceVersion"] = old_meta["resourceVersion"]
    return new
