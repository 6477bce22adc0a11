"""A minimal OpenAPI v3 description of the served paths, enough for kubectl.

kubectl (``apply``, ``create``, ``edit``...) asks ``/openapi/v3`` whether the server supports
the ``fieldValidation`` query parameter for a kind before sending it; without an answer it
refuses to work unless run with ``--validate=false``. The documents here list, for every served
resource, its collection and item paths with the verbs, the ``x-kubernetes-group-version-kind``
extension and the write parameters (``dryRun``, ``fieldManager``, ``fieldValidation``,
``force``). No schemas are published, so kubectl falls back to its compiled-in types to compute
strategic merge patches, and validates nothing client-side (the server accepts every field).
``/openapi/v2`` is answered 404, which kubectl treats as "no v2 document" and tolerates.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver.handlers.context import state_of
from kubeflow_informer.apiserver.handlers.discovery import KUBERNETES_VERSION
from kubeflow_informer.apiserver.handlers.responses import json_response, not_found_path
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo

__all__ = ["group_version_document", "handle_v2", "handle_v3_group", "handle_v3_index"]

_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "pretty")
_READ_PARAMS = ("pretty",)


def _params(names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "query", "description": name, "schema": {"type": "string"}}
        for name in names
    ]


def _operation(info: ResourceInfo, action: str, params: tuple[str, ...]) -> dict[str, Any]:
    return {
        "description": f"{action} {info.kind}",
        "operationId": f"{action}{info.kind}",
        "parameters": _params(params),
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": info.group,
            "version": info.version,
            "kind": info.kind,
        },
    }


def _prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def group_version_document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group/version, or None when it is not served."""
    infos = registry.resources_in(group, version)
    if not infos:
        return None
    paths: dict[str, Any] = {}
    prefix = _prefix(group, version)
    for info in infos:
        base = f"{prefix}/namespaces/{{namespace}}/{info.plural}" if info.namespaced else (
            f"{prefix}/{info.plural}"
        )
        paths[base] = {
            "get": _operation(info, "list", _READ_PARAMS),
            "post": _operation(info, "post", _WRITE_PARAMS),
        }
        paths[f"{base}/{{name}}"] = {
            "get": _operation(info, "get", _READ_PARAMS),
            "put": _operation(info, "put", _WRITE_PARAMS),
            "patch": _operation(info, "patch", (*_WRITE_PARAMS, "force")),
            "delete": _operation(info, "delete", ("dryRun", "pretty")),
        }
    major, minor, patch = KUBERNETES_VERSION
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": f"v{major}.{minor}.{patch}"},
        "paths": paths,
        "components": {"schemas": {}},
    }


def _index(registry: Registry) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for group, versions in registry.group_versions():
        for version in versions:
            document = group_version_document(registry, group, version)
            digest = hashlib.sha256(orjson.dumps(document)).hexdigest()[:32].upper()
            key = _prefix(group, version).lstrip("/")
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}


async def handle_v3_index(request: web.Request) -> web.Response:
    """GET /openapi/v3: the group/version index."""
    return json_response(_index(state_of(request).registry))


async def handle_v3_group(request: web.Request) -> web.Response:
    """GET /openapi/v3/api/v1 or /openapi/v3/apis/{group}/{version}."""
    parts = request.match_info["tail"].strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        raise not_found_path()
    document = group_version_document(state_of(request).registry, group, version)
    if document is None:
        raise not_found_path()
    return json_response(document)


async def handle_v2(request: web.Request) -> web.Response:
    """GET /openapi/v2: not served (see the module docstring)."""
    raise not_found_path()
