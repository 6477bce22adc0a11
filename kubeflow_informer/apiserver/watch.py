"""Watch fan-out: one serialized line per change, shared by every watcher that sees it.

Each :class:`Watcher` is one watch request: an async iterator of ``bytes``, each item being one
or more complete ``{"type":...,"object":...}\\n`` lines (several lines are joined when several are
ready, so the HTTP layer does fewer writes; ``Watcher.last_batch_lines`` says how many). The
:class:`WatchHub` delivers every committed change synchronously, on the event loop, right after the
storage commits it: watchers of the change's resource are indexed by namespace, so a change only
visits the watchers of its namespace and the all-namespaces watchers. A watcher without selectors
gets the shared line (no per-watcher work beyond an append); a watcher with selectors sees what
the real watch cache sends:

* old and new versions match -> ``MODIFIED`` (new object);
* only the new one matches -> ``ADDED`` (new object);
* only the old one matches -> ``DELETED`` with the *old* object's content carrying the change's
  resourceVersion (so a client's last-seen RV still advances);
* neither matches -> nothing.

Initial events (synthetic ``ADDED`` for the current state, or the replay of the history after a
given resourceVersion) are fixed when the watch starts and are streamed in batches before any live
event, without counting against the live buffer. Live lines are queued unjoined
(:data:`~kubeflow_informer.apiserver.stored.LineParts`: the type prefix, the stored object's
bytes, the suffix) and joined once per batch: a change costs each plain watcher one list extend,
and its bytes are copied once into the batch (not once into a line and again into the batch).
Live events are buffered up to ``buffer_size`` lines; a watcher whose reader falls further behind
is ended (after the buffered lines are delivered), as the real cacher terminates slow watchers:
the client re-watches from its last RV.

Bookmarks: when allowed, a ``BOOKMARK`` carrying the storage's current resourceVersion is sent
after ``bookmark_interval`` seconds without events (object = the kind's apiVersion/kind and only
``metadata.resourceVersion``). Timers live inside ``__anext__``: a watcher owns no task.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

import orjson

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.fields import fields_for
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.stored import (
    EVENT_ADDED,
    EVENT_BOOKMARK,
    EVENT_DELETED,
    EVENT_ERROR,
    EVENT_MODIFIED,
    HistoryEvent,
    LineParts,
    StoredObject,
    event_line,
    event_parts,
)

log = logging.getLogger(__name__)

INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end"
#: Most lines joined into one write of live events (a backlog is sent in several writes).
_LIVE_BATCH = 256
#: Pieces per queued live line (``LineParts``): the queue is flat so a batch is one join.
_PARTS = 3
_INITIAL_BATCH = 512


class LabelMatcher(Protocol):
    """What the engine needs of a label selector (``selectors.LabelSelector``)."""

    def matches(self, labels: Mapping[str, str] | None, /) -> bool: ...


class FieldMatcher(Protocol):
    """What the engine needs of a field selector (``selectors.FieldSelector``)."""

    def matches(self, fields: Mapping[str, str], /) -> bool: ...


def bookmark_line(info: ResourceInfo, rv: int, *, initial_events_end: bool = False) -> bytes:
    """A ``BOOKMARK`` event line for ``rv`` (annotated when it ends the initial events)."""
    metadata: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_events_end:
        metadata["annotations"] = {INITIAL_EVENTS_END_ANNOTATION: "true"}
    obj = {"kind": info.kind, "apiVersion": info.api_version, "metadata": metadata}
    return event_line(EVENT_BOOKMARK, orjson.dumps(obj))


def error_line(status_object: Mapping[str, Any]) -> bytes:
    """An ``ERROR`` event line carrying a Status object."""
    return event_line(EVENT_ERROR, orjson.dumps(status_object))


class Filter:
    """A watch's namespace and selectors; decides what a change looks like to that watch."""

    __slots__ = ("field_selector", "label_selector", "namespace", "plain", "plural")

    def __init__(
        self,
        plural: str,
        namespace: str | None,
        label_selector: LabelMatcher | None,
        field_selector: FieldMatcher | None,
    ) -> None:
        self.plural = plural
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.plain = label_selector is None and field_selector is None

    def matches(self, stored: StoredObject) -> bool:
        """True when the object version is selected (namespace is checked by the caller)."""
        if self.label_selector is not None and not self.label_selector.matches(stored.labels):
            return False
        if self.field_selector is not None:
            return self.field_selector.matches(stored.fields(self.plural))
        return True

    def selects(self, stored: StoredObject) -> bool:
        """Namespace and selectors together."""
        if self.namespace is not None and stored.namespace != self.namespace:
            return False
        return self.matches(stored)


#: Resources with field labels of their own: their unknown-field error is worded differently.
_OWN_FIELD_LABELS = frozenset({
    ("", "pods"), ("", "secrets"), ("", "events"), ("events.k8s.io", "events"), ("", "services"),
    ("", "replicationcontrollers"), ("", "nodes"), ("", "namespaces"),
})


def _unsupported_field(info: ResourceInfo, field: str) -> Exception:
    """The 400 for a field selector on a field the resource does not have, as worded by the
    resource's field-label conversion (or the default one for metadata-only resources)."""
    if info.group_resource == ("batch", "jobs"):
        return status.bad_request(f'field label "{field}" not supported for Job')
    if info.group_resource in _OWN_FIELD_LABELS:
        return status.bad_request(f"field label not supported: {field}")
    return status.bad_request(
        f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"')


def make_filter(
    info: ResourceInfo,
    namespace: str | None,
    label_selector: LabelMatcher | None,
    field_selector: FieldMatcher | None,
) -> Filter:
    """The Filter of a list or watch request; 400 for a field the resource does not support.

    Empty selectors are dropped so that unfiltered requests take the fast path.
    """
    requirements = getattr(field_selector, "requirements", None)
    if requirements:
        supported = fields_for(info.plural, {"metadata": {}})
        for field, _op, _value in requirements:
            if field not in supported:
                raise _unsupported_field(info, field)
    if label_selector is not None and getattr(label_selector, "empty", False):
        label_selector = None
    if field_selector is not None and getattr(field_selector, "empty", False):
        field_selector = None
    return Filter(
        info.plural,
        namespace if info.namespaced and namespace else None,
        label_selector,
        field_selector,
    )


class _EventLines:
    """Lazily built lines of one change, shared by all the watchers it is delivered to."""

    __slots__ = ("_deleted_old", "_lines", "event")

    def __init__(self, event: HistoryEvent, line: LineParts | None = None) -> None:
        """``line``, when given, is the event's own line (its type, its new object)."""
        self.event = event
        self._lines: dict[str, LineParts] = {} if line is None else {event.type: line}
        self._deleted_old: LineParts | None = None

    def line(self, event_type: str) -> LineParts:
        line = self._lines.get(event_type)
        if line is None:
            line = event_parts(event_type, self.event.new.raw)
            self._lines[event_type] = line
        return line

    def old_as_deleted(self) -> LineParts:
        """DELETED carrying the previous content with this change's resourceVersion."""
        if self._deleted_old is None:
            old = self.event.old
            assert old is not None
            obj = dict(old.obj)
            obj["metadata"] = {**old.obj["metadata"], "resourceVersion": str(self.event.rv)}
            self._deleted_old = event_parts(EVENT_DELETED, orjson.dumps(obj))
        return self._deleted_old

    def for_filter(self, flt: Filter) -> LineParts | None:
        """The line this change produces for a watch with ``flt``, or None (namespace checked)."""
        event = self.event
        if flt.plain:
            return self.line(event.type)
        new_matches = flt.matches(event.new)
        if event.type != EVENT_MODIFIED:
            return self.line(event.type) if new_matches else None
        old = event.old
        old_matches = old is not None and flt.matches(old)
        if new_matches:
            return self.line(EVENT_MODIFIED if old_matches else EVENT_ADDED)
        if old_matches:
            return self.old_as_deleted()
        return None


def replay_lines(events: Iterable[HistoryEvent], flt: Filter) -> Iterator[bytes]:
    """The lines a watch started at some RV receives for the given past events."""
    for event in events:
        if flt.namespace is not None and event.new.namespace != flt.namespace:
            continue
        line = _EventLines(event).for_filter(flt)
        if line is not None:
            yield b"".join(line)


def added_lines(objects: Iterable[StoredObject]) -> Iterator[bytes]:
    """Synthetic ``ADDED`` lines for the current state."""
    for stored in objects:
        yield event_line(EVENT_ADDED, stored.raw)


class Watcher:
    """One watch: async-iterable ``bytes`` of complete event lines; see the module docstring.

    :meth:`close` ends the iteration at once (pending lines are dropped). Iterating a closed
    watcher ends immediately.
    """

    def __init__(
        self,
        hub: WatchHub,
        info: ResourceInfo,
        flt: Filter,
        *,
        initial: Iterator[bytes] | None,
        allow_bookmarks: bool,
        bookmark_interval: float,
        buffer_size: int,
        current_rv: Callable[[], int],
        end_after_initial: bool = False,
    ) -> None:
        self._hub = hub
        self.info = info
        self.filter = flt
        self._initial = initial
        self._allow_bookmarks = allow_bookmarks
        self._bookmark_interval = bookmark_interval
        self._buffer_size = buffer_size
        self._current_rv = current_rv
        self._queue: list[bytes] = []  # flat LineParts: _PARTS entries per line
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._ending = end_after_initial  # no more live lines will come; end once drained
        self._next_bookmark: float | None = None
        self.overflowed = False
        self.last_batch_lines = 0
        """How many event lines the bytes last yielded hold (so the HTTP layer never counts)."""

    def __repr__(self) -> str:
        return (
            f"Watcher({self.info.plural}, namespace={self.filter.namespace!r}, "
            f"queued={self.queued}, closed={self._closed})"
        )

    @property
    def queued(self) -> int:
        """Live lines queued and not yet yielded (a reader's lag, in events)."""
        return len(self._queue) // _PARTS

    @property
    def closed(self) -> bool:
        """True once the watch has ended or been closed."""
        return self._closed

    def push(self, line: LineParts) -> None:
        """Queue a live line (called by the hub); overflowing the buffer ends the watch.

        Called once per change and watcher, so it is kept to an extend and, for the first
        line since the reader last ran, one wake-up (later lines find the waiter done).
        """
        if self._ending or self._closed:
            return
        queue = self._queue
        if len(queue) >= self._buffer_size * _PARTS:
            log.info("ending slow watcher of %s: %d lines buffered", self.info.plural, self.queued)
            self.overflowed = True
            self._end()
            return
        queue += line
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def finish(self) -> None:
        """End the watch once the lines already queued have been yielded."""
        if not self._closed:
            self._end()

    def _end(self) -> None:
        self._ending = True
        self._hub.remove(self)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        """End the iteration now, dropping anything not yet yielded."""
        if self._closed:
            return
        self._closed = True
        self._queue.clear()
        self._initial = None
        self._hub.remove(self)
        self._wake()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        loop = asyncio.get_running_loop()
        if self._allow_bookmarks and self._next_bookmark is None:
            self._next_bookmark = loop.time() + self._bookmark_interval
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._initial is not None:
                batch = list(itertools.islice(self._initial, _INITIAL_BATCH))
                if batch:
                    self.last_batch_lines = len(batch)
                    return b"".join(batch)
                self._initial = None
            queue = self._queue
            if queue:
                count = len(queue) // _PARTS
                if count <= _LIVE_BATCH:
                    data = b"".join(queue)
                    queue.clear()
                else:
                    # A backlog goes out in bounded writes: one huge chunk would hold a copy of
                    # the whole backlog in memory and hurt clients that buffer per chunk.
                    count = _LIVE_BATCH
                    data = b"".join(queue[: _LIVE_BATCH * _PARTS])
                    del queue[: _LIVE_BATCH * _PARTS]
                self.last_batch_lines = count
                return data
            if self._ending:
                self._closed = True
                self._hub.remove(self)
                raise StopAsyncIteration
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiter = waiter
            try:
                if self._next_bookmark is None:
                    await waiter
                else:
                    try:
                        async with asyncio.timeout_at(self._next_bookmark):
                            await waiter
                    except TimeoutError:
                        self._next_bookmark = loop.time() + self._bookmark_interval
                        if not self._closed and not self._queue:
                            self.last_batch_lines = 1
                            return bookmark_line(self.info, self._current_rv())
            finally:
                self._waiter = None


class WatchHub:
    """The live watchers of every resource, indexed by namespace; delivers committed changes."""

    def __init__(self) -> None:
        # (group, plural) -> namespace (None = all namespaces) -> watchers, in opening order.
        # The groups are tuples replaced on every add/remove (rare) so that dispatch (once per
        # write) iterates them as they are: a watcher ended during a dispatch leaves a new tuple
        # and the loop in progress keeps the old one.
        self._watchers: dict[tuple[str, str], dict[str | None, tuple[Watcher, ...]]] = {}
        # Watches started at a resourceVersion the storage has not reached: (rv, watcher), added
        # to the live groups by the first change past their rv (see add_after).
        self._pending: list[tuple[int, Watcher]] = []

    def add_after(self, watcher: Watcher, rv: int) -> None:
        """Deliver only the changes with a resourceVersion above ``rv``: a watch started ahead
        of the storage, which the real cacher's watcher serves by skipping every older event."""
        self._pending.append((rv, watcher))

    def _promote(self, rv: int) -> None:
        ready = [watcher for after, watcher in self._pending if after < rv]
        if ready:
            self._pending = [(after, w) for after, w in self._pending if after >= rv]
            for watcher in ready:
                self.add(watcher)

    def add(self, watcher: Watcher) -> None:
        """Start delivering live changes of the watcher's resource to it (idempotent)."""
        by_ns = self._watchers.setdefault(watcher.info.group_resource, {})
        group = by_ns.get(watcher.filter.namespace, ())
        if watcher not in group:
            by_ns[watcher.filter.namespace] = (*group, watcher)

    def remove(self, watcher: Watcher) -> None:
        """Stop delivering to the watcher (idempotent)."""
        if self._pending:
            self._pending = [(rv, w) for rv, w in self._pending if w is not watcher]
        by_ns = self._watchers.get(watcher.info.group_resource)
        if not by_ns:
            return
        group = by_ns.get(watcher.filter.namespace)
        if group is not None and watcher in group:
            rest = tuple(w for w in group if w is not watcher)
            if rest:
                by_ns[watcher.filter.namespace] = rest
            else:
                del by_ns[watcher.filter.namespace]
        if not by_ns:
            del self._watchers[watcher.info.group_resource]

    def has_watchers(self, resource: tuple[str, str] | None = None) -> bool:
        """True when any watcher (of ``resource``, or of anything) is open."""
        if resource is None:
            return bool(self._watchers or self._pending)
        return resource in self._watchers or any(
            w.info.group_resource == resource for _rv, w in self._pending)

    def count(self) -> int:
        """Number of open watchers (those waiting for their resourceVersion included)."""
        return len(self._pending) + sum(
            len(ws) for by_ns in self._watchers.values() for ws in by_ns.values())

    def queued(self) -> int:
        """Live lines queued in every open watcher and not yet yielded to its stream."""
        return sum(w.queued for by_ns in self._watchers.values() for ws in by_ns.values()
                   for w in ws)

    def dispatch(self, event: HistoryEvent) -> None:
        """Deliver one committed change to every watcher that sees it.

        A watcher without selectors gets the change's one shared line with no per-watcher
        decision; selector watchers go through :class:`_EventLines`, built only when one exists.
        """
        if self._pending:
            self._promote(event.rv)
        by_ns = self._watchers.get(event.resource)
        if not by_ns:
            return
        everywhere = by_ns.get(None)
        namespace = event.new.namespace
        local = by_ns.get(namespace) if namespace is not None else None
        shared: LineParts | None = None
        lines: _EventLines | None = None
        for group in (everywhere, local):
            if not group:
                continue
            for watcher in group:
                flt = watcher.filter
                if flt.plain:
                    if shared is None:
                        shared = (lines.line(event.type) if lines is not None
                                  else event_parts(event.type, event.new.raw))
                    watcher.push(shared)
                    continue
                if lines is None:
                    lines = _EventLines(event, shared)
                line = lines.for_filter(flt)
                if line is not None:
                    watcher.push(line)

    def close_resource(self, resource: tuple[str, str]) -> None:
        """End every watch of one resource (its CRD was deleted), after its queued lines."""
        for _rv, watcher in list(self._pending):
            if watcher.info.group_resource == resource:
                watcher.finish()
        for watchers in list(self._watchers.get(resource, {}).values()):
            for watcher in list(watchers):
                watcher.finish()

    def close_all(self) -> None:
        """End every watch at once (server restart)."""
        for _rv, watcher in list(self._pending):
            watcher.close()
        for by_ns in list(self._watchers.values()):
            for watchers in list(by_ns.values()):
                for watcher in list(watchers):
                    watcher.close()
