"""Garbage collection through ``ownerReferences``, and namespace deletion.

The real garbage collector is a controller that watches everything and acts a moment later; here
the storage runs it synchronously, right after the change that triggers it (in the same call),
so tests see a deterministic sequence of watch events:

* **Background** (the default): when an owner is removed, each dependent whose every owner is gone
  is deleted (itself in Background, so chains cascade); a dependent that still has a live owner
  keeps existing and loses its dangling references, as the real collector patches them away.
* **Orphan**: the owner's references are removed from its dependents before it is deleted.
* **Foreground**: the owner gets the ``foregroundDeletion`` finalizer and a deletionTimestamp; its
  dependents are deleted (in Foreground themselves); once no dependent with
  ``blockOwnerDeletion: true`` remains, the finalizer is removed and the owner goes away. A
  dependent held by its own finalizers keeps the owner waiting, as on a real cluster.
* **Namespaces**: deleting one sets ``deletionTimestamp`` and ``status.phase: Terminating``
  (no new objects may be created in it: 403), deletes everything in it, and once it is empty
  removes the ``kubernetes`` finalizer from ``spec.finalizers`` and deletes the namespace. Objects
  held by finalizers keep the namespace terminating until they are gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.stored import EVENT_DELETED, EVENT_MODIFIED, StoredObject

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.storage import Storage

_Ref = tuple[tuple[str, str], str]  # (resource, key)
FOREGROUND = "foregroundDeletion"
NAMESPACES = ("", "namespaces")


def _owner_uids(stored: StoredObject | None) -> set[str]:
    if stored is None:
        return set()
    refs = stored.obj["metadata"].get("ownerReferences") or ()
    return {r["uid"] for r in refs if isinstance(r, dict) and r.get("uid")}


class GarbageCollector:
    """Indexes owners and dependents by uid; performs cascading deletion for the storage."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._by_uid: dict[str, _Ref] = {}
        self._dependents: dict[str, set[_Ref]] = {}
        # namespaces being emptied right now: their emptiness is checked once at the end
        # instead of after every removal (which would be quadratic in the namespace's size)
        self._emptying: set[str] = set()

    # ------------------------------------------------------------------ index maintenance

    def observe(
        self,
        resource: tuple[str, str],
        stored: StoredObject,
        old: StoredObject | None,
        event_type: str,
    ) -> None:
        """Keep the uid and dependents indexes in step with one committed change."""
        meta = stored.obj["metadata"]
        if event_type == EVENT_MODIFIED and old is not None:
            # The hot case (every live update): same uid, same owners -> both indexes are
            # already current. Checked first because it runs once per write.
            old_meta = old.obj["metadata"]
            if meta.get("uid") == old_meta.get("uid") and meta.get(
                "ownerReferences"
            ) == old_meta.get("ownerReferences"):
                return
        ref = (resource, stored.key)
        uid = meta.get("uid")
        if event_type == EVENT_DELETED:
            if uid:
                self._by_uid.pop(uid, None)
        elif uid:
            self._by_uid[uid] = ref
        if "ownerReferences" not in meta and (
            old is None or "ownerReferences" not in old.obj["metadata"]
        ):
            return  # the common case: nothing owns it, nothing to index
        new_owners = set() if event_type == EVENT_DELETED else _owner_uids(stored)
        old_owners = _owner_uids(old)
        if new_owners == old_owners:
            return
        for owner in old_owners - new_owners:
            dependents = self._dependents.get(owner)
            if dependents is not None:
                dependents.discard(ref)
                if not dependents:
                    del self._dependents[owner]
        for owner in new_owners - old_owners:
            self._dependents.setdefault(owner, set()).add(ref)

    def _lookup(self, ref: _Ref) -> tuple[ResourceInfo, StoredObject] | None:
        resource, key = ref
        stored = self._storage.objects_of(resource).get(key)
        info = self._storage.info_of(resource)
        if stored is None or info is None:
            return None
        return info, stored

    def has_dependents(self, uid: str) -> bool:
        """True when some live object lists ``uid`` among its owners."""
        return bool(self._dependents.get(uid))

    # ------------------------------------------------------------------ reactions

    def removed(self, stored: StoredObject) -> None:
        """An object is gone: cascade to its dependents, release waiting owners and namespaces."""
        uid = stored.obj["metadata"].get("uid")
        if uid:
            self._collect_dependents(uid)
        for owner_uid in _owner_uids(stored):
            self._release_foreground_owner(owner_uid)
        if stored.namespace is not None and stored.namespace not in self._emptying:
            self.finalize_namespace_if_empty(stored.namespace)

    def updated(self, stored: StoredObject, old: StoredObject) -> None:
        """An update may drop owner references, which can unblock a foreground owner."""
        for owner_uid in _owner_uids(old) - _owner_uids(stored):
            self._release_foreground_owner(owner_uid)

    def _collect_dependents(self, uid: str) -> None:
        for ref in sorted(self._dependents.pop(uid, set())):
            found = self._lookup(ref)
            if found is None:
                continue
            info, dependent = found
            refs = dependent.obj["metadata"].get("ownerReferences") or []
            live = [r for r in refs if r.get("uid") in self._by_uid]
            if not live:
                self._storage.delete_stored(info, dependent, "Background")
            elif len(live) != len(refs):
                self._set_owner_refs(info, dependent, live)

    def _set_owner_refs(
        self, info: ResourceInfo, stored: StoredObject, refs: list[dict[str, Any]]
    ) -> None:
        obj = dict(stored.obj)
        meta = dict(stored.obj["metadata"])
        if refs:
            meta["ownerReferences"] = refs
        else:
            meta.pop("ownerReferences", None)
        obj["metadata"] = meta
        new = self._storage.commit(info, EVENT_MODIFIED, obj, stored)
        self.updated(new, stored)

    def orphan_dependents(self, uid: str) -> None:
        """Remove references to ``uid`` from every dependent (Orphan propagation)."""
        for ref in sorted(self._dependents.get(uid, set())):
            found = self._lookup(ref)
            if found is None:
                continue
            info, dependent = found
            refs = dependent.obj["metadata"].get("ownerReferences") or []
            self._set_owner_refs(info, dependent, [r for r in refs if r.get("uid") != uid])

    def delete_dependents_foreground(self, uid: str) -> None:
        """Delete the dependents of an owner in foreground deletion, then maybe release it."""
        for ref in sorted(self._dependents.get(uid, set())):
            found = self._lookup(ref)
            if found is not None:
                self._storage.delete_stored(found[0], found[1], "Foreground")
        self._release_foreground_owner(uid)

    def _blocking(self, uid: str) -> bool:
        for ref in self._dependents.get(uid, ()):
            found = self._lookup(ref)
            if found is None:
                continue
            for owner_ref in found[1].obj["metadata"].get("ownerReferences") or ():
                if owner_ref.get("uid") == uid and owner_ref.get("blockOwnerDeletion"):
                    return True
        return False

    def _release_foreground_owner(self, uid: str) -> None:
        ref = self._by_uid.get(uid)
        if ref is None:
            return
        found = self._lookup(ref)
        if found is None:
            return
        info, owner = found
        meta = owner.obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if not meta.get("deletionTimestamp") or FOREGROUND not in finalizers:
            return
        if self._blocking(uid):
            return
        remaining = [f for f in finalizers if f != FOREGROUND]
        if not remaining:
            self._storage.remove(info, owner)
            return
        obj = dict(owner.obj)
        obj["metadata"] = {**meta, "finalizers": remaining}
        self._storage.commit(info, EVENT_MODIFIED, obj, owner)

    # ------------------------------------------------------------------ namespaces

    def delete_namespace(self, info: ResourceInfo, namespace: StoredObject) -> StoredObject:
        """Start (or continue) deleting a namespace and everything in it; see the module doc."""
        meta = namespace.obj["metadata"]
        current = namespace
        if not meta.get("deletionTimestamp"):
            obj = dict(namespace.obj)
            obj["metadata"] = {
                **meta,
                "deletionTimestamp": self._storage.now(),
                "deletionGracePeriodSeconds": 0,
            }
            obj["status"] = {**(namespace.obj.get("status") or {}), "phase": "Terminating"}
            current = self._storage.commit(info, EVENT_MODIFIED, obj, namespace)
        name = namespace.name
        self._emptying.add(name)
        try:
            for resource in self._storage.resources():
                res_info = self._storage.info_of(resource)
                if res_info is None or not res_info.namespaced:
                    continue
                for stored in list(self._storage.objects_of(resource).values()):
                    if stored.namespace != name:
                        continue
                    live = self._storage.objects_of(resource).get(stored.key)
                    if live is not None:
                        self._storage.delete_stored(res_info, live, "Background")
        finally:
            self._emptying.discard(name)
        self.finalize_namespace_if_empty(name)
        return self._storage.objects_of(NAMESPACES).get(name) or self._last_version(current)

    def _last_version(self, fallback: StoredObject) -> StoredObject:
        for event in reversed(list(self._storage.history.after(fallback.rv - 1))):
            if event.resource == NAMESPACES and event.new.key == fallback.key:
                return event.new
        return fallback

    def finalize_namespace_if_empty(self, name: str) -> None:
        """Remove a terminating namespace once nothing is left in it."""
        ns = self._storage.objects_of(NAMESPACES).get(name)
        if ns is None or not ns.obj["metadata"].get("deletionTimestamp"):
            return
        for resource in self._storage.resources():
            for stored in self._storage.objects_of(resource).values():
                if stored.namespace == name:
                    return
        info = self._storage.info_of(NAMESPACES)
        assert info is not None
        spec = ns.obj.get("spec") or {}
        if spec.get("finalizers"):
            obj = dict(ns.obj)
            obj["spec"] = {**spec, "finalizers": []}
            ns = self._storage.commit(info, EVENT_MODIFIED, obj, ns)
        if not ns.obj["metadata"].get("finalizers"):
            self._storage.remove(info, ns)
