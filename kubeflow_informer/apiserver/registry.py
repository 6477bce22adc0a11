"""The table of served resources: what the server answers for, and how each resource behaves.

A :class:`ResourceInfo` is what discovery advertises for one resource in one group/version
(every field of its ``APIResourceList`` entry and of its subresources' entries), plus the few
facts the engine needs (scope, scale paths, whether objects are stored). The :class:`Registry` is
the live set: built-in resources are registered once (see ``builtins.py``); custom resources come
and go as ``CustomResourceDefinition`` objects are created and deleted through the storage.

Contract for the HTTP layer: :meth:`Registry.get` returning ``None`` means "not served" (404);
the order of :meth:`Registry.group_versions` is the order of discovery: the groups given as
``group_order`` first (the built-in groups, in the real server's order), then every other group
with its versions in Kubernetes version priority. The real server orders those other groups (the
CRDs', which all share one group priority) by name in aggregated discovery, and in the legacy
``/apis`` by the smallest name of their ``APIService`` objects (``v1.example.com``), which
kube-aggregator sorts by; ``legacy=True`` gives the latter.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where the ``scale`` subresource reads and writes, as CRD JSON paths (``.spec.replicas``).

    ``label_selector`` points either at a selector string (custom resources) or at a
    ``metav1.LabelSelector`` dict (built-in workloads' ``.spec.selector``); the HTTP layer turns
    the latter into its string form for ``Scale.status.selector``.
    """

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = None


#: The verbs of a status or scale subresource.
GET_PATCH_UPDATE: tuple[str, ...] = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class Subresource:
    """One subresource as discovery lists it (``pods/eviction``: kind ``Eviction`` of policy/v1).

    ``group``/``version`` are set only when the subresource answers with a kind of another
    group/version than its resource (``Scale`` of autoscaling/v1, ``TokenRequest``...).
    """

    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str | None = None
    version: str | None = None


_SCALE = Subresource("scale", "Scale", GET_PATCH_UPDATE, "autoscaling", "v1")


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """Discovery's ``storageVersionHash``: the first 8 bytes of SHA-256 over
    ``group/version/kind`` of the storage version, base64 (as ``k8s.io/apiserver`` computes it)."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


_KUBE_VERSION = re.compile(r"^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """A sort key putting versions in Kubernetes priority: ``v2``, ``v1``, ``v1beta2``,
    ``v1beta1``, ``v1alpha1``, then anything else alphabetically."""
    match = _KUBE_VERSION.match(version)
    if match is None:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), "")


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One served resource in one group/version, as discovery describes it.

    ``subresources`` names the subresources (what routing accepts); ``subresource_details`` is
    their discovery entries in discovery order. Given only names, the details are derived:
    ``status`` (the resource's own kind) and ``scale`` (``autoscaling/v1`` ``Scale``), which is
    all a custom resource can declare. ``stored`` is False for the kinds the real server
    computes instead of storing (reviews, ``bindings``, ``componentstatuses``): they have no
    ``storageVersionHash`` and answer only through a handler of their own.
    """

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = DEFAULT_VERBS
    subresources: frozenset[str] = frozenset()
    categories: tuple[str, ...] = ()
    scale_paths: ScalePaths | None = None
    storage_version_hash: str = ""
    stored: bool = True
    subresource_details: tuple[Subresource, ...] = ()
    _group_resource: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once: every write asks for it (a tuple per call was measurable on the live path).
        object.__setattr__(self, "_group_resource", (self.group, self.plural))
        if not self.subresource_details:
            derived = tuple(self._derived_subresources())
            object.__setattr__(self, "subresource_details", derived)
        elif {sub.name for sub in self.subresource_details} != self.subresources:
            raise ValueError(f"{self.plural}: subresource_details do not match subresources")

    def _derived_subresources(self) -> Iterable[Subresource]:
        # A custom resource's order: status, then scale (then anything else, by name).
        order = {"status": 0, "scale": 1}
        for name in sorted(self.subresources, key=lambda sub: (order.get(sub, 2), sub)):
            if name == "scale":
                yield _SCALE
            elif name == "status":
                yield Subresource(name, self.kind, GET_PATCH_UPDATE)
            else:
                yield Subresource(name, self.kind, ("get",))

    def subresource(self, name: str) -> Subresource | None:
        """The discovery entry of one subresource, or None when it is not served."""
        return next((sub for sub in self.subresource_details if sub.name == name), None)

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        """The kind of the list object (``PodList``)."""
        return f"{self.kind}List"

    @property
    def group_resource(self) -> tuple[str, str]:
        """The storage identity: every served version of a resource shares one set of objects."""
        return self._group_resource

    @property
    def has_status(self) -> bool:
        """True when ``status`` is a separate subresource (main updates keep the old status)."""
        return "status" in self.subresources


class Registry:
    """The mutable set of served resources, indexed by (group, version, plural) and by kind.

    Not thread-safe: used on the event loop only, like the storage that mutates it.
    """

    def __init__(self, group_order: Iterable[str] = ()) -> None:
        self._by_plural: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_kind: dict[tuple[str, str, str], ResourceInfo] = {}
        self._group_rank = {group: rank for rank, group in enumerate(group_order)}
        # versions in registration order (the order of a ranked group)
        self._groups: dict[str, list[str]] = {}

    def register(self, info: ResourceInfo) -> None:
        """Serve ``info`` (replacing an earlier registration of the same group/version/plural)."""
        self._by_plural[(info.group, info.version, info.plural)] = info
        self._by_kind[(info.group, info.version, info.kind)] = info
        versions = self._groups.setdefault(info.group, [])
        if info.version not in versions:
            versions.append(info.version)

    def unregister(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        """Stop serving a resource; drops the group/version when nothing is left in it."""
        info = self._by_plural.pop((group, version, plural), None)
        if info is None:
            return None
        self._by_kind.pop((group, version, info.kind), None)
        if not self.resources_in(group, version):
            versions = self._groups.get(group, [])
            if version in versions:
                versions.remove(version)
            if not versions:
                self._groups.pop(group, None)
        return info

    def get(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        """The resource served at ``/apis/{group}/{version}/{plural}``, or None."""
        return self._by_plural.get((group, version, plural))

    def by_kind(self, group: str, version: str, kind: str) -> ResourceInfo | None:
        """The resource whose objects have this group/version/kind, or None."""
        return self._by_kind.get((group, version, kind))

    def serves_group(self, group: str) -> bool:
        """True while at least one resource of ``group`` is served."""
        return bool(self._groups.get(group))

    def group_versions(self, *, legacy: bool = False) -> list[tuple[str, list[str]]]:
        """``[(group, [versions...]), ...]`` in discovery order (see the module docstring); the
        core group is ``""``; the first version of a group is its preferred version."""
        unranked = len(self._group_rank)

        def key(group: str) -> tuple[int, str]:
            if legacy and group not in self._group_rank:
                return unranked, min(f"{version}.{group}" for version in self._groups[group])
            return self._group_rank.get(group, unranked), group

        groups = sorted(self._groups, key=key)
        result = []
        for group in groups:
            versions = list(self._groups[group])
            if group not in self._group_rank:
                versions.sort(key=version_priority)
            result.append((group, versions))
        return result

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        """The resources of one group/version, in registration order."""
        return [i for i in self._by_plural.values() if i.group == group and i.version == version]

    def all(self) -> list[ResourceInfo]:
        """Every served resource, in registration order."""
        return list(self._by_plural.values())
