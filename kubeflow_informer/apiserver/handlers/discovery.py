"""Discovery documents: ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/{g}``,
``/apis/{g}/{v}``, and the health endpoints.

Only the legacy (unaggregated) JSON format is served. kubectl 1.32 first asks for the
aggregated ``APIGroupDiscoveryList`` through the ``Accept`` header; client-go looks at the
response ``Content-Type`` and, when it is plain ``application/json``, parses the legacy
documents and walks the group/versions one by one, exactly as against an older server.
Documents are computed from the live registry on each request, so a CRD appears and
disappears from discovery as soon as it is served or not.
"""

from __future__ import annotations

import platform
from typing import Any

from aiohttp import web

from kubeflow_informer._version import __version__
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.responses import json_response, not_found_path
from kubeflow_informer.apiserver.registry import ResourceInfo

__all__ = [
    "KUBERNETES_VERSION",
    "api_group",
    "api_group_list",
    "api_resource_list",
    "api_versions",
    "version_info",
]

#: The Kubernetes version whose API the embedded server imitates.
KUBERNETES_VERSION = (1, 32, 0)

_SUBRESOURCE_VERBS = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "log": ("get",),
    "finalize": ("update",),
}


def version_info() -> dict[str, str]:
    """The ``/version`` document (``version.Info``)."""
    major, minor, patch = KUBERNETES_VERSION
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine or "amd64")
    return {
        "major": str(major),
        "minor": str(minor),
        "gitVersion": f"v{major}.{minor}.{patch}-kubeflow-informer",
        "gitCommit": f"kubeflow-informer-{__version__}",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{platform.python_version()}",
        "compiler": platform.python_implementation().lower(),
        "platform": f"{platform.system().lower() or 'linux'}/{arch}",
    }


def api_versions(state: ServerState) -> dict[str, Any]:
    """``/api``: the core group's versions (``APIVersions``)."""
    versions = next((v for g, v in state.registry.group_versions() if g == ""), ["v1"])
    return {
        "kind": "APIVersions",
        "versions": versions,
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": state.address}
        ],
    }


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(state: ServerState) -> dict[str, Any]:
    """``/apis``: every named group (``APIGroupList``)."""
    groups = [
        _group_entry(group, versions)
        for group, versions in state.registry.group_versions()
        if group and versions
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(state: ServerState, group: str) -> dict[str, Any] | None:
    """``/apis/{group}`` (``APIGroup``), or None when the group is not served."""
    for name, versions in state.registry.group_versions():
        if name == group and versions:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}
    return None


def _resource_entries(info: ResourceInfo) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(info.verbs),
    }
    if info.short_names:
        main["shortNames"] = list(info.short_names)
    if info.categories:
        main["categories"] = list(info.categories)
    entries = [main]
    for sub in sorted(info.subresources):
        entry: dict[str, Any] = {
            "name": f"{info.plural}/{sub}",
            "singularName": "",
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": list(_SUBRESOURCE_VERBS.get(sub, ("get",))),
        }
        if sub == "scale":
            entry.update(group="autoscaling", version="v1", kind="Scale")
        entries.append(entry)
    return entries


def api_resource_list(state: ServerState, group: str, version: str) -> dict[str, Any] | None:
    """``/api/v1`` or ``/apis/{g}/{v}`` (``APIResourceList``), or None when not served."""
    infos = state.registry.resources_in(group, version)
    if not infos:
        return None
    resources = [entry for info in infos for entry in _resource_entries(info)]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


async def handle_version(request: web.Request) -> web.Response:
    """GET /version."""
    return json_response(version_info())


async def handle_health(request: web.Request) -> web.Response:
    """GET /healthz, /livez, /readyz: ``ok`` as text, as the real server answers."""
    return web.Response(text="ok", content_type="text/plain")


def discovery_response(state: ServerState, group: str | None, version: str | None) -> web.Response:
    """The discovery document of ``/api[/v]`` (group ``""``) or ``/apis[/g[/v]]``."""
    document: dict[str, Any] | None
    if group is None:
        document = api_group_list(state)
    elif group == "" and version is None:
        document = api_versions(state)
    elif version is None:
        document = api_group(state, group)
    else:
        document = api_resource_list(state, group, version)
    if document is None:
        raise not_found_path()
    return json_response(document)
