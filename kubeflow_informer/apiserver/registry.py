"""The table of served resources: what the server answers for, and how each resource behaves.

A :class:`ResourceInfo` is what discovery advertises for one resource in one group/version, plus
the few facts the engine needs (scope, subresources, scale paths). The :class:`Registry` is the
live set: built-in resources are registered once (see ``builtins.py``); custom resources come and
go as ``CustomResourceDefinition`` objects are created and deleted through the storage.

Contract for the HTTP layer: :meth:`Registry.get` returning ``None`` means "not served" (404);
the order of :meth:`Registry.group_versions` is the order of ``/api`` and ``/apis``.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One served resource in one group/version, as discovery describes it."""

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
    _group_resource: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once: every write asks for it (a tuple per call was measurable on the live path).
        object.__setattr__(self, "_group_resource", (self.group, self.plural))

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

    def __init__(self) -> None:
        self._by_plural: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_kind: dict[tuple[str, str, str], ResourceInfo] = {}
        # insertion-ordered: the discovery order of groups and of versions inside a group
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

    def group_versions(self) -> list[tuple[str, list[str]]]:
        """``[(group, [versions...]), ...]`` in registration order; the core group is ``""``."""
        return [(group, list(versions)) for group, versions in self._groups.items()]

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        """The resources of one group/version, in registration order."""
        return [i for i in self._by_plural.values() if i.group == group and i.version == version]

    def all(self) -> list[ResourceInfo]:
        """Every served resource, in registration order."""
        return list(self._by_plural.values())
