"""A finalizer helper that cannot clobber other controllers' finalizers.

A finalizer is a string in ``metadata.finalizers``; while any is present the API server only
marks a deleted object (``metadata.deletionTimestamp``) instead of removing it, so the controller
gets a chance to clean up external state. The usual reconcile shape is::

    obj = lister.get(request.namespace, request.name)
    outcome = await finalizer.handle(obj, cleanup)       # cleanup: async (obj) -> None
    if outcome.deleting:
        return None                                       # nothing else to do for a dying object

What :meth:`Finalizer.handle` does, as controller-runtime's ``controllerutil`` helpers do:

* object alive, finalizer missing -> add it;
* object being deleted, finalizer present -> ``await cleanup(obj)``, then remove it (if cleanup
  raises, the finalizer stays and the error propagates, so the reconcile is retried);
* object being deleted, finalizer absent -> nothing.

Writes are JSON patches guarded by a ``test`` operation, never a full update or a merge patch of
the list (which would overwrite finalizers another controller added meanwhile):

* add to an existing list: ``test`` the whole list equals what we read, then append with ``/-``.
  The test matters even though an append cannot drop anyone: our cache may be stale and the
  finalizer already added, and the test stops us appending a duplicate.
* add when there is no list: ``test`` the ``resourceVersion`` we read, then ``add`` the list.
* remove: ``test`` that index ``i`` still holds our name, then ``remove`` index ``i``.

A failed test makes the API server answer 422 (raised as :class:`~kubeflow_informer.errors.Invalid`)
and a vanished object 404 (:class:`~kubeflow_informer.errors.NotFound`); both propagate. The
controller then retries with backoff, by which time the cache has the newer object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Patcher(Protocol):
    """The part of :class:`~kubeflow_informer.client.Resource` the helper needs."""

    async def patch(
        self, name: str, body: Any, *, namespace: str | None = ..., patch_type: Any = ...
    ) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class FinalizerOutcome:
    """What :meth:`Finalizer.handle` did.

    ``deleting``: the object has a ``deletionTimestamp`` (stop reconciling it). ``added`` /
    ``removed``: the finalizer was added / cleanup ran and the finalizer was removed.
    ``object``: the object as the server returned it after our patch (or the input if we did
    not write).
    """

    deleting: bool
    added: bool
    removed: bool
    object: Mapping[str, Any]


def is_deleting(obj: Mapping[str, Any]) -> bool:
    """True when the object is marked for deletion."""
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


class Finalizer:
    """Adds, runs and removes one named finalizer on objects of one resource.

    ``name`` should be a qualified name such as ``"example.com/cleanup"``. ``resource`` is a
    :class:`~kubeflow_informer.client.Resource` (anything with its ``patch`` signature).
    """

    def __init__(self, name: str, resource: Patcher) -> None:
        if not name:
            raise ValueError("a finalizer needs a name")
        self.name = name
        self.resource = resource

    def __repr__(self) -> str:
        return f"Finalizer({self.name!r})"

    def present(self, obj: Mapping[str, Any]) -> bool:
        """True when the object carries this finalizer."""
        return self.name in ((obj.get("metadata") or {}).get("finalizers") or ())

    async def add(self, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Add the finalizer unless present; returns the object as stored afterwards."""
        meta = obj["metadata"]
        current = meta.get("finalizers")
        if current and self.name in current:
            return obj
        if current:
            ops: list[dict[str, Any]] = [
                {"op": "test", "path": "/metadata/finalizers", "value": list(current)},
                {"op": "add", "path": "/metadata/finalizers/-", "value": self.name},
            ]
        else:
            ops = [
                {"op": "test", "path": "/metadata/resourceVersion",
                 "value": meta.get("resourceVersion")},
                {"op": "add", "path": "/metadata/finalizers", "value": [self.name]},
            ]
        return await self._patch(obj, ops)

    async def remove(self, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Remove the finalizer if present; returns the object as stored afterwards."""
        current = (obj.get("metadata") or {}).get("finalizers") or []
        if self.name not in current:
            return obj
        index = list(current).index(self.name)
        ops = [
            {"op": "test", "path": f"/metadata/finalizers/{index}", "value": self.name},
            {"op": "remove", "path": f"/metadata/finalizers/{index}"},
        ]
        return await self._patch(obj, ops)

    async def handle(
        self,
        obj: Mapping[str, Any],
        cleanup: Callable[[Mapping[str, Any]], Awaitable[None]],
    ) -> FinalizerOutcome:
        """Add on a live object; on a deleting one run ``cleanup`` then remove. See module doc."""
        if not is_deleting(obj):
            if self.present(obj):
                return FinalizerOutcome(deleting=False, added=False, removed=False, object=obj)
            stored = await self.add(obj)
            return FinalizerOutcome(deleting=False, added=True, removed=False, object=stored)
        if not self.present(obj):
            return FinalizerOutcome(deleting=True, added=False, removed=False, object=obj)
        await cleanup(obj)
        stored = await self.remove(obj)
        return FinalizerOutcome(deleting=True, added=False, removed=True, object=stored)

    async def _patch(self, obj: Mapping[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
        meta = obj["metadata"]
        return await self.resource.patch(
            meta["name"], ops, namespace=meta.get("namespace") or None, patch_type="json"
        )


__all__ = ["Finalizer", "FinalizerOutcome", "Patcher", "is_deleting"]
