"""DeltaFIFO: the queue between a reflector (producer) and an informer (consumer).

Semantics follow client-go ``tools/cache/delta_fifo.go``:

* The queue is keyed. Each key holds the list of :class:`Delta` values that happened to the object
  since it was last popped, oldest first, and each key is queued **once**: a second event for a key
  already waiting appends to its list instead of queuing the key again. A consumer therefore sees
  everything that happened to an object since it last looked, in order.
* Two consecutive ``Deleted`` deltas collapse into one; the one that carries the real last state
  is kept over a :class:`DeletedFinalStateUnknown` tombstone.
* :meth:`DeltaFIFO.replace` (a relist) queues ``Replaced`` for every listed object and a ``Deleted``
  carrying a :class:`DeletedFinalStateUnknown` for every key that the queue or the known objects
  (the informer's indexer) hold but the list does not: the watch missed that delete, so the
  object's final state is unknown.
* :meth:`DeltaFIFO.resync` queues ``Sync`` for every known object whose key is not already queued.
* ``transform`` runs once on every object before it is queued (never on tombstones nor on ``Sync``
  deltas, whose objects come from the known objects and were transformed on the way in). It may
  mutate the object in place: the reflector hands over freshly decoded dicts nobody else holds.
* :attr:`DeltaFIFO.has_synced` becomes true once every key queued by the first ``replace`` (or the
  first add/update/delete, whichever came first) has been popped.

Unlike client-go, popping is batched: :meth:`DeltaFIFO.pop_batch` waits once and then hands over
every queued key (up to a maximum), because a wakeup per event costs more than the work itself.
And once synced, a change that finds the queue empty goes straight to the consumer's *direct*
callback (:meth:`DeltaFIFO.set_direct_consumer`) instead of being queued: it is the very next
thing the consumer would pop, so the order is the same, and the consumer gets it while the object
is still hot in the CPU's cache. Anything queued goes through the queue, so nothing overtakes it.
Everything here runs on one event loop; no method awaits except the ``pop`` family, so each
mutation is atomic with respect to other coroutines.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Protocol

from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.keys import object_key

__all__ = [
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "DirectConsumer",
    "FIFOClosedError",
    "KnownObjects",
    "ReplaceSession",
    "Transform",
]

Transform = Callable[[dict[str, Any]], dict[str, Any]]
#: ``(key, delta_type, object)``: takes one change the queue did not have to hold.
DirectConsumer = Callable[[str, "DeltaType", Any], None]


class DeltaType(StrEnum):
    """What happened to an object."""

    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    #: The object was seen in a relist; it may or may not have changed.
    REPLACED = "Replaced"
    #: A periodic resync re-delivers an object that did not change.
    SYNC = "Sync"


_ADDED = DeltaType.ADDED
_UPDATED = DeltaType.UPDATED
_DELETED = DeltaType.DELETED
_REPLACED = DeltaType.REPLACED
_SYNC = DeltaType.SYNC


class DeletedFinalStateUnknown:
    """A tombstone: the object was deleted while the watch was down, so its final state is unknown.

    ``obj`` is the last state the cache had (possibly stale, possibly ``None``); ``key`` is the
    object's cache key. Delete handlers receive either an object dict or one of these.
    """

    __slots__ = ("key", "obj")

    def __init__(self, key: str, obj: dict[str, Any] | None) -> None:
        self.key = key
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeletedFinalStateUnknown):
            return NotImplemented
        return self.key == other.key and self.obj == other.obj

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"DeletedFinalStateUnknown(key={self.key!r})"


class Delta:
    """One change: a :class:`DeltaType` and the object (or a tombstone for some deletes)."""

    __slots__ = ("object", "type")

    def __init__(self, type: DeltaType, object: Any) -> None:
        self.type = type
        self.object = object

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Delta):
            return NotImplemented
        return self.type is other.type and self.object == other.object

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        obj = self.object
        if isinstance(obj, dict):
            try:
                shown = object_key(obj)
            except (KeyError, TypeError):
                shown = "?"
        else:
            shown = repr(obj)
        return f"Delta({self.type.value}, {shown})"


class KnownObjects(Protocol):
    """What the FIFO needs of the informer's cache to detect missed deletes and to resync."""

    def list_keys(self) -> list[str]: ...

    def get_by_key(self, key: str) -> dict[str, Any] | None: ...


class FIFOClosedError(KubeflowInformerError):
    """Raised by :meth:`DeltaFIFO.pop_batch` once the queue is closed and drained."""


class DeltaFIFO:
    """A keyed queue of per-object delta lists; see the module docstring for the contract."""

    def __init__(
        self,
        *,
        known_objects: KnownObjects | None = None,
        transform: Transform | None = None,
        key_func: Callable[[Mapping[str, Any]], str] = object_key,
        on_synced: Callable[[], None] | None = None,
    ) -> None:
        """``on_synced`` is called once, when :attr:`has_synced` first becomes true."""
        self._items: dict[str, list[Delta]] = {}
        self._queue: deque[str] = deque()
        self._known = known_objects
        self._transform = transform
        self._key_func = key_func
        self._wakeup = asyncio.Event()
        self._closed = False
        self._populated = False
        self._initial_pending = 0
        self._on_synced = on_synced
        self._synced_reported = False
        self._direct: DirectConsumer | None = None

    def __repr__(self) -> str:
        return (
            f"DeltaFIFO(queued={len(self._queue)}, has_synced={self.has_synced}, "
            f"closed={self._closed})"
        )

    def __len__(self) -> int:
        return len(self._queue)

    # -- producer side -------------------------------------------------------------------------

    def add(self, obj: dict[str, Any]) -> None:
        """Queue an ``Added`` delta for ``obj``."""
        if not self._populated:
            self._populated = True
            self._check_synced()
        self._queue_action(_ADDED, obj)

    def update(self, obj: dict[str, Any]) -> None:
        """Queue an ``Updated`` delta for ``obj``."""
        if not self._populated:
            self._populated = True
            self._check_synced()
        self._queue_action(_UPDATED, obj)

    def delete(self, obj: dict[str, Any]) -> None:
        """Queue a ``Deleted`` delta for ``obj`` (the object's last state, as the watch sent it).

        As in client-go, a delete for a key that is neither queued nor known is dropped: there is
        nothing to tell anyone about.
        """
        if not self._populated:
            self._populated = True
            self._check_synced()
        transform = self._transform
        if transform is not None:
            obj = transform(obj)
        key = self._key_func(obj)
        if key not in self._items and (
            self._known is None or self._known.get_by_key(key) is None
        ):
            return
        self._offer(key, _DELETED, obj)

    def _queue_action(self, delta_type: DeltaType, obj: dict[str, Any]) -> None:
        transform = self._transform
        if transform is not None:
            obj = transform(obj)
        self._offer(self._key_func(obj), delta_type, obj)

    def _offer(self, key: str, delta_type: DeltaType, obj: Any) -> None:
        """A watched change: to the direct consumer if synced and nothing is queued, else queued."""
        direct = self._direct
        if direct is not None and not self._queue and self._synced_reported:
            direct(key, delta_type, obj)
        else:
            self._queue_delta(key, Delta(delta_type, obj))

    def set_direct_consumer(self, consumer: DirectConsumer | None) -> None:
        """Let changes that find the queue empty (once synced) bypass it; see the module doc.

        The consumer calls this while it is waiting on :meth:`pop_batch` in a loop, and clears it
        when it stops; :meth:`close` clears it too.
        """
        self._direct = consumer

    def _queue_delta(self, key: str, delta: Delta) -> bool:
        """Append ``delta`` to ``key``'s list; return True when the key was newly queued."""
        if self._closed:
            return False
        deltas = self._items.get(key)
        if deltas is None:
            self._items[key] = [delta]
            queue = self._queue
            queue.append(key)
            if len(queue) == 1:
                self._wakeup.set()
            return True
        deltas.append(delta)
        if delta.type is _DELETED and len(deltas) > 1 and deltas[-2].type is _DELETED:
            # Keep the delete that knows the real final state over a tombstone.
            if isinstance(delta.object, DeletedFinalStateUnknown):
                del deltas[-1]
            else:
                del deltas[-2]
        return False

    def replace(self, objects: Iterable[dict[str, Any]], resource_version: str = "") -> None:
        """Replace the whole state with ``objects`` (a relist), in one call."""
        session = self.begin_replace()
        session.add_page(objects)
        session.finish(resource_version)

    def begin_replace(self) -> ReplaceSession:
        """Start a replace fed page by page, so a paginated list never has to be held whole.

        ``Replaced`` deltas are queued (and may be popped) as each page arrives; the deletes for
        keys missing from the list are queued by :meth:`ReplaceSession.finish`. An abandoned
        session (the list failed half way) queues no deletes; the next replace fixes the state.
        """
        return ReplaceSession(self)

    def resync(self) -> int:
        """Queue ``Sync`` for each known object whose key is not queued; return how many."""
        known = self._known
        if known is None:
            return 0
        count = 0
        items = self._items
        for key in known.list_keys():
            if key in items:
                continue
            obj = known.get_by_key(key)
            if obj is None:
                continue
            self._queue_delta(key, Delta(_SYNC, obj))
            count += 1
        return count

    # -- consumer side -------------------------------------------------------------------------

    def _check_synced(self) -> None:
        if not self._synced_reported and self._populated and self._initial_pending == 0:
            self._synced_reported = True
            if self._on_synced is not None:
                self._on_synced()

    @property
    def has_synced(self) -> bool:
        """True once everything queued by the first replace (or first event) has been popped."""
        return self._populated and self._initial_pending == 0

    def queued_keys(self) -> list[str]:
        """The keys waiting to be popped, oldest first."""
        return list(self._queue)

    def get_deltas(self, key: str) -> list[Delta] | None:
        """The deltas queued for ``key`` (a copy), or ``None`` if the key is not queued."""
        deltas = self._items.get(key)
        return list(deltas) if deltas is not None else None

    async def pop_batch(self, max_items: int = 4096) -> list[tuple[str, list[Delta], bool]]:
        """Wait for at least one queued key, then pop up to ``max_items`` keys, oldest first.

        Returns ``(key, deltas, is_in_initial_list)`` tuples; the flag is true for keys popped
        before the first replace has been fully consumed. Raises :class:`FIFOClosedError` once
        the queue is closed and empty.
        """
        queue = self._queue
        while not queue:
            if self._closed:
                raise FIFOClosedError("DeltaFIFO is closed")
            self._wakeup.clear()
            await self._wakeup.wait()
        items = self._items
        popleft = queue.popleft
        out: list[tuple[str, list[Delta], bool]] = []
        append = out.append
        count = min(max_items, len(queue))
        for _ in range(count):
            key = popleft()
            deltas = items.pop(key)
            if self._initial_pending > 0:
                self._initial_pending -= 1
                append((key, deltas, True))
            else:
                append((key, deltas, not self._populated))
        if not self._synced_reported:
            self._check_synced()
        return out

    def close(self) -> None:
        """Close the queue: producers' calls are ignored; pops drain what is left, then raise."""
        self._closed = True
        self._direct = None
        self._wakeup.set()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed


class ReplaceSession:
    """One relist in progress; see :meth:`DeltaFIFO.begin_replace`."""

    def __init__(self, fifo: DeltaFIFO) -> None:
        self._fifo = fifo
        self._seen: set[str] = set()
        self._count_initial = not fifo._populated

    def add_page(self, objects: Iterable[dict[str, Any]]) -> None:
        """Queue ``Replaced`` for each object of one page."""
        fifo = self._fifo
        transform = fifo._transform
        key_func = fifo._key_func
        seen = self._seen
        queue_delta = fifo._queue_delta
        count_initial = self._count_initial
        added = 0
        for obj in objects:
            if transform is not None:
                obj = transform(obj)
            key = key_func(obj)
            seen.add(key)
            if queue_delta(key, Delta(_REPLACED, obj)) and count_initial:
                added += 1
        fifo._initial_pending += added

    def discard(self, key: str) -> None:
        """Forget that ``key`` was listed (a streaming list saw it deleted before it finished)."""
        self._seen.discard(key)

    def finish(self, resource_version: str = "") -> int:
        """Queue deletes for keys missing from the list; return how many were queued.

        ``resource_version`` is the list's; kept for parity with client-go's ``Replace``.
        """
        del resource_version
        fifo = self._fifo
        seen = self._seen
        deleted = 0
        newly_queued = 0
        for key, deltas in list(fifo._items.items()):
            if key in seen:
                continue
            last = deltas[-1].object
            if isinstance(last, DeletedFinalStateUnknown):
                last = last.obj
            fifo._queue_delta(key, Delta(_DELETED, DeletedFinalStateUnknown(key, last)))
            deleted += 1
        known = fifo._known
        if known is not None:
            for key in known.list_keys():
                if key in seen or key in fifo._items:
                    continue
                tombstone = DeletedFinalStateUnknown(key, known.get_by_key(key))
                if fifo._queue_delta(key, Delta(_DELETED, tombstone)):
                    newly_queued += 1
                deleted += 1
        if self._count_initial:
            fifo._initial_pending += newly_queued
        fifo._populated = True
        self._seen = set()
        fifo._check_synced()
        return deleted
