"""PATCH: JSON patch, JSON merge patch, strategic merge patch and server-side apply.

The patch type comes from the ``Content-Type``, as in kube-apiserver:

* ``application/json-patch+json`` - RFC 6902;
* ``application/merge-patch+json`` - RFC 7386;
* ``application/strategic-merge-patch+json`` - built-in kinds only; a custom resource answers
  415, as the real server does (see ``apiserver/patching`` for the supported subset);
* ``application/apply-patch+yaml`` - server-side apply, ``fieldManager`` required (422), ``force``
  honoured; applying to a missing object creates it (201).

Anything else is 415 UnsupportedMediaType. The patch is computed against the current stored
version and written with that version's resourceVersion unless the patch itself sets one (then
a stale value is a 409 Conflict, as with PUT). Everything between the read and the write runs
without an ``await``, so no other write can slip in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver.builtins import is_builtin
from kubeflow_informer.apiserver.handlers.admission import admit
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.objects import check_body
from kubeflow_informer.apiserver.handlers.ownership import record_write, schema_kind
from kubeflow_informer.apiserver.handlers.params import decode_body, dry_run, parse_bool
from kubeflow_informer.apiserver.handlers.responses import raw_response, unsupported_media_type
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.patching.apply import apply_server_side
from kubeflow_informer.apiserver.patching.errors import ApplyConflict, PatchError
from kubeflow_informer.apiserver.patching.json_patch import apply_json_patch
from kubeflow_informer.apiserver.patching.merge_patch import apply_merge_patch
from kubeflow_informer.apiserver.patching.strategic_merge import apply_strategic_merge_patch
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.status import field_cause, invalid, status_error
from kubeflow_informer.errors import ApiError, NotFound

__all__ = ["PATCH_CONTENT_TYPES", "handle_patch", "patch_error", "patch_function"]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

#: The patch media types the server accepts, in the order error messages list them.
PATCH_CONTENT_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)
_CUSTOM_CONTENT_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)

PatchFunction = Callable[[dict[str, Any], Any], dict[str, Any]]


def patch_error(error: PatchError, info: ResourceInfo | None = None, name: str | None = None
                ) -> ApiError:
    """The Status error of a patch that cannot be decoded or applied; an apply conflict lists
    one ``FieldManagerConflict`` cause per field, as the real server does."""
    if isinstance(error, ApplyConflict):
        causes = [
            {"reason": "FieldManagerConflict", "message": f"conflict with {label}",
             "field": path}
            for label, (_manager, path) in zip(error.labels, error.conflicts, strict=True)
        ]
        return status_error(
            409,
            "Conflict",
            str(error),
            name=name,
            group=info.group if info is not None else None,
            kind=info.plural if info is not None else None,
            causes=causes,
        )
    return status_error(error.status, error.reason, str(error))


def patch_function(content_type: str, info: ResourceInfo) -> PatchFunction:
    """The function applying a non-apply patch of ``content_type``; 415 when unsupported."""
    if content_type == JSON_PATCH:
        return apply_json_patch
    if content_type == MERGE_PATCH:
        return apply_merge_patch
    if content_type == STRATEGIC_PATCH and is_builtin(info):
        kind = info.kind
        return lambda doc, patch: apply_strategic_merge_patch(doc, patch, kind)
    accepted = PATCH_CONTENT_TYPES if is_builtin(info) else _CUSTOM_CONTENT_TYPES
    raise unsupported_media_type(content_type, accepted)


async def handle_patch(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """PATCH one object or its ``status``."""
    assert target.name is not None
    info = target.info
    content_type = request.content_type
    is_dry_run = dry_run(request)
    if content_type == APPLY_PATCH:
        return await _apply(request, state, target, is_dry_run)
    apply_patch = patch_function(content_type, info)
    patch = await decode_body(request, yaml_ok=False, check_type=False)
    current = state.storage.get(info, target.namespace, target.name)
    try:
        patched = apply_patch(current.obj, patch)
    except PatchError as exc:
        raise patch_error(exc) from None
    obj = check_body(info, patched, target.namespace, target.name)
    if target.subresource is None:
        admit(request, state, info, target.namespace, obj, current.obj)
    stored = state.storage.update(
        info,
        obj,
        namespace=target.namespace,
        name=target.name,
        subresource=target.subresource,
        dry_run=is_dry_run,
        record=record_write(request, info, target.subresource),
    )
    return raw_response(stored.raw)


async def _apply(
    request: web.Request, state: ServerState, target: ResourcePath, is_dry_run: bool
) -> web.Response:
    assert target.name is not None
    info = target.info
    field_manager = request.query.get("fieldManager", "")
    if not field_manager:
        raise invalid("meta.k8s.io", "PatchOptions", "", [field_cause(
            "FieldValueRequired", "fieldManager", "Required value: is required for apply patch")])
    force = bool(parse_bool(request.query.get("force")))
    applied = await decode_body(request, yaml_ok=True, check_type=False)
    if not isinstance(applied, dict):
        raise status_error(400, "BadRequest", "an apply configuration must be an object")
    applied = check_body(info, applied, target.namespace, target.name)
    try:
        live = state.storage.get(info, target.namespace, target.name)
    except NotFound:
        if target.subresource is not None:
            raise
        live = None
    try:
        result = apply_server_side(
            live.obj if live is not None else None,
            applied,
            field_manager=field_manager,
            force=force,
            kind=schema_kind(info),
            subresource=target.subresource,
        )
    except PatchError as exc:
        raise patch_error(exc, info, target.name) from None
    obj = check_body(info, result, target.namespace, target.name)
    if target.subresource is None:
        admit(request, state, info, target.namespace, obj, live.obj if live is not None else None)
    if live is None:
        created = state.storage.create(info, obj, namespace=target.namespace, dry_run=is_dry_run)
        return raw_response(created.raw, 201)
    if "resourceVersion" not in applied.get("metadata", {}):
        obj["metadata"]["resourceVersion"] = str(live.rv)
    ownership = obj["metadata"].get("managedFields")

    def keep_ownership(_old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        # a status write keeps the stored metadata: the apply's ownership is put back
        if ownership:
            new["metadata"]["managedFields"] = ownership
        return new

    stored = state.storage.update(
        info,
        obj,
        namespace=target.namespace,
        name=target.name,
        subresource=target.subresource,
        dry_run=is_dry_run,
        record=keep_ownership,
    )
    return raw_response(stored.raw)
