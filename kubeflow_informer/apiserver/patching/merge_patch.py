"""RFC 7386 JSON Merge Patch (``application/merge-patch+json``) on plain dicts.

Objects merge key by key, ``null`` deletes a key, anything else - arrays included - replaces the
target value wholesale. The top-level patch must be an object (the target is a Kubernetes object);
anything else is a malformed patch (400). :func:`apply_merge_patch` never mutates its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubeflow_informer.apiserver.patching.errors import MalformedPatch
from kubeflow_informer.apiserver.patching.json_patch import deep_copy

__all__ = ["apply_merge_patch"]


def _merge_into(target: dict[str, Any], patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = {}
                target[key] = current
            _merge_into(current, value)
        else:
            target[key] = deep_copy(value)


def apply_merge_patch(doc: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a JSON merge patch and return the new document."""
    if not isinstance(patch, dict):
        raise MalformedPatch("a merge patch must be a JSON object")
    result: dict[str, Any] = deep_copy(dict(doc))
    _merge_into(result, patch)
    return result
