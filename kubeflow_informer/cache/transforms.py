"""Ready-made transform functions for informers (client-go ``TransformFunc``).

A transform runs once on each object before it enters the DeltaFIFO, so everything downstream (the
cache, the handlers) sees the transformed object. It receives a freshly decoded dict that nothing
else references, so it may mutate it in place and return it. It must be idempotent: client-go may
run it again on an object it already transformed, and so may we after a relist.
"""

from __future__ import annotations

from typing import Any

__all__ = ["strip_managed_fields"]


def strip_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop ``metadata.managedFields`` in place and return the object.

    Server-side-apply bookkeeping is often a third of an object's size and controllers rarely read
    it; dropping it is the single biggest memory saving for a large cache.
    """
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return obj
