"""Indexer: the informer's cache, a key -> object store with named secondary indexes.

Follows client-go ``thread_safe_store.go`` / ``index.go``:

* Objects are keyed by :func:`~kubeflow_informer.keys.object_key` (``namespace/name``, or ``name``
  when cluster-scoped).
* An *index function* maps an object to a list of index values (``namespace_index`` maps it to its
  namespace; a user's might map a pod to its node or its owners). Each named index is kept as
  ``value -> set of keys`` and is updated incrementally on every add / update / delete / replace:
  the work per change is proportional to the number of index values the old and new object have,
  never to the size of the cache.
* Objects are stored and handed out as they are, not copied. **Callers must not mutate them.**
* An index function that raises is logged and the object is left out of that index (client-go
  panics instead); the object itself is still stored, and the informer keeps running.

The indexer is only written by its informer's processing loop; readers (listers, handlers) never
see a half-applied change because nothing here awaits.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.keys import object_key

__all__ = ["NAMESPACE_INDEX", "IndexFunc", "Indexer", "IndexerConflictError", "namespace_index"]

IndexFunc = Callable[[dict[str, Any]], list[str]]

logger = logging.getLogger(__name__)

#: The name under which :func:`namespace_index` is registered on every informer's indexer.
NAMESPACE_INDEX = "namespace"


def namespace_index(obj: dict[str, Any]) -> list[str]:
    """Index an object by its namespace (``""`` for cluster-scoped objects), as client-go does."""
    return [obj["metadata"].get("namespace") or ""]


class IndexerConflictError(KubeflowInformerError, ValueError):
    """An index with this name already exists."""


class Indexer:
    """A store keyed by object key with named indexes; see the module docstring."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        if indexers:
            self.add_indexers(indexers)

    def __repr__(self) -> str:
        return f"Indexer(items={len(self._items)}, indexes={sorted(self._indexers)})"

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # -- writes ---------------------------------------------------------------------------------

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Register more index functions; existing objects are indexed right away.

        Raises :class:`IndexerConflictError` if a name is already registered (as client-go does).
        """
        for name in indexers:
            if name in self._indexers:
                raise IndexerConflictError(f"indexer {name!r} already exists")
        for name, func in indexers.items():
            self._indexers[name] = func
            index: dict[str, set[str]] = {}
            self._indices[name] = index
            for key, obj in self._items.items():
                for value in _values(name, func, key, obj):
                    bucket = index.get(value)
                    if bucket is None:
                        index[value] = {key}
                    else:
                        bucket.add(key)

    @property
    def indexers(self) -> dict[str, IndexFunc]:
        """The registered index functions by name (a copy)."""
        return dict(self._indexers)

    def add(self, obj: dict[str, Any], key: str | None = None) -> None:
        """Insert or replace ``obj`` (same as :meth:`update`)."""
        self.update(obj, key)

    def update(self, obj: dict[str, Any], key: str | None = None) -> dict[str, Any] | None:
        """Insert or replace ``obj``; return the previous object under its key, if any."""
        if key is None:
            key = object_key(obj)
        items = self._items
        old = items.get(key)
        items[key] = obj
        if self._indexers:
            self._update_indices(key, old, obj)
        return old

    def delete(self, obj_or_key: dict[str, Any] | str) -> dict[str, Any] | None:
        """Remove the object (given or by key); return what was stored, or ``None``."""
        key = obj_or_key if isinstance(obj_or_key, str) else object_key(obj_or_key)
        old = self._items.pop(key, None)
        if old is not None and self._indexers:
            self._update_indices(key, old, None)
        return old

    def replace(self, objects: Iterable[dict[str, Any]]) -> None:
        """Replace the whole content with ``objects``, rebuilding every index."""
        self._items = {object_key(obj): obj for obj in objects}
        indexers = self._indexers
        self._indexers = {}
        self._indices = {}
        self.add_indexers(indexers)

    def _update_indices(
        self, key: str, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        indices = self._indices
        for name, func in self._indexers.items():
            if func is namespace_index and old is not None and new is not None:
                # The built-in index, inline: an update almost never moves an object.
                if old["metadata"].get("namespace") == new["metadata"].get("namespace"):
                    continue
            try:
                old_values: Sequence[str] = func(old) if old is not None else ()
            except Exception:
                # Where the old object was indexed is unknown now: look for the key everywhere.
                old_values = [v for v, keys in indices[name].items() if key in keys]
            new_values = _values(name, func, key, new) if new is not None else ()
            if old_values == new_values:
                continue  # the common case: an update that does not move the object
            index = indices[name]
            for value in old_values:
                if value in new_values:
                    continue
                bucket = index.get(value)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del index[value]  # no unbounded growth of empty buckets
            for value in new_values:
                bucket = index.get(value)
                if bucket is None:
                    index[value] = {key}
                else:
                    bucket.add(key)

    # -- reads ----------------------------------------------------------------------------------

    def get_by_key(self, key: str) -> dict[str, Any] | None:
        """The object stored under ``key``, or ``None``."""
        return self._items.get(key)

    def get(self, obj: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored object with the same key as ``obj``, or ``None``."""
        return self._items.get(object_key(obj))

    def list(self) -> builtins.list[dict[str, Any]]:
        """Every stored object (a new list of the shared objects)."""
        return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        """Every stored key."""
        return list(self._items)

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        """The keys whose index function ``index_name`` yields ``value``."""
        return list(self._index(index_name).get(value, ()))

    def by_index(self, index_name: str, value: str) -> builtins.list[dict[str, Any]]:
        """The objects whose index function ``index_name`` yields ``value``."""
        items = self._items
        return [items[key] for key in self._index(index_name).get(value, ())]

    def index(self, index_name: str, obj: dict[str, Any]) -> builtins.list[dict[str, Any]]:
        """The objects sharing any of ``obj``'s values in index ``index_name``."""
        index = self._index(index_name)
        keys: set[str] = set()
        for value in self._indexers[index_name](obj):
            keys.update(index.get(value, ()))
        items = self._items
        return [items[key] for key in keys]

    def list_index_values(self, index_name: str) -> builtins.list[str]:
        """Every value index ``index_name`` currently holds (at least one key each)."""
        return list(self._index(index_name))

    def _index(self, index_name: str) -> dict[str, set[str]]:
        try:
            return self._indices[index_name]
        except KeyError:
            raise KeyError(f"index {index_name!r} does not exist") from None


def _values(name: str, func: IndexFunc, key: str, obj: dict[str, Any]) -> Sequence[str]:
    """``func(obj)``, or no values (logged) when the index function raises."""
    try:
        return func(obj)
    except Exception:
        logger.exception("index function %r failed on %s; left out of that index", name, key)
        return ()
