"""The ``scale`` subresource: an ``autoscaling/v1`` ``Scale`` view of a workload.

``GET`` builds the Scale from the object (``spec.replicas``, ``status.replicas``, and the
selector as a string); ``PUT`` and ``PATCH`` change only the object's replica count (read from
the Scale's ``spec.replicas``) and answer with the new Scale. A ``resourceVersion`` in the Scale
is a precondition on the object, as on the real server. Where the numbers live comes from the
resource's ``ScalePaths`` (fixed for built-in workloads, ``scale`` paths of a CRD).
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.params import decode_body, decode_object, dry_run
from kubeflow_informer.apiserver.handlers.patch import APPLY_PATCH, patch_error, patch_function
from kubeflow_informer.apiserver.handlers.responses import json_response, unsupported_media_type
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.patching.errors import PatchError
from kubeflow_informer.apiserver.registry import ResourceInfo, ScalePaths
from kubeflow_informer.apiserver.status import bad_request, invalid
from kubeflow_informer.selectors import LabelSelector, SelectorError

__all__ = ["handle_scale", "scale_of"]


def _path(text: str) -> list[str]:
    return [part for part in text.split(".") if part]


def _read(obj: Any, path: str) -> Any:
    node = obj
    for part in _path(path):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _write(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = _path(path)
    node = obj
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def _selector_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        try:
            return str(LabelSelector.from_dict(value))
        except SelectorError:
            return None
    return None


def scale_of(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """The ``autoscaling/v1`` Scale of ``obj``."""
    paths = info.scale_paths or ScalePaths()
    meta = obj.get("metadata", {})
    scale_meta = {
        key: meta[key]
        for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if key in meta
    }
    status: dict[str, Any] = {"replicas": _read(obj, paths.status_replicas) or 0}
    if paths.label_selector:
        selector = _selector_text(_read(obj, paths.label_selector))
        if selector:
            status["selector"] = selector
    spec_replicas = _read(obj, paths.spec_replicas)
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": spec_replicas if isinstance(spec_replicas, int) else 0},
        "status": status,
    }


async def handle_scale(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """GET, PUT or PATCH ``.../scale``."""
    assert target.name is not None
    info = target.info
    current = state.storage.get(info, target.namespace, target.name)
    if request.method == "GET":
        return json_response(scale_of(info, current.obj))
    if request.method == "PUT":
        scale = await decode_object(request, "Scale")
    else:
        if request.content_type == APPLY_PATCH:
            raise unsupported_media_type(APPLY_PATCH, ("application/merge-patch+json",))
        apply_patch = patch_function(request.content_type, info)
        body = await decode_body(request, yaml_ok=False, check_type=False)
        current = state.storage.get(info, target.namespace, target.name)
        try:
            scale = apply_patch(scale_of(info, current.obj), body)
        except PatchError as exc:
            raise patch_error(exc) from None
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise invalid(
            "autoscaling",
            "Scale",
            target.name,
            [{"reason": "FieldValueInvalid", "field": "spec.replicas",
              "message": f"Invalid value: {replicas!r}: must be greater than or equal to 0"}],
        )
    scale_meta = scale.get("metadata") or {}
    if scale_meta.get("name") not in (None, target.name):
        raise bad_request(
            f"the name of the object ({scale_meta.get('name')}) does not match the name on the "
            f"URL ({target.name})"
        )
    obj = copy.deepcopy(current.obj)
    obj["metadata"]["resourceVersion"] = scale_meta.get("resourceVersion") or str(current.rv)
    _write(obj, (info.scale_paths or ScalePaths()).spec_replicas, replicas)
    stored = state.storage.update(
        info, obj, namespace=target.namespace, name=target.name, dry_run=dry_run(request)
    )
    return json_response(scale_of(info, stored.obj))
