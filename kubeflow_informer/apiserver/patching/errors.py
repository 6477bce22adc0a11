"""Errors raised by the patch algorithms, each carrying the HTTP answer kube-apiserver gives.

The algorithms are pure and know nothing of HTTP, but the embedded server must answer exactly as
kube-apiserver does, so every error names its ``status`` and ``reason``:

* a patch that cannot be decoded (not a list of operations, an unknown ``op``, a missing
  ``path``, a merge patch that is not an object) is **400 BadRequest**;
* a well-formed patch that cannot be applied to this object (a path that does not exist, a
  failed ``test`` operation, a merge key missing from a list element) is **422 Invalid**
  ("Unprocessable Entity"): kube-apiserver has answered a failed JSON-patch ``test`` with 422
  since kubernetes/kubernetes#68346 (before it, 500);
* a strategic merge patch on a kind without strategic-merge metadata (any custom resource) is
  **415 UnsupportedMediaType** (kubernetes/kubernetes#53558);
* a server-side apply conflict is **409 Conflict** with one cause per conflicting field.
"""

from __future__ import annotations


class PatchError(ValueError):
    """A patch that cannot be applied to the document (422 Invalid unless a subclass says so)."""

    status: int = 422
    reason: str = "Invalid"


class MalformedPatch(PatchError):
    """The patch document itself is malformed (400 BadRequest)."""

    status = 400
    reason = "BadRequest"


class PatchTestFailed(PatchError):
    """A JSON-patch ``test`` operation found a different value (422 Invalid, as kube answers)."""


class UnsupportedPatchType(PatchError):
    """Strategic merge patch on a kind without merge metadata (415 UnsupportedMediaType)."""

    status = 415
    reason = "UnsupportedMediaType"


class ApplyConflict(PatchError):
    """Server-side apply would change fields another manager owns (409 Conflict).

    ``conflicts`` lists ``(manager, field_path)`` pairs, the path in dotted form such as
    ``.spec.replicas`` or ``.spec.containers[name="app"].image``.
    """

    status = 409
    reason = "Conflict"

    def __init__(self, conflicts: list[tuple[str, str]]) -> None:
        self.conflicts = conflicts
        lines = "; ".join(f'conflict with "{manager}": {path}' for manager, path in conflicts)
        super().__init__(f"Apply failed with {len(conflicts)} conflict(s): {lines}")
