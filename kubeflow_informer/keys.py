"""Object keys: ``namespace/name`` for namespaced objects, ``name`` for cluster-scoped ones.

The same function keys the informer cache, the workqueue requests and the embedded server's
storage, so a key read in one place means the same object in every other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def object_key(obj: Mapping[str, Any]) -> str:
    """The cache key of an object: ``namespace/name``, or ``name`` when it has no namespace."""
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    if namespace:
        return f"{namespace}/{meta['name']}"
    return str(meta["name"])


def make_key(namespace: str | None, name: str) -> str:
    """The key for a namespace and name, matching :func:`object_key`."""
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str | None, str]:
    """Split a key into ``(namespace, name)``; the namespace is ``None`` for cluster-scoped keys."""
    namespace, sep, name = key.partition("/")
    if not sep:
        return None, key
    if not name or "/" in name:
        raise ValueError(f"unexpected key format: {key!r}")
    return namespace, name
