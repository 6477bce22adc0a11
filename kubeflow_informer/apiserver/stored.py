"""Immutable stored versions of objects, and the watch event lines built from them.

A :class:`StoredObject` is made once per write: the dict, its JSON bytes (``raw``, serialized
once with orjson) and its resourceVersion. Nothing mutates it afterwards, so the same instance can
be handed to every reader and every watcher, and the same ``raw`` bytes can be written to every
watch stream and list response without being serialized again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from kubeflow_informer.apiserver.fields import fields_for

EVENT_ADDED = "ADDED"
EVENT_MODIFIED = "MODIFIED"
EVENT_DELETED = "DELETED"
EVENT_BOOKMARK = "BOOKMARK"
EVENT_ERROR = "ERROR"

_PREFIX: dict[str, bytes] = {
    t: b'{"type":"' + t.encode() + b'","object":'
    for t in (EVENT_ADDED, EVENT_MODIFIED, EVENT_DELETED, EVENT_BOOKMARK, EVENT_ERROR)
}


_SUFFIX = b"}\n"

LineParts = tuple[bytes, bytes, bytes]
"""One watch event line as three pieces (prefix with the type, the object's JSON, suffix) whose
concatenation is the line: live lines are queued this way and joined once per write, so the
object's bytes are copied once into the batch instead of once into a line and again into it."""


def event_line(event_type: str, raw: bytes) -> bytes:
    """One watch event line: ``{"type":T,"object":<raw>}\\n``."""
    return _PREFIX[event_type] + raw + _SUFFIX


def event_parts(event_type: str, raw: bytes) -> LineParts:
    """The same line as :func:`event_line`, unjoined (see :data:`LineParts`)."""
    return (_PREFIX[event_type], raw, _SUFFIX)


class StoredObject:
    """One version of one object. Immutable once stored: callers must not mutate ``obj``.

    ``key`` is the storage key (``namespace/name`` or ``name``), ``namespace`` is ``None`` for
    cluster-scoped objects; ``rv`` is the integer resourceVersion written into ``obj``.
    """

    __slots__ = ("_fields", "key", "name", "namespace", "obj", "raw", "rv")
    key: str
    name: str
    namespace: str | None

    def __init__(
        self,
        obj: dict[str, Any],
        rv: int,
        raw: bytes | None = None,
        previous: StoredObject | None = None,
    ) -> None:
        """``previous``, a former version of the same object, lends its key strings (one less
        string built and freed per write; they are checked to be equal first)."""
        meta = obj["metadata"]
        self.obj = obj
        self.rv = rv
        self.raw = raw if raw is not None else orjson.dumps(obj)
        name: str = meta["name"]
        ns = meta.get("namespace") or None
        self._fields: dict[str, str] | None = None
        if previous is not None and previous.name == name and previous.namespace == ns:
            self.name = previous.name
            self.namespace = previous.namespace
            self.key = previous.key
            return
        self.name = name
        self.namespace = ns
        self.key = f"{ns}/{name}" if ns else name

    @property
    def labels(self) -> dict[str, str] | None:
        """``metadata.labels`` (or None)."""
        labels: dict[str, str] | None = self.obj["metadata"].get("labels")
        return labels

    def fields(self, plural: str) -> dict[str, str]:
        """The field set field selectors see, computed once per stored version."""
        if self._fields is None:
            self._fields = fields_for(plural, self.obj)
        return self._fields

    def __repr__(self) -> str:
        return f"StoredObject(key={self.key!r}, rv={self.rv})"


@dataclass(slots=True)
class ListResult:
    """One page of a list: items sorted by key, the snapshot RV, and how to continue.

    ``continue_token`` is None on the last page; ``remaining_item_count`` counts the items after
    this page in the same snapshot (None when there is no further page).
    """

    items: list[StoredObject]
    resource_version: int
    continue_token: str | None
    remaining_item_count: int | None


@dataclass(slots=True)
class HistoryEvent:
    """One committed change, kept in the history window for watch replay and snapshots.

    ``old`` is the previous version (None for ADDED); ``new`` is the version after the change
    (for DELETED: the object as deleted, carrying the deletion's resourceVersion). Treated as
    immutable (not frozen only because frozen dataclasses are slow to build).
    """

    rv: int
    resource: tuple[str, str]
    type: str
    new: StoredObject
    old: StoredObject | None
