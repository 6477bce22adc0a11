"""Discovery documents: ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/{g}``,
``/apis/{g}/{v}``, aggregated discovery, and the health endpoints.

Every document is computed from the live registry on each request, so a CRD appears and
disappears from discovery as soon as it is served or not. The fields and their order are the real
server's: built-in kinds come from its captured discovery (``builtins.py``), custom resources are
described as apiextensions-apiserver describes them (verbs in its order, ``status`` then
``scale``, ``responseKind`` with the CRD's group/version).

Formats, chosen from ``Accept`` as kube-apiserver 1.36 does: ``/api`` and ``/apis`` answer the
aggregated ``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList`` to
``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`` (kubectl 1.32 asks for
it first, then ``v2beta1``, which 1.36 no longer serves, then plain JSON), with an ``ETag`` and
``304`` on ``If-None-Match``; every document answers the legacy JSON to ``application/json`` and
wildcards; anything else is ``406 NotAcceptable``. YAML and protobuf bodies, which the real
server also offers, are not produced (a client asking for them also accepts JSON).
"""

from __future__ import annotations

import hashlib
import platform
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer._version import __version__
from kubeflow_informer.apiserver.builtins import KUBERNETES_VERSION, is_builtin
from kubeflow_informer.apiserver.data import discovery_facts
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.negotiation import MediaRange, first_acceptable
from kubeflow_informer.apiserver.handlers.responses import (
    JSON,
    error_response,
    not_acceptable,
    not_found_path,
    not_found_text,
    raw_response,
)
from kubeflow_informer.apiserver.registry import ResourceInfo, Subresource

__all__ = [
    "AGGREGATED",
    "aggregated_discovery",
    "api_group",
    "api_group_list",
    "api_resource_list",
    "api_versions",
    "version_info",
]

#: The media type of aggregated discovery, v2 (what kubectl 1.32 asks for first).
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

_LEGACY, _AGGREGATED_CHOICE = "legacy", "aggregated"


def version_info() -> dict[str, str]:
    """The ``/version`` document (``version.Info``) of the imitated release, marked as ours."""
    major, minor, patch = KUBERNETES_VERSION
    real = discovery_facts()["version"]
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine or "amd64")
    return {
        "major": str(major),
        "minor": str(minor),
        "emulationMajor": real["emulationMajor"],
        "emulationMinor": real["emulationMinor"],
        "minCompatibilityMajor": real["minCompatibilityMajor"],
        "minCompatibilityMinor": real["minCompatibilityMinor"],
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
        for group, versions in state.registry.group_versions(legacy=True)
        if group and versions
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(state: ServerState, group: str) -> dict[str, Any] | None:
    """``/apis/{group}`` (``APIGroup``), or None when the group is not served."""
    for name, versions in state.registry.group_versions():
        if name == group and versions:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}
    return None


def _names_and_categories(info: ResourceInfo) -> dict[str, list[str]]:
    """The optional ``shortNames`` and ``categories`` of an entry (left out when empty)."""
    optional = {}
    if info.short_names:
        optional["shortNames"] = list(info.short_names)
    if info.categories:
        optional["categories"] = list(info.categories)
    return optional


def _resource_entries(info: ResourceInfo) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(info.verbs),
        **_names_and_categories(info),
    }
    if info.storage_version_hash:
        main["storageVersionHash"] = info.storage_version_hash
    entries = [main]
    for sub in info.subresource_details:
        entry: dict[str, Any] = {
            "name": f"{info.plural}/{sub.name}",
            "singularName": "",
            "namespaced": info.namespaced,
        }
        if sub.group is not None:
            entry["group"] = sub.group
        if sub.version is not None:
            entry["version"] = sub.version
        entry["kind"] = sub.kind
        entry["verbs"] = list(sub.verbs)
        entries.append(entry)
    return entries


def api_resource_list(state: ServerState, group: str, version: str) -> dict[str, Any] | None:
    """``/api/v1`` or ``/apis/{g}/{v}`` (``APIResourceList``), or None when not served."""
    infos = state.registry.resources_in(group, version)
    if not infos:
        return None
    resources = [entry for info in infos for entry in _resource_entries(info)]
    if not group:  # the real server's core list has no apiVersion (the named groups' have)
        return {"kind": "APIResourceList", "groupVersion": version, "resources": resources}
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": resources,
    }


def _response_kind(info: ResourceInfo, sub: Subresource | None = None) -> dict[str, str]:
    # The real server leaves group/version empty for a built-in kind's own responses and fills
    # them in for custom resources (apiextensions-apiserver builds its entries separately).
    if sub is not None and sub.group is not None:
        return {"group": sub.group, "version": sub.version or "", "kind": sub.kind}
    kind = sub.kind if sub is not None else info.kind
    if is_builtin(info):
        return {"group": "", "version": "", "kind": kind}
    return {"group": info.group, "version": info.version, "kind": kind}


def _aggregated_resource(info: ResourceInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": info.plural,
        "responseKind": _response_kind(info),
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "singularResource": info.singular,
        "verbs": list(info.verbs),
        **_names_and_categories(info),
    }
    if info.subresource_details:
        entry["subresources"] = [
            {"subresource": sub.name, "responseKind": _response_kind(info, sub),
             "verbs": list(sub.verbs)}
            for sub in info.subresource_details
        ]
    return entry


def aggregated_discovery(state: ServerState, *, core: bool) -> dict[str, Any]:
    """The ``APIGroupDiscoveryList`` of ``/api`` (``core``) or of ``/apis``."""
    items = []
    for group, versions in state.registry.group_versions():
        if (group == "") != core or not versions:
            continue
        item: dict[str, Any] = {"metadata": {"name": group} if group else {}}
        item["versions"] = [
            {
                "version": version,
                "resources": [
                    _aggregated_resource(info)
                    for info in state.registry.resources_in(group, version)
                ],
                "freshness": "Current",
            }
            for version in versions
        ]
        items.append(item)
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def _choice(aggregated_offered: bool) -> Any:
    def choose(media_range: MediaRange) -> str | None:
        params = media_range.params
        if params.get("as") == "APIGroupDiscoveryList":
            if (aggregated_offered and media_range.mime == JSON
                    and params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2"):
                return _AGGREGATED_CHOICE
            return None
        if media_range.matches(JSON) and not params.get("as"):
            return _LEGACY
        return None

    return choose


def _aggregated_response(request: web.Request, document: dict[str, Any]) -> web.Response:
    body = orjson.dumps(document)
    etag = f'"{hashlib.sha512(body).hexdigest().upper()}"'
    headers = {"ETag": etag, "Cache-Control": "public", "Vary": "Accept"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    response = raw_response(body, content_type="application/json")
    # aiohttp's content_type setter would drop the parameters client-go reads
    response.headers["Content-Type"] = AGGREGATED
    response.headers.update(headers)
    return response


async def handle_version(request: web.Request) -> web.Response:
    """GET /version."""
    return raw_response(orjson.dumps(version_info()))


async def handle_health(request: web.Request) -> web.Response:
    """GET /healthz, /livez, /readyz: ``ok`` as text, as the real server answers."""
    return web.Response(text="ok", content_type="text/plain")


def discovery_response(
    request: web.Request, state: ServerState, group: str | None, version: str | None
) -> web.Response:
    """The discovery document of ``/api[/v]`` (group ``""``) or ``/apis[/g[/v]]``.

    A group that is not served at all is the real server's plain-text ``404 page not found``
    (no handler is installed for it); an unknown version of a served group is a 404 ``Status``.
    """
    root = version is None and group in (None, "")
    choice = first_acceptable(request.headers.get("Accept", ""), _choice(root))
    if choice is None:
        return error_response(not_acceptable())
    if choice == _AGGREGATED_CHOICE:
        return _aggregated_response(request, aggregated_discovery(state, core=group == ""))
    document: dict[str, Any] | None
    if group is None:
        document = api_group_list(state)
    elif group == "" and version is None:
        document = api_versions(state)
    elif version is None:
        document = api_group(state, group)
        if document is None:
            return not_found_text()
    else:
        document = api_resource_list(state, group, version)
        if document is None:
            if group and api_group(state, group) is None:
                return not_found_text()
            raise not_found_path()
    return raw_response(orjson.dumps(document))
