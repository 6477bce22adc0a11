"""Single-object verbs: get, create, update (PUT), delete, and the ``status`` subresource.

A completed DELETE answers with the deleted object for pods, services and service accounts
and with a success ``Status`` for everything else, as kube-apiserver's registries do; a DELETE
that only marked the object (finalizers) answers with the marked object.

The HTTP layer checks what kube-apiserver's REST handlers check before storage is involved
(the body's namespace and name against the URL, the body's apiVersion/kind against the resource),
fills in what they default (namespace, apiVersion, kind), and maps the engine's answer to the
status code: 201 for a create, 200 for get/update/delete - and 202 for a delete that only
marked the object (finalizers) when the client explicitly asked for ``orphanDependents=false``,
as the real handler does for backward compatibility.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver.handlers.admission import admit
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.ownership import record_write
from kubeflow_informer.apiserver.handlers.params import (
    decode_body,
    decode_object,
    dry_run,
    parse_bool,
    parse_int,
)
from kubeflow_informer.apiserver.handlers.printer_columns import crd_printer_columns
from kubeflow_informer.apiserver.handlers.responses import json_response, raw_response
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.handlers.table import table_for, wants_table
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.status import bad_request
from kubeflow_informer.apiserver.stored import StoredObject
from kubeflow_informer.apiserver.strategy import check_conditional_update
from kubeflow_informer.keys import make_key

__all__ = [
    "check_body",
    "handle_create",
    "handle_delete",
    "handle_get",
    "handle_update",
    "object_response",
]


def object_response(
    request: web.Request, state: ServerState, info: ResourceInfo, stored: StoredObject
) -> web.Response:
    """The stored bytes of one object, or a one-row Table when kubectl asks for one."""
    if request.method == "GET" and wants_table(request.headers.get("Accept", "")):
        table = table_for(
            info,
            [stored.obj],
            include_object=request.query.get("includeObject", "Metadata"),
            custom_columns=crd_printer_columns(state.storage, info),
        )
        return json_response(table)
    return raw_response(stored.raw)


def check_body(
    info: ResourceInfo, body: dict[str, Any], namespace: str | None, name: str | None
) -> dict[str, Any]:
    """Validate the body against the URL and default its apiVersion, kind and namespace.

    Returns a shallow copy with a copied ``metadata`` (the caller's dict is never mutated).
    """
    api_version = body.get("apiVersion")
    if api_version and api_version != info.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({info.api_version})"
        )
    kind = body.get("kind")
    if kind and kind != info.kind:
        raise bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({info.kind})"
        )
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise bad_request("metadata must be an object")
    obj = dict(body)
    obj["apiVersion"] = info.api_version
    obj["kind"] = info.kind
    obj["metadata"] = metadata = dict(metadata)
    if info.namespaced:
        body_namespace = metadata.get("namespace")
        if body_namespace and body_namespace != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        metadata["namespace"] = namespace
    elif metadata.get("namespace"):
        metadata.pop("namespace")
    if name is not None:
        body_name = metadata.get("name")
        if body_name and body_name != name:
            raise bad_request(
                f"the name of the object ({body_name}) does not match the name on the URL "
                f"({name})"
            )
        metadata["name"] = name
    return obj


async def handle_get(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """GET one object (also ``.../status``, which returns the whole object)."""
    assert target.name is not None
    stored = state.storage.get(target.info, target.namespace, target.name)
    return object_response(request, state, target.info, stored)


async def handle_create(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST to a collection: 201 with the created object."""
    body = await decode_object(request, target.info.kind)
    obj = check_body(target.info, body, target.namespace, None)
    admit(request, state, target.info, target.namespace, obj, None)
    stored = state.storage.create(
        target.info, obj, namespace=target.namespace, dry_run=dry_run(request),
        record=record_write(request, target.info, None),
    )
    return raw_response(stored.raw, 201)


async def handle_update(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """PUT one object, its ``status`` or a namespace's ``finalize``: 200 with the new version
    (422 without a resourceVersion for the kinds that refuse unconditional updates)."""
    assert target.name is not None
    body = await decode_object(request, target.info.kind)
    obj = check_body(target.info, body, target.namespace, target.name)
    check_conditional_update(target.info, obj["metadata"], target.name)
    if target.subresource is None:
        admit(request, state, target.info, target.namespace, obj,
              _current(state, target.info, target.namespace, target.name))
    stored = state.storage.update(
        target.info,
        obj,
        namespace=target.namespace,
        name=target.name,
        subresource=target.subresource,
        dry_run=dry_run(request),
        record=record_write(request, target.info, target.subresource),
    )
    return raw_response(stored.raw, 200)


def _current(
    state: ServerState, info: ResourceInfo, namespace: str | None, name: str
) -> dict[str, Any] | None:
    """The stored object, or None (the write then answers 404 itself)."""
    stored = state.storage.objects_of(info.group_resource).get(
        make_key(namespace if info.namespaced else None, name))
    return stored.obj if stored is not None else None


def _propagation(options: dict[str, Any]) -> str | None:
    policy = options.get("propagationPolicy")
    if policy is not None:
        if policy not in ("Orphan", "Background", "Foreground"):
            raise bad_request(
                f'propagationPolicy: Unsupported value: "{policy}": supported values: '
                f'"Foreground", "Background", "Orphan"'
            )
        return str(policy)
    orphan = options.get("orphanDependents")
    if orphan is True:
        return "Orphan"
    return None


async def delete_options(request: web.Request) -> dict[str, Any]:
    """The DeleteOptions of a DELETE: the JSON body merged with the query parameters."""
    options: dict[str, Any] = {}
    if request.can_read_body:
        raw = await request.read()
        if raw.strip():
            body = await decode_body(request)
            if not isinstance(body, dict):
                raise bad_request("DeleteOptions must be an object")
            options.update(body)
    query = request.query
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    grace = parse_int(request, "gracePeriodSeconds")
    if grace is not None:
        options["gracePeriodSeconds"] = grace
    orphan = parse_bool(query.get("orphanDependents"))
    if orphan is not None:
        options["orphanDependents"] = orphan
    return options


async def handle_delete(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """DELETE one object: 200 with the object as deleted (or as marked for deletion)."""
    assert target.name is not None
    options = await delete_options(request)
    preconditions = options.get("preconditions")
    if preconditions is not None and not isinstance(preconditions, dict):
        raise bad_request("preconditions must be an object")
    grace = options.get("gracePeriodSeconds")
    stored = state.storage.delete(
        target.info,
        target.namespace,
        target.name,
        preconditions=preconditions or None,
        propagation_policy=_propagation(options),
        grace_period_seconds=grace if isinstance(grace, int) else None,
        dry_run=dry_run(request, options.get("dryRun")),
    )
    metadata = stored.obj.get("metadata", {})
    marked_only = bool(metadata.get("deletionTimestamp")) and bool(metadata.get("finalizers"))
    if marked_only:
        status = 202 if options.get("orphanDependents") is False else 200
        return raw_response(stored.raw, status)
    if target.info.group_resource in RETURNS_DELETED_OBJECT:
        return raw_response(stored.raw)
    return json_response(deleted_status(target.info, stored))


#: Resources whose DELETE answers with the deleted object (kube-apiserver's
#: ``ReturnDeletedObject``); every other resource answers a ``Status`` of success.
RETURNS_DELETED_OBJECT = frozenset({("", "pods"), ("", "serviceaccounts"), ("", "services")})


def deleted_status(info: ResourceInfo, stored: StoredObject) -> dict[str, Any]:
    """The success ``Status`` of a completed delete, as the generic registry builds it."""
    details: dict[str, Any] = {"name": stored.name}
    if info.group:
        details["group"] = info.group
    details["kind"] = info.plural
    uid = stored.obj.get("metadata", {}).get("uid")
    if uid:
        details["uid"] = uid
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
