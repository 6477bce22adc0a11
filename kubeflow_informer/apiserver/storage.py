"""In-memory storage with kube-apiserver semantics: the engine of the embedded API server.

Every write goes through one place (:meth:`Storage.commit`) which bumps the single global
resourceVersion counter, serializes the new version once (:class:`StoredObject`), records the
change in the bounded history window, hands it to the watch fan-out, and updates the
garbage-collection indexes. All methods are synchronous and meant to run on the event loop: a
write and the delivery of its watch event happen in the same step, so a watcher never misses or
reorders a change.

Object semantics implemented (per-kind details in ``strategy.py``):
``uid``, ``creationTimestamp`` (RFC 3339, ``Z``), ``generation`` (starts at 1; bumped when
anything but ``metadata`` - and ``status`` for resources with a status subresource - changes, and
when a deletion held by finalizers starts), ``resourceVersion`` (decimal string), ``generateName``
(5 characters from the seeded RNG, consonants and digits as the real server), namespace
existence and termination checks, AlreadyExists, Conflict on a stale resourceVersion, status
subresource separation, finalizers, no-op updates that do not write, owner-reference garbage
collection (``gc.py``), namespace deletion, and CRDs that serve their resources (``crd.py``).

Objects passed in are copied (except on :meth:`Storage.bulk_load`'s fast path): the storage
never keeps a reference to a caller's dict, and the dicts it hands out (``StoredObject.obj``)
must not be mutated. Deviation: deleting a pod removes it at once (no kubelet confirms a
graceful deletion here), whatever its ``nodeName`` and grace period.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from kubeflow_informer.apiserver import listing, status, validation
from kubeflow_informer.apiserver.crd import CRD_RESOURCE, delete_crd, serve_crd
from kubeflow_informer.apiserver.gc import GarbageCollector
from kubeflow_informer.apiserver.history import History
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo
from kubeflow_informer.apiserver.stored import (
    EVENT_ADDED,
    EVENT_DELETED,
    EVENT_MODIFIED,
    HistoryEvent,
    ListResult,
    StoredObject,
)
from kubeflow_informer.apiserver.strategy import (
    NAMESPACES,
    PODS,
    deep_copy,
    prepare_for_create,
    prepare_for_update,
)
from kubeflow_informer.apiserver.watch import (
    FieldMatcher,
    LabelMatcher,
    Watcher,
    WatchHub,
    make_filter,
)
from kubeflow_informer.apiserver.watch_start import start_watch
from kubeflow_informer.keys import make_key

__all__ = ["ListResult", "Storage", "StoredObject"]

_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the apiserver's: no vowels, no 0/1/3
_SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
PROPAGATION_POLICIES = ("Orphan", "Background", "Foreground")

CommitObserver = Callable[[StoredObject, StoredObject | None, str], None]
"""Called with (new version, previous version or None, event type) right after a change of one
resource is committed (see :meth:`Storage.observe_commits`)."""

RecordWrite = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
"""What an API write adds to the object it stores: called with (previous object or None, object
as it will be stored), returns the object to store. The HTTP layer records field ownership
(``managedFields``) with it; internal writes (GC, bulk loads) pass none."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Storage:
    """The object store; see the module docstring for the semantics.

    ``history_size`` bounds the replay window (older watches and continue tokens get 410);
    ``watch_buffer`` bounds each watcher's queue of undelivered live events; ``seed`` makes
    uids and generated names reproducible; ``clock`` returns the current time (tests pin it).
    """

    def __init__(
        self,
        registry: Registry,
        *,
        history_size: int = 10_000,
        watch_buffer: int = 10_000,
        seed: int = 0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.registry = registry
        self.resource_version = 1
        self.watch_buffer = watch_buffer
        self._rng = random.Random(seed)
        self._clock = clock
        self._now_second = -1
        self._now_text = ""
        self.history = History(history_size)
        """The replay window (read by watches and snapshot lists)."""
        self.history.compacted_rv = self.history.snapshot_floor = self.resource_version
        self.hub = WatchHub()
        """The live watchers."""
        self._objects: dict[tuple[str, str], dict[str, StoredObject]] = {}
        self._sorted: dict[tuple[str, str], list[str]] = {}
        self._infos: dict[tuple[str, str], ResourceInfo] = {}
        self._gc = GarbageCollector(self)
        self._observers: dict[tuple[str, str], list[CommitObserver]] = {}
        for info in registry.all():
            self._infos.setdefault(info.group_resource, info)
        ns_info = self._infos.get(NAMESPACES)
        if ns_info is not None:
            for name in _SYSTEM_NAMESPACES:
                self.create(ns_info, {"metadata": {"name": name}}, namespace=None)

    def __repr__(self) -> str:
        return f"Storage(resource_version={self.resource_version}, watchers={self.hub.count()})"

    # ----------------------------------------------------------------- internals used by gc/crd

    def now(self) -> str:
        """The current time as the apiserver writes timestamps (RFC 3339, seconds, ``Z``)."""
        moment = self._clock()
        second = int(moment.timestamp())
        if second != self._now_second:  # formatting is costly; bulk writes share one second
            self._now_second = second
            self._now_text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._now_text

    def objects_of(self, resource: tuple[str, str]) -> dict[str, StoredObject]:
        """The live objects of one resource, by key (do not mutate)."""
        return self._objects.setdefault(resource, {})

    def info_of(self, resource: tuple[str, str]) -> ResourceInfo | None:
        """A ResourceInfo of a stored resource (any served version)."""
        return self._infos.get(resource)

    def resources(self) -> list[tuple[str, str]]:
        """Every resource that has ever held objects."""
        return list(self._objects)

    def commit(
        self,
        info: ResourceInfo,
        event_type: str,
        obj: dict[str, Any],
        old: StoredObject | None,
        *,
        unrecorded: bool = False,
    ) -> StoredObject:
        """Write one change: new RV, serialize once, history, watch fan-out, GC indexes.

        ``unrecorded`` (:meth:`bulk_load` with nobody watching): no history entry and no
        fan-out; the caller compacts the history window afterwards.
        """
        self.resource_version += 1
        rv = self.resource_version
        obj["metadata"]["resourceVersion"] = str(rv)
        stored = StoredObject(obj, rv, previous=old)
        resource = info.group_resource
        objects = self._objects.get(resource)
        if objects is None:
            objects = self._objects[resource] = {}
        if event_type == EVENT_DELETED:
            del objects[stored.key]
            self._sorted.pop(resource, None)
        else:
            if stored.key not in objects:
                self._sorted.pop(resource, None)
            objects[stored.key] = stored
        if not unrecorded:
            event = HistoryEvent(rv, resource, event_type, stored, old)
            self.history.append(event)
            self.hub.dispatch(event)
        self._gc.observe(resource, stored, old, event_type)
        observers = self._observers.get(resource)
        if observers is not None:
            for observer in observers:
                observer(stored, old, event_type)
        return stored

    def observe_commits(self, resource: tuple[str, str], observer: CommitObserver) -> None:
        """Call ``observer`` after every committed change of ``resource`` (a controller of the
        server's own, such as ClusterRole aggregation, which may write in turn)."""
        self._observers.setdefault(resource, []).append(observer)

    def sorted_keys(self, resource: tuple[str, str]) -> list[str]:
        """The keys of one resource in etcd order (cached until a key is added or removed)."""
        keys = self._sorted.get(resource)
        if keys is None:
            keys = sorted(self._objects.get(resource, {}))
            self._sorted[resource] = keys
        return keys

    def note_resource(self, info: ResourceInfo) -> None:
        """Make ``info`` the ResourceInfo used for its resource's internal writes (GC)."""
        self._infos[info.group_resource] = info

    def _info(self, info: ResourceInfo) -> ResourceInfo:
        self._infos.setdefault(info.group_resource, info)
        return info

    def _generate_name(self, prefix: str) -> str:
        return prefix + "".join(self._rng.choice(_NAME_ALPHABET) for _ in range(5))

    def _uid(self) -> str:
        # a version-4 UUID from the seeded RNG (formatted by hand: uuid.UUID is slow in bulk)
        bits = self._rng.getrandbits(128)
        bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _check_namespace(self, info: ResourceInfo, namespace: str, name: str) -> None:
        ns = self._objects.get(NAMESPACES, {}).get(namespace)
        if ns is None:
            raise status.not_found("", "namespaces", namespace)
        if ns.obj["metadata"].get("deletionTimestamp"):
            raise status.forbidden(
                info.group,
                info.plural,
                name,
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
            )

    # ----------------------------------------------------------------------------- reads

    def get(self, info: ResourceInfo, namespace: str | None, name: str) -> StoredObject:
        """The current version of one object; 404 NotFound when absent."""
        key = make_key(namespace if info.namespaced else None, name)
        stored = self._objects.get(info.group_resource, {}).get(key)
        if stored is None:
            raise status.not_found(info.group, info.plural, name)
        return stored

    # ----------------------------------------------------------------------------- writes

    def _prepare_create(
        self, info: ResourceInfo, body: dict[str, Any], namespace: str | None, *, copy: bool = True
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise status.bad_request("the body of the request must be an object")
        obj = deep_copy(body) if copy else body
        obj = validation.check_type(info, obj)
        meta = validation.check_metadata(obj)
        validation.resolve_namespace(info, meta, namespace)
        if meta.get("resourceVersion"):
            raise status.bad_request("resourceVersion should not be set on objects to be created")
        ns = meta.get("namespace") if info.namespaced else None
        objects = self._objects.setdefault(info.group_resource, {})
        name = meta.get("name")
        if not name and meta.get("generateName"):
            for _ in range(8):  # the real server also retries a taken generated name
                name = self._generate_name(str(meta["generateName"]))
                if make_key(ns, name) not in objects:
                    break
            meta["name"] = name
        validation.check_name(info, name)
        assert isinstance(name, str)
        if ns is not None:
            self._check_namespace(info, ns, name)
        if make_key(ns, name) in objects:
            raise status.already_exists(info.group, info.plural, name)
        prepare_for_create(info, obj, uid=self._uid(), now=self.now())
        return obj

    def create(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        *,
        namespace: str | None,
        dry_run: bool = False,
        record: RecordWrite | None = None,
    ) -> StoredObject:
        """POST: store a new object (the body is copied, never kept).

        Errors: 400 kind/apiVersion/namespace mismatch, 422 bad name, 404 missing namespace,
        403 terminating namespace, 409 AlreadyExists. A dry run validates and returns the object
        as it would be stored, without a resourceVersion. ``record`` (see :data:`RecordWrite`)
        gets the object as it will be stored.
        """
        new = self._prepare_create(self._info(info), obj, namespace)
        if record is not None:
            new = record(None, new)
        if dry_run:
            return StoredObject(new, 0)
        stored = self.commit(info, EVENT_ADDED, new, None)
        if info.group_resource == CRD_RESOURCE:
            serve_crd(self, stored, None)
        return stored

    def bulk_load(self, info: ResourceInfo, objects: Iterable[dict[str, Any]]) -> int:
        """Create many objects fast (benchmark seeding); returns how many were stored.

        When nobody watches the resource, the changes are not recorded in the history window:
        instead the window is compacted once at the end, so a watch or continue token from
        before the load gets 410 Expired (a relist), exactly as after an etcd compaction. With
        watchers open it is an ordinary sequence of :meth:`create` calls. Validation and errors
        are those of :meth:`create`; the first error stops the load. On the fast path the
        storage takes ownership of the given dicts' nested values (they are not copied, which is
        most of the cost of a create): the caller must not touch them afterwards.
        """
        self._info(info)
        if self.hub.has_watchers(info.group_resource) or info.group_resource == CRD_RESOURCE:
            count = 0
            for obj in objects:
                self.create(info, obj, namespace=None)
                count += 1
            return count
        resource = info.group_resource
        count = 0
        # Python's cyclic GC rescans the whole (growing) heap while 100,000s of nested dicts are
        # allocated, a third of the load time; it is paused for the load and restored after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for body in objects:
                new = self._prepare_create(info, body, None, copy=False)
                self.commit(info, EVENT_ADDED, new, None, unrecorded=True)
                count += 1
        finally:
            if collecting:
                gc.enable()
            self._sorted.pop(resource, None)
            self.history.compact(self.resource_version)
        return count

    def update(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        *,
        namespace: str | None,
        name: str,
        subresource: str | None = None,
        dry_run: bool = False,
        record: RecordWrite | None = None,
    ) -> StoredObject:
        """PUT of the object (``subresource=None``) or of its ``status``.

        A set ``metadata.resourceVersion`` that is not the current one gives 409 Conflict; an
        unset one updates unconditionally. The main resource keeps the stored ``status`` when
        status is a subresource; a status update changes only ``status`` and the metadata the
        kind's real status strategy lets through (``strategy.py``). An update identical to the
        stored object writes nothing and returns the stored version (no new RV, no watch
        event). An update that removes the last finalizer of a deleting object deletes it.
        ``record`` (see :data:`RecordWrite`) gets the new object after the kind's strategy.
        """
        self._info(info)
        if not isinstance(obj, dict):
            raise status.bad_request("the body of the request must be an object")
        # A status update keeps everything but status from the stored object: copying the
        # rest of the body would be wasted work on the hottest write path of controllers.
        new = dict(obj) if subresource == "status" else deep_copy(obj)
        new = validation.check_type(info, new)
        meta = validation.check_metadata(new)
        if subresource == "status":
            meta = new["metadata"] = dict(meta)
            if "status" in new:
                new["status"] = deep_copy(new["status"])
        validation.resolve_namespace(info, meta, namespace)
        validation.check_url_name(meta, name)
        old = self.get(info, meta.get("namespace") if info.namespaced else None, name)
        old_meta = old.obj["metadata"]
        wanted_rv = meta.get("resourceVersion")
        if wanted_rv and wanted_rv != old_meta["resourceVersion"]:
            if not str(wanted_rv).isdigit():
                raise status.bad_request(f"invalid resourceVersion: {wanted_rv!r}")
            raise status.stale_conflict(info.group, info.plural, name)
        new = prepare_for_update(info, old.obj, new, subresource=subresource, now=self.now())
        if new == old.obj:
            return old
        if record is not None:
            # after the strategy, so only what this write really changes is recorded
            new = record(old.obj, new)
            if new == old.obj:
                return old
        if dry_run:
            return StoredObject(new, old.rv)
        if old_meta.get("deletionTimestamp") and not meta.get("finalizers"):
            return self.remove(info, old)
        stored = self.commit(info, EVENT_MODIFIED, new, old)
        if info.group_resource == CRD_RESOURCE:
            serve_crd(self, stored, old)
        self._gc.updated(stored, old)
        return stored

    def delete(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        *,
        preconditions: dict[str, Any] | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> StoredObject:
        """DELETE: the object as deleted, or with ``deletionTimestamp`` set when finalizers hold it.

        ``propagationPolicy`` defaults to Background (dependents are deleted right after the
        owner, in this same call); Orphan removes the owner's references from dependents first;
        Foreground keeps the owner (finalizer ``foregroundDeletion``) until its blocking
        dependents are gone. Preconditions on ``uid`` / ``resourceVersion`` give 409 Conflict.
        ``grace_period_seconds`` is accepted; every pod is deleted as an unscheduled one is
        (grace period 0: marked, then removed), as if no kubelet had to confirm.
        """
        self._info(info)
        old = self.get(info, namespace, name)
        meta = old.obj["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = (preconditions or {}).get(field)
            if not wanted or wanted == meta.get(field):
                continue
            if info.group_resource == NAMESPACES:  # the namespace registry's own wording
                raise status.conflict(
                    info.group, info.plural, name,
                    f"Precondition failed: {label} in precondition: {wanted}, {label} in object "
                    f"meta: {meta.get(field)}")
            raise status.precondition_failed(info.group, info.kind, name, field, wanted,
                                             str(meta.get(field)))
        policy = propagation_policy or "Background"
        if policy not in PROPAGATION_POLICIES:
            raise status.bad_request(
                f'propagationPolicy: Unsupported value: "{policy}": supported values: '
                '"Foreground", "Background", "Orphan"'
            )
        if dry_run:
            return old
        if info.group_resource == NAMESPACES:
            return self._gc.delete_namespace(info, old)
        if info.group_resource == CRD_RESOURCE:
            return delete_crd(self, info, old)
        return self.delete_stored(info, old, policy)

    def delete_stored(self, info: ResourceInfo, old: StoredObject, policy: str) -> StoredObject:
        """Delete with a propagation policy, honouring finalizers (used by the GC too).

        An object held by finalizers is marked (``deletionTimestamp``, grace period 0, a new
        ``generation``: one MODIFIED event) and stays. A pod is always marked first, then
        removed when nothing holds it, as the real pod strategy's graceful deletion with a
        period of 0 (an unscheduled pod's) gives MODIFIED and then DELETED.
        """
        meta = old.obj["metadata"]
        finalizers = list(meta.get("finalizers") or ())
        uid = meta["uid"]
        if policy == "Orphan":
            self._gc.orphan_dependents(uid)
        elif policy == "Foreground" and self._gc.has_dependents(uid):
            if "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
        graceful = info.group_resource == PODS
        if not finalizers and not (graceful and not meta.get("deletionTimestamp")):
            return self.remove(info, old)
        if meta.get("deletionTimestamp") and finalizers == list(meta.get("finalizers") or ()):
            return old
        new = dict(old.obj)
        new_meta = dict(meta)
        new["metadata"] = new_meta
        if finalizers:
            new_meta["finalizers"] = finalizers
        if not new_meta.get("deletionTimestamp"):
            new_meta["deletionTimestamp"] = self.now()
            new_meta["deletionGracePeriodSeconds"] = 0
            new_meta["generation"] = new_meta.get("generation", 1) + 1
        stored = self.commit(info, EVENT_MODIFIED, new, old)
        if not finalizers:
            return self.remove(info, stored)
        if "foregroundDeletion" in finalizers:
            self._gc.delete_dependents_foreground(uid)
        return stored

    def remove(self, info: ResourceInfo, old: StoredObject) -> StoredObject:
        """Remove an object now; the DELETED event carries its last content at the new RV."""
        obj = dict(old.obj)
        obj["metadata"] = dict(old.obj["metadata"])
        stored = self.commit(info, EVENT_DELETED, obj, old)
        self._gc.removed(stored)
        return stored

    def delete_collection(
        self,
        info: ResourceInfo,
        *,
        namespace: str | None,
        label_selector: LabelMatcher | None = None,
        field_selector: FieldMatcher | None = None,
        propagation_policy: str | None = None,
        dry_run: bool = False,
    ) -> list[StoredObject]:
        """DELETE on the collection: delete every selected object; returns them as deleted."""
        selected = self.list(
            info,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
        ).items
        results = []
        for item in selected:
            current = self._objects.get(info.group_resource, {}).get(item.key)
            if current is None:
                continue  # already removed by a cascade triggered earlier in this loop
            results.append(
                self.delete(
                    info,
                    item.namespace,
                    item.name,
                    propagation_policy=propagation_policy,
                    dry_run=dry_run,
                )
            )
        return results

    # ----------------------------------------------------------------------------- CRDs

    def drop_resource(self, resource: tuple[str, str]) -> None:
        """Forget a resource that is no longer served (its CRD was deleted)."""
        self.hub.close_resource(resource)
        self._infos.pop(resource, None)
        self._sorted.pop(resource, None)
        self._objects.pop(resource, None)

    # ----------------------------------------------------------------------------- queries

    def list(
        self,
        info: ResourceInfo,
        *,
        namespace: str | None = None,
        label_selector: LabelMatcher | None = None,
        field_selector: FieldMatcher | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
    ) -> ListResult:
        """One page of a list, sorted by key, following the resourceVersion rules of
        ``listing.resolve_list_rv``; ``limit`` of None or 0 means everything."""
        self._info(info)
        flt = make_filter(info, namespace, label_selector, field_selector)
        page_limit = limit if limit and limit > 0 else None
        snap_rv, after = listing.resolve_list_rv(
            current=self.resource_version,
            compacted=self.history.snapshot_floor,
            limit=page_limit,
            continue_token=continue_token,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
        )
        resource = info.group_resource
        overlay = (
            {}
            if snap_rv >= self.resource_version
            else self.history.snapshot_overlay(resource, snap_rv)
        )
        items, has_more, remaining = listing.page(
            self._objects.get(resource, {}),
            self.sorted_keys(resource),
            overlay,
            flt,
            limit=page_limit,
            after=after,
        )
        token = listing.encode_continue(snap_rv, items[-1].key) if has_more else None
        return ListResult(items, snap_rv, token, remaining)

    def watch(
        self,
        info: ResourceInfo,
        *,
        namespace: str | None = None,
        label_selector: LabelMatcher | None = None,
        field_selector: FieldMatcher | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        send_initial_events: bool | None = None,
        allow_bookmarks: bool = False,
        bookmark_interval: float = 60.0,
    ) -> Watcher:
        """Open a watch (rules in ``watch_start.py``); the caller iterates it and closes it."""
        self._info(info)
        flt = make_filter(info, namespace, label_selector, field_selector)
        return start_watch(
            self,
            info,
            flt,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            send_initial_events=send_initial_events,
            allow_bookmarks=allow_bookmarks,
            bookmark_interval=bookmark_interval,
        )

    def compact(self) -> None:
        """Compact as etcd does at the current revision: continue tokens and lists at older
        revisions, and watches from before the previous revision, get 410 Expired."""
        self.history.compact(self.resource_version)

    def close_all_watchers(self) -> None:
        """End every open watch at once (a server restart)."""
        self.hub.close_all()

    def stats(self) -> dict[str, Any]:
        """Counts for debugging: objects per resource, history window, open watchers."""
        return {
            "resource_version": self.resource_version,
            "objects": {
                f"{plural}.{group}" if group else plural: len(objects)
                for (group, plural), objects in self._objects.items()
            },
            "history": len(self.history),
            "compacted_rv": self.history.compacted_rv,
            "watchers": self.hub.count(),
        }
