"""The bounded history window: the last N committed changes, in resourceVersion order.

It serves three readers: watches that start at a specific resourceVersion (replay every change
after it), ``resourceVersionMatch=Exact`` lists, and paginated lists whose continue token pins a
snapshot RV. A snapshot at RV ``x`` is the current state with every later change undone, which is
possible exactly when every change after ``x`` is still in the window, i.e. ``x >= compacted_rv``.

``compacted_rv`` is the lowest RV a watch may start from: the RV of the last event evicted. A
watch from an RV below it gets 410 Expired. ``snapshot_floor`` is the lowest RV a snapshot can be
read at; it equals ``compacted_rv`` except after :meth:`History.compact`, which behaves as an
etcd compaction at the current revision R: the state at R stays readable and a watch from R - 1
still gets the change at R, while a snapshot at R - 1 is gone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from kubeflow_informer.apiserver.stored import EVENT_ADDED, HistoryEvent, StoredObject


class History:
    """Bounded, RV-ordered event log with O(log n) lookup of "events after RV x"."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("history size must be at least 1")
        self.size = size
        self._events: list[HistoryEvent] = []
        self._head = 0  # index of the oldest live event; trimmed lazily to keep appends O(1)
        self.compacted_rv = 0
        self.snapshot_floor = 0

    def __len__(self) -> int:
        return len(self._events) - self._head

    def append(self, event: HistoryEvent) -> None:
        """Record a committed change; evicts the oldest one when the window is full."""
        self._events.append(event)
        if len(self._events) - self._head > self.size:
            self.compacted_rv = self.snapshot_floor = self._events[self._head].rv
            self._head += 1
            if self._head > 4096 and self._head * 2 > len(self._events):
                del self._events[: self._head]
                self._head = 0

    def compact(self, current_rv: int) -> None:
        """Compact as etcd does at revision ``current_rv``: keep only the change made at it (a
        watch from the revision before still gets it) and no snapshot older than it."""
        self._events = [e for e in self._events[self._head:] if e.rv >= current_rv]
        self._head = 0
        self.compacted_rv = current_rv - 1 if self._events else current_rv
        self.snapshot_floor = current_rv

    def available(self, rv: int) -> bool:
        """True when the state at ``rv`` can be rebuilt from the window (a snapshot list)."""
        return rv >= self.snapshot_floor

    def after(self, rv: int) -> Iterator[HistoryEvent]:
        """The events with a resourceVersion strictly greater than ``rv``, oldest first."""
        start = bisect_right(self._events, rv, lo=self._head, key=lambda e: e.rv)
        for index in range(start, len(self._events)):
            yield self._events[index]

    def snapshot_overlay(
        self, resource: tuple[str, str], rv: int
    ) -> dict[str, StoredObject | None]:
        """For one resource, the state at ``rv`` of every key changed after ``rv``.

        Maps key -> the version current at ``rv`` (None when the key did not exist then). Keys not
        in the overlay are unchanged since ``rv``. The caller checks :meth:`available` first.
        """
        overlay: dict[str, StoredObject | None] = {}
        for event in self.after(rv):
            if event.resource != resource:
                continue
            key = event.new.key
            if key in overlay:
                continue  # the earliest change after rv holds the state at rv in its `old`
            overlay[key] = None if event.type == EVENT_ADDED else event.old
        return overlay
