"""Patch algorithms of the embedded API server: pure functions on plain dicts.

``apply_json_patch`` (RFC 6902), ``apply_merge_patch`` (RFC 7386),
``apply_strategic_merge_patch`` (built-in kinds only) and ``apply_server_side`` (a documented
subset of server-side apply). None of them mutates its inputs. Every error is a
:class:`PatchError` whose ``status`` / ``reason`` say how kube-apiserver answers it.
"""

from kubeflow_informer.apiserver.patching.apply import (
    apply_server_side,
    decode_fields,
    encode_fields,
    update_managed_fields,
)
from kubeflow_informer.apiserver.patching.errors import (
    ApplyConflict,
    MalformedPatch,
    PatchError,
    PatchTestFailed,
    UnsupportedPatchType,
)
from kubeflow_informer.apiserver.patching.json_patch import apply_json_patch
from kubeflow_informer.apiserver.patching.merge_patch import apply_merge_patch
from kubeflow_informer.apiserver.patching.strategic_merge import (
    apply_strategic_merge_patch,
    supports_strategic_merge,
)

__all__ = [
    "ApplyConflict",
    "MalformedPatch",
    "PatchError",
    "PatchTestFailed",
    "UnsupportedPatchType",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_server_side",
    "apply_strategic_merge_patch",
    "decode_fields",
    "encode_fields",
    "supports_strategic_merge",
    "update_managed_fields",
]
