"""What a controller watches (``For``, ``Owns``, ``Watches``) and how events become requests.

Each watch is an informer from the manager's shared factory plus an *event handler* that maps an
informer event to zero or more :class:`Request` s and adds them to the controller's queue. The
mappings are controller-runtime's ``handler`` package:

* ``For`` - the primary resource: an event on an object enqueues that object.
* ``Owns`` - a child resource: an event on a child enqueues the owner named by the child's
  ``ownerReferences`` entry whose group and kind match the primary resource (the version is
  ignored, as owners may be written at any served version). By default only the *controller*
  owner reference (``controller: true``) counts. Updates enqueue the owners of both the old and
  the new object, so moving a child between owners reconciles both.
* ``Watches`` - anything else, with a mapping function ``obj -> Iterable[Request]`` (e.g. a
  Service change enqueues the Pods it selects, read from a lister). Updates map both old and new.

Predicates filter events before mapping. Handlers are synchronous and never block: enqueueing is
a set insertion, so the event-to-queue path stays in the microsecond range.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Protocol

from kubeflow_informer.controller.predicates import Predicate
from kubeflow_informer.controller.reconciler import Request

logger = logging.getLogger(__name__)

Obj = Mapping[str, Any]
MapFunc = Callable[[Obj], Iterable[Request]]

#: Kinds of the built-in resources, so ``For("apps/v1", "deployments")`` needs no ``kind=``.
BUILTIN_KINDS: dict[tuple[str, str], str] = {
    ("", "pods"): "Pod",
    ("", "services"): "Service",
    ("", "configmaps"): "ConfigMap",
    ("", "secrets"): "Secret",
    ("", "namespaces"): "Namespace",
    ("", "nodes"): "Node",
    ("", "events"): "Event",
    ("", "endpoints"): "Endpoints",
    ("", "serviceaccounts"): "ServiceAccount",
    ("", "persistentvolumeclaims"): "PersistentVolumeClaim",
    ("", "persistentvolumes"): "PersistentVolume",
    ("", "replicationcontrollers"): "ReplicationController",
    ("apps", "deployments"): "Deployment",
    ("apps", "replicasets"): "ReplicaSet",
    ("apps", "statefulsets"): "StatefulSet",
    ("apps", "daemonsets"): "DaemonSet",
    ("batch", "jobs"): "Job",
    ("batch", "cronjobs"): "CronJob",
    ("coordination.k8s.io", "leases"): "Lease",
    ("networking.k8s.io", "ingresses"): "Ingress",
    ("networking.k8s.io", "networkpolicies"): "NetworkPolicy",
    ("policy", "poddisruptionbudgets"): "PodDisruptionBudget",
    ("rbac.authorization.k8s.io", "roles"): "Role",
    ("rbac.authorization.k8s.io", "rolebindings"): "RoleBinding",
    ("apiextensions.k8s.io", "customresourcedefinitions"): "CustomResourceDefinition",
}


def api_group(api_version: str) -> str:
    """The group of an ``apiVersion`` (``"apps/v1"`` -> ``"apps"``, ``"v1"`` -> ``""``)."""
    group, sep, _ = api_version.rpartition("/")
    return group if sep else ""


@dataclass(frozen=True)
class WatchSpec:
    """Common fields of :class:`For`, :class:`Owns` and :class:`Watches`.

    ``predicates`` apply to this watch only (controller-level predicates apply to every watch).
    ``label_selector`` / ``field_selector`` / ``namespace`` narrow the informer (and so are part
    of which shared informer is used).
    """

    api_version: str
    plural: str
    _: KW_ONLY
    namespaced: bool = True
    kind: str | None = None
    predicates: Sequence[Predicate] = ()
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None

    @property
    def group(self) -> str:
        return api_group(self.api_version)

    def resolved_kind(self) -> str:
        """``kind``, or the built-in kind for this group and plural; raises ``ValueError``."""
        if self.kind:
            return self.kind
        try:
            return BUILTIN_KINDS[(self.group, self.plural)]
        except KeyError:
            raise ValueError(
                f"{type(self).__name__}({self.api_version!r}, {self.plural!r}) needs kind=...: "
                "it is not a built-in resource, and ownerReferences are matched by kind"
            ) from None

    def informer_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``SharedInformerFactory.informer_for`` (only the set ones)."""
        kwargs: dict[str, Any] = {"namespaced": self.namespaced}
        if self.namespace is not None:
            kwargs["namespace"] = self.namespace
        if self.label_selector is not None:
            kwargs["label_selector"] = self.label_selector
        if self.field_selector is not None:
            kwargs["field_selector"] = self.field_selector
        return kwargs


@dataclass(frozen=True)
class For(WatchSpec):
    """The controller's primary resource: each event enqueues the object itself."""


@dataclass(frozen=True)
class Owns(WatchSpec):
    """A child resource: each event enqueues the child's owner of the primary kind.

    ``controller_only=True`` (the default, controller-runtime's ``OnlyControllerOwner``) only
    follows the owner reference marked ``controller: true``.
    """

    controller_only: bool = True


@dataclass(frozen=True)
class Watches(WatchSpec):
    """Any other resource, mapped to requests by ``map_fn(obj) -> Iterable[Request]``."""

    map_fn: MapFunc


class Enqueuer(Protocol):
    """The part of the workqueue handlers use."""

    def add(self, item: Any) -> None: ...


def unwrap_tombstone(obj: Any) -> Obj | None:
    """The object inside a ``DeletedFinalStateUnknown`` tombstone, or ``obj`` itself."""
    if isinstance(obj, Mapping):
        return obj
    inner = getattr(obj, "obj", None)
    return inner if isinstance(inner, Mapping) else None


def request_for_object(obj: Obj) -> list[Request]:
    """The ``For`` mapping: the object's own request."""
    return [Request.for_object(obj)]


def owner_mapper(
    owner_group: str, owner_kind: str, *, owner_namespaced: bool, controller_only: bool
) -> MapFunc:
    """The ``Owns`` mapping: requests for the matching owner references of an object."""

    def map_owner(obj: Obj) -> list[Request]:
        meta = obj.get("metadata") or {}
        refs = meta.get("ownerReferences") or ()
        namespace = (meta.get("namespace") or None) if owner_namespaced else None
        requests = []
        for ref in refs:
            if controller_only and not ref.get("controller"):
                continue
            if ref.get("kind") != owner_kind:
                continue
            if api_group(str(ref.get("apiVersion", ""))) != owner_group:
                continue
            requests.append(Request(namespace, str(ref["name"])))
        return requests

    return map_owner


class EnqueueHandler:
    """An informer event handler that filters by predicates, maps and enqueues.

    Synchronous on purpose: the informer calls it inline, and ``queue.add`` never blocks. A
    predicate or mapping function that raises is logged and the event dropped: one bad event
    must not stop the informer's handler loop.
    """

    def __init__(
        self,
        queue: Enqueuer,
        map_fn: MapFunc,
        predicates: Sequence[Predicate],
        *,
        name: str,
    ) -> None:
        self._queue = queue
        self._map = map_fn
        self._predicates = tuple(predicates)
        # The For mapping names the object itself, and old and new share their key: map once.
        self._map_old = map_fn is not request_for_object
        self.name = name

    def __repr__(self) -> str:
        return f"EnqueueHandler({self.name!r}, predicates={list(self._predicates)!r})"

    def _enqueue(self, obj: Obj) -> None:
        for request in self._map(obj):
            self._queue.add(request)

    def on_add(self, obj: Obj, is_initial_list: bool = False) -> None:
        try:
            for predicate in self._predicates:
                if not predicate.create(obj):
                    return
            self._enqueue(obj)
        except Exception:
            logger.exception("%s: dropping add event after an error", self.name)

    def on_update(self, old: Obj, new: Obj) -> None:
        try:
            for predicate in self._predicates:
                if not predicate.update(old, new):
                    return
            requests = self._map(new)
            if self._map_old and old is not new:
                # An owner reference may have moved: the old owners need to hear about it too.
                requests = list(dict.fromkeys([*self._map(old), *requests]))
            add = self._queue.add
            for request in requests:
                add(request)
        except Exception:
            logger.exception("%s: dropping update event after an error", self.name)

    def on_delete(self, obj: Any) -> None:
        inner = unwrap_tombstone(obj)
        if inner is None:
            logger.warning("%s: dropping delete event with no object: %r", self.name, obj)
            return
        try:
            if all(p.delete(inner) for p in self._predicates):
                self._enqueue(inner)
        except Exception:
            logger.exception("%s: dropping delete event after an error", self.name)


__all__ = [
    "BUILTIN_KINDS",
    "EnqueueHandler",
    "For",
    "MapFunc",
    "Owns",
    "WatchSpec",
    "Watches",
    "api_group",
    "owner_mapper",
    "request_for_object",
    "unwrap_tombstone",
]
