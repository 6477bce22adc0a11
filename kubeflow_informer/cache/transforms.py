"""Ready-made transform functions for informers (client-go ``TransformFunc``).

A transform runs once on each object before it enters the DeltaFIFO, so everything downstream (the
cache, the handlers) sees the transformed object. It receives a freshly decoded dict that nothing
else references, so it may mutate it in place and return it. It must be idempotent: client-go may
run it again on an object it already transformed, and so may we after a relist.

Which one to pick:

* :func:`strip_managed_fields` - cheap (one ``dict.pop``), removes server-side-apply bookkeeping:
  about 40% of a typical pod's memory.
* :func:`lean_object` - the same, plus :func:`intern_strings`: every string value is replaced by
  the interpreter's shared copy, so the values pods have in common (namespace, labels, images,
  ports, probes, node names, condition types, ...) are stored once for the whole cache. Measured
  on realistic pods: 11.8 KB -> 7.5 KB per cached pod, for ~20 us more CPU per object decoded.
  Worth it for big caches of similar objects; the objects are the same to every reader (only
  ``is`` between strings can tell).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["intern_strings", "lean_object", "strip_managed_fields"]

_intern = sys.intern


def strip_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop ``metadata.managedFields`` in place and return the object.

    Server-side-apply bookkeeping is often a third of an object's size and controllers rarely read
    it; dropping it is the single biggest memory saving for a large cache.
    """
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return obj


def intern_strings(obj: dict[str, Any]) -> dict[str, Any]:
    """Replace every string value, at any depth, by its interned copy; in place, returns ``obj``.

    ``sys.intern`` strings die like any other when nothing uses them any more, so values that are
    unique (uids, resourceVersions) cost a table entry while they live and nothing after. Keys
    need no help: orjson already shares the short keys it decodes.
    """
    _intern_in(obj)
    return obj


def lean_object(obj: dict[str, Any]) -> dict[str, Any]:
    """:func:`strip_managed_fields`, then :func:`intern_strings`: the smallest cache."""
    return intern_strings(strip_managed_fields(obj))


def _intern_in(container: Any) -> None:
    # Assigning to existing keys while iterating is allowed: the dict's size does not change.
    slots = container.items() if type(container) is dict else enumerate(container)
    for slot, value in slots:
        kind = type(value)
        if kind is str:
            container[slot] = _intern(value)
        elif kind is dict or kind is list:
            _intern_in(value)
