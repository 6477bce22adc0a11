"""API discovery: server version, groups, resources, and a kind/plural/short-name mapper.

Answers are cached per :class:`Discovery` (one per ApiClient) until :meth:`Discovery.invalidate`.
:meth:`Discovery.find` invalidates once by itself when a name is not found, as client-go's
deferred REST mapper does, so a CRD installed after the first lookup is still found.
Ambiguous names resolve in discovery order: the core group first, then ``/apis`` in the
server's priority order, using each group's preferred version unless ``api_version`` is given.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubeflow_informer.errors import NotFound

if TYPE_CHECKING:
    from kubeflow_informer.client.api_client import ApiClient


@dataclass(frozen=True)
class ApiGroupInfo:
    """One API group: ``name`` (``""`` for core), its group-versions, the preferred one."""

    name: str
    versions: tuple[str, ...]
    preferred_version: str


@dataclass(frozen=True)
class ResourceInfo:
    """One resource type as discovery describes it; ``subresources`` lists ``status``,
    ``scale``, ``log``... split out of the ``pods/status`` style entries."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        """``"v1"`` for core, else ``"group/version"``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def matches(self, name: str) -> bool:
        """True when ``name`` is this resource's kind, plural, singular or a short name
        (case-insensitive), optionally qualified as ``name.group``."""
        lowered = name.lower()
        if self.group and lowered.endswith("." + self.group.lower()):
            lowered = lowered[: -len(self.group) - 1]
        return lowered in {
            self.kind.lower(),
            self.plural.lower(),
            self.singular.lower(),
            *(short.lower() for short in self.short_names),
        }


def _group_path(group_version: str) -> str:
    return f"/apis/{group_version}" if "/" in group_version else f"/api/{group_version}"


def parse_resource_list(group_version: str, document: dict[str, Any]) -> list[ResourceInfo]:
    """The :class:`ResourceInfo` entries of an ``APIResourceList`` with subresources folded in."""
    group, _, version = group_version.rpartition("/")
    entries = document.get("resources") or []
    subresources: dict[str, list[str]] = {}
    for entry in entries:
        parent, sep, sub = str(entry.get("name", "")).partition("/")
        if sep:
            subresources.setdefault(parent, []).append(sub)
    infos = []
    for entry in entries:
        name = str(entry.get("name", ""))
        if not name or "/" in name:
            continue
        infos.append(
            ResourceInfo(
                group=entry.get("group") or group,
                version=entry.get("version") or version,
                plural=name,
                singular=entry.get("singularName") or str(entry.get("kind", "")).lower(),
                kind=str(entry.get("kind", "")),
                namespaced=bool(entry.get("namespaced")),
                verbs=tuple(entry.get("verbs") or ()),
                short_names=tuple(entry.get("shortNames") or ()),
                categories=tuple(entry.get("categories") or ()),
                subresources=tuple(subresources.get(name, ())),
            )
        )
    return infos


class Discovery:
    """Discovery for one :class:`ApiClient`, reached as ``api.discovery``."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api
        self._groups: list[ApiGroupInfo] | None = None
        self._resources: dict[str, list[ResourceInfo]] = {}

    def __repr__(self) -> str:
        return f"Discovery(cached_group_versions={len(self._resources)})"

    def invalidate(self) -> None:
        """Forget every cached answer (call after installing CRDs or API services)."""
        self._groups = None
        self._resources = {}

    async def server_version(self) -> dict[str, Any]:
        """``GET /version``: ``major``, ``minor``, ``gitVersion``... (never cached)."""
        result: dict[str, Any] = await self._api.request("GET", "/version")
        return result

    async def api_groups(self) -> list[ApiGroupInfo]:
        """The core group (from ``/api``) followed by every group of ``/apis``."""
        if self._groups is not None:
            return self._groups
        legacy, groups_doc = await asyncio.gather(
            self._api.request("GET", "/api"), self._api.request("GET", "/apis")
        )
        groups: list[ApiGroupInfo] = []
        core_versions = tuple(legacy.get("versions") or ())
        if core_versions:
            groups.append(ApiGroupInfo("", core_versions, core_versions[0]))
        for group in groups_doc.get("groups") or []:
            versions = tuple(v["groupVersion"] for v in group.get("versions") or ())
            preferred = (group.get("preferredVersion") or {}).get("groupVersion")
            if not versions:
                continue
            groups.append(ApiGroupInfo(group["name"], versions, preferred or versions[0]))
        self._groups = groups
        return groups

    async def resources(self, group_version: str) -> list[ResourceInfo]:
        """The resources of one group-version (``"v1"``, ``"apps/v1"``), cached."""
        cached = self._resources.get(group_version)
        if cached is not None:
            return cached
        document = await self._api.request("GET", _group_path(group_version))
        infos = parse_resource_list(group_version, document)
        self._resources[group_version] = infos
        return infos

    async def _search(self, name: str, api_version: str | None) -> ResourceInfo | None:
        if api_version is not None:
            candidates = [api_version]
        else:
            candidates = [group.preferred_version for group in await self.api_groups()]
        lists = await asyncio.gather(*(self.resources(gv) for gv in candidates))
        for infos in lists:
            for info in infos:
                if info.matches(name):
                    return info
        return None

    async def find(self, name: str, api_version: str | None = None) -> ResourceInfo:
        """The resource for a kind (``TFJob``), plural (``tfjobs``), singular, short name
        (``deploy``) or ``plural.group``; restricted to ``api_version`` when given.

        Raises :class:`NotFound` when the server does not serve it (after one refresh).
        """
        info = await self._search(name, api_version)
        if info is None:
            self.invalidate()
            info = await self._search(name, api_version)
        if info is None:
            where = f" in {api_version}" if api_version else ""
            raise NotFound(404, "NotFound", f"the server has no resource type {name!r}{where}")
        return info
