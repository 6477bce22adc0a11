"""Predicates: filters that decide whether an informer event enqueues a reconcile.

Same semantics as controller-runtime's ``pkg/predicate``: a predicate answers, per event kind,
"should this event reach the queue?". Every predicate here answers ``True`` for create, delete and
generic events and only filters updates, except :class:`FuncPredicate`, which answers ``True`` for
any kind it was given no function for. Predicates see the objects shared with the cache and must
not mutate them.

* :class:`GenerationChangedPredicate` - ``metadata.generation`` changed: a spec change. Status-only
  and metadata-only writes (which do not bump the generation) are skipped. Careful: objects whose
  kind has no ``generation`` (or no status subresource) would see *every* update skipped.
* :class:`ResourceVersionChangedPredicate` - skips resync updates (same resourceVersion).
* :class:`LabelChangedPredicate`, :class:`AnnotationChangedPredicate` - labels / annotations
  differ.
* :class:`FuncPredicate` - custom functions; :func:`all_of`, :func:`any_of`, :func:`not_` combine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

Obj = Mapping[str, Any]


@runtime_checkable
class Predicate(Protocol):
    """Decides, per event kind, whether an event should enqueue a reconcile."""

    def create(self, obj: Obj) -> bool:
        """An object was added (including the informer's initial list)."""
        ...

    def update(self, old: Obj, new: Obj) -> bool:
        """An object changed (or was resynced)."""
        ...

    def delete(self, obj: Obj) -> bool:
        """An object was deleted (``obj`` is its last known state)."""
        ...

    def generic(self, obj: Obj) -> bool:
        """Any other trigger (e.g. an external channel)."""
        ...


class _PassAll:
    """Base for predicates that only filter updates."""

    def create(self, obj: Obj) -> bool:
        return True

    def update(self, old: Obj, new: Obj) -> bool:
        return True

    def delete(self, obj: Obj) -> bool:
        return True

    def generic(self, obj: Obj) -> bool:
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


class GenerationChangedPredicate(_PassAll):
    """Passes an update only when ``metadata.generation`` changed (a spec change)."""

    def update(self, old: Obj, new: Obj) -> bool:
        return _meta(old).get("generation") != _meta(new).get("generation")


class ResourceVersionChangedPredicate(_PassAll):
    """Passes an update only when ``metadata.resourceVersion`` changed (skips resyncs)."""

    def update(self, old: Obj, new: Obj) -> bool:
        return _meta(old).get("resourceVersion") != _meta(new).get("resourceVersion")


class LabelChangedPredicate(_PassAll):
    """Passes an update only when ``metadata.labels`` changed (absent equals empty)."""

    def update(self, old: Obj, new: Obj) -> bool:
        return (_meta(old).get("labels") or {}) != (_meta(new).get("labels") or {})


class AnnotationChangedPredicate(_PassAll):
    """Passes an update only when ``metadata.annotations`` changed (absent equals empty)."""

    def update(self, old: Obj, new: Obj) -> bool:
        return (_meta(old).get("annotations") or {}) != (_meta(new).get("annotations") or {})


class FuncPredicate:
    """A predicate from plain functions; an event kind without a function passes."""

    def __init__(
        self,
        *,
        create: Callable[[Obj], bool] | None = None,
        update: Callable[[Obj, Obj], bool] | None = None,
        delete: Callable[[Obj], bool] | None = None,
        generic: Callable[[Obj], bool] | None = None,
    ) -> None:
        self._create = create
        self._update = update
        self._delete = delete
        self._generic = generic

    def create(self, obj: Obj) -> bool:
        return self._create is None or self._create(obj)

    def update(self, old: Obj, new: Obj) -> bool:
        return self._update is None or self._update(old, new)

    def delete(self, obj: Obj) -> bool:
        return self._delete is None or self._delete(obj)

    def generic(self, obj: Obj) -> bool:
        return self._generic is None or self._generic(obj)

    def __repr__(self) -> str:
        kinds = [k for k in ("create", "update", "delete", "generic") if getattr(self, "_" + k)]
        return f"FuncPredicate({', '.join(kinds)})"


def object_predicate(fn: Callable[[Obj], bool]) -> FuncPredicate:
    """A predicate applying ``fn`` to the object of every event (the new one on update).

    Like controller-runtime's ``NewPredicateFuncs``: e.g. ``object_predicate(lambda o:
    o["metadata"].get("labels", {}).get("team") == "ml")``.
    """
    return FuncPredicate(
        create=fn, update=lambda _old, new: fn(new), delete=fn, generic=fn
    )


class _AllOf:
    def __init__(self, predicates: Sequence[Predicate]) -> None:
        self.predicates = tuple(predicates)

    def create(self, obj: Obj) -> bool:
        return all(p.create(obj) for p in self.predicates)

    def update(self, old: Obj, new: Obj) -> bool:
        return all(p.update(old, new) for p in self.predicates)

    def delete(self, obj: Obj) -> bool:
        return all(p.delete(obj) for p in self.predicates)

    def generic(self, obj: Obj) -> bool:
        return all(p.generic(obj) for p in self.predicates)

    def __repr__(self) -> str:
        return f"all_of({', '.join(map(repr, self.predicates))})"


class _AnyOf(_AllOf):
    def create(self, obj: Obj) -> bool:
        return any(p.create(obj) for p in self.predicates)

    def update(self, old: Obj, new: Obj) -> bool:
        return any(p.update(old, new) for p in self.predicates)

    def delete(self, obj: Obj) -> bool:
        return any(p.delete(obj) for p in self.predicates)

    def generic(self, obj: Obj) -> bool:
        return any(p.generic(obj) for p in self.predicates)

    def __repr__(self) -> str:
        return f"any_of({', '.join(map(repr, self.predicates))})"


class _Not:
    def __init__(self, predicate: Predicate) -> None:
        self.predicate = predicate

    def create(self, obj: Obj) -> bool:
        return not self.predicate.create(obj)

    def update(self, old: Obj, new: Obj) -> bool:
        return not self.predicate.update(old, new)

    def delete(self, obj: Obj) -> bool:
        return not self.predicate.delete(obj)

    def generic(self, obj: Obj) -> bool:
        return not self.predicate.generic(obj)

    def __repr__(self) -> str:
        return f"not_({self.predicate!r})"


def all_of(*predicates: Predicate) -> Predicate:
    """Passes an event only if every predicate passes it (controller-runtime ``And``)."""
    return _AllOf(predicates)


def any_of(*predicates: Predicate) -> Predicate:
    """Passes an event if at least one predicate passes it (controller-runtime ``Or``)."""
    return _AnyOf(predicates)


def not_(predicate: Predicate) -> Predicate:
    """Inverts a predicate for every event kind (controller-runtime ``Not``)."""
    return _Not(predicate)


__all__ = [
    "AnnotationChangedPredicate",
    "FuncPredicate",
    "GenerationChangedPredicate",
    "LabelChangedPredicate",
    "Predicate",
    "ResourceVersionChangedPredicate",
    "all_of",
    "any_of",
    "not_",
    "object_predicate",
]
