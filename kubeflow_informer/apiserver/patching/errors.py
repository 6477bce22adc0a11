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

from kubeflow_informer.errors import KubeflowInformerError


class PatchError(KubeflowInformerError, ValueError):
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
    ``.spec.replicas`` or ``.spec.containers[name="app"].image``. ``labels`` name each conflict's
    owner as kube-apiserver prints it (``"kubectl-patch" using apps/v1`` for an ``Update``
    entry, ``"m" with subresource "status" ...``, just ``"m"`` for an applier); the message has
    the real server's form: ``Apply failed with 1 conflict: conflict with <owner>: <path>``, or
    for several, ``Apply failed with N conflicts: conflicts with <owner>:`` followed by one
    ``- <path>`` line per field, owners sorted.
    """

    status = 409
    reason = "Conflict"

    def __init__(
        self, conflicts: list[tuple[str, str]], labels: list[str] | None = None
    ) -> None:
        self.conflicts = conflicts
        self.labels = labels or [f'"{manager}"' for manager, _path in conflicts]
        if len(conflicts) == 1:
            message = f"Apply failed with 1 conflict: conflict with {self.labels[0]}: " \
                      f"{conflicts[0][1]}"
        else:
            by_owner: dict[str, list[str]] = {}
            for label, (_manager, path) in zip(self.labels, conflicts, strict=True):
                by_owner.setdefault(label, []).append(path)
            lines = []
            for label in sorted(by_owner):
                lines.append(f"conflicts with {label}:")
                lines += [f"- {path}" for path in by_owner[label]]
            message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
        super().__init__(message)
