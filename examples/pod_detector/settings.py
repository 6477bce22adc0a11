"""What pod-detector watches (:class:`WatchScope`) and how it judges (:class:`DetectorSettings`).

Why a scope object: the manager's informer factory shares one informer per (resource, namespace,
label selector). The controllers' watches and the reconcilers' listers must name exactly the same
triple, or a lister would ask for a new informer that nobody starts. :class:`WatchScope` builds
both from one place: one informer per resource for all namespaces, or one per watched namespace
(``--namespace`` is repeatable, and a controller-runtime style multi-namespace cache is a set of
per-namespace informers, which also lets RBAC be granted per namespace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubeflow_informer.cache import IndexFunc, Lister
from kubeflow_informer.controller import For, Predicate, Reconciler, Request, Watches

MapFunc = Callable[[Mapping[str, Any]], Iterable[Request]]


def request_for(obj: Mapping[str, Any]) -> list[Request]:
    """Map an object to its own request (the mapping of a ``For`` watch)."""
    return [Request.for_object(obj)]


@dataclass(frozen=True)
class WatchScope:
    """Namespaces (empty: all) and a label selector applied to every informer of the detector.

    The label selector narrows both Pods and Services: label the Services you want judged too.
    """

    namespaces: tuple[str, ...] = ()
    label_selector: str | None = None

    def __post_init__(self) -> None:
        if len(set(self.namespaces)) != len(self.namespaces):
            raise ValueError(f"namespaces listed twice: {list(self.namespaces)}")

    def _informer_namespaces(self) -> list[str | None]:
        return list(self.namespaces) if self.namespaces else [None]

    def covers(self, namespace: str) -> bool:
        """True when objects of ``namespace`` are watched."""
        return not self.namespaces or namespace in self.namespaces

    def primary(
        self, api_version: str, plural: str, predicates: Sequence[Predicate] = ()
    ) -> tuple[For, list[Watches]]:
        """The ``For`` of the first informer plus ``Watches`` mapping each other one to itself."""
        first, *rest = self._informer_namespaces()
        for_ = For(
            api_version,
            plural,
            namespace=first,
            label_selector=self.label_selector,
            predicates=tuple(predicates),
        )
        return for_, self.watches(api_version, plural, request_for, predicates, namespaces=rest)

    def watches(
        self,
        api_version: str,
        plural: str,
        map_fn: MapFunc,
        predicates: Sequence[Predicate] = (),
        *,
        namespaces: Sequence[str | None] | None = None,
    ) -> list[Watches]:
        """``Watches`` with ``map_fn``, one per informer of the scope (or of ``namespaces``)."""
        targets = self._informer_namespaces() if namespaces is None else namespaces
        return [
            Watches(
                api_version,
                plural,
                map_fn=map_fn,
                namespace=ns,
                label_selector=self.label_selector,
                predicates=tuple(predicates),
            )
            for ns in targets
        ]

    def lister(
        self,
        reconciler: Reconciler,
        api_version: str,
        plural: str,
        namespace: str,
        *,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> Lister | None:
        """The lister of the informer holding ``namespace``'s objects, or ``None`` if unwatched."""
        if not self.covers(namespace):
            return None
        kwargs: dict[str, Any] = {"label_selector": self.label_selector}
        if self.namespaces:
            kwargs["namespace"] = namespace
        if indexers:
            kwargs["indexers"] = indexers
        return reconciler.lister(api_version, plural, **kwargs)


@dataclass(frozen=True)
class DetectorSettings:
    """How pods are judged and how much concurrency the controllers get.

    ``grace_period``: seconds a pod may stay not Ready before it counts as unavailable.
    ``pending_limit``: seconds a pod may stay Pending. ``workers``: concurrent reconciles per
    controller.
    """

    scope: WatchScope = field(default_factory=WatchScope)
    grace_period: float = 30.0
    pending_limit: float = 300.0
    workers: int = 2

    def __post_init__(self) -> None:
        if self.grace_period < 0 or self.pending_limit < 0:
            raise ValueError("grace_period and pending_limit must not be negative")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
