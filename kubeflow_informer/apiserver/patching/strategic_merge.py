"""Strategic merge patch (``application/strategic-merge-patch+json``) for built-in kinds.

The subset kube-apiserver applies to built-in types, driven by the merge metadata in
:mod:`.schema` (the ``patchStrategy`` / ``patchMergeKey`` tags of ``k8s.io/api``):

* Objects merge key by key; ``null`` deletes a key; scalars replace.
* Lists declared ``merge`` with a merge key are merged element by element: a patch element
  whose key matches an existing element is merged into it (recursively, with the element's own
  struct metadata), an unmatched one is added; the result takes apimachinery's order (the
  patch's elements in patch order, the server-only ones interleaved by their original place:
  a new element leads). Declared today: containers / initContainers /
  ephemeralContainers, env, volumes, imagePullSecrets, schedulingGates, resourceClaims
  (``name``), container ``ports`` (``containerPort``), volumeMounts (``mountPath``),
  volumeDevices (``devicePath``), hostAliases (``ip``), podIPs (``ip``), topologySpreadConstraints
  (``topologyKey``), Service ``spec.ports`` (``port``), ``status.conditions`` and node
  ``status.addresses`` (``type``), ``metadata.ownerReferences`` (``uid``). A patch element
  without the merge key is an error (422).
* Lists of scalars declared ``merge`` (``metadata.finalizers``, node ``spec.podCIDRs``) merge as
  a set: new values are appended, existing ones kept.
* Every other list - tolerations, args, command, envFrom, ... - is atomic: replaced as a whole.
* Directives: ``$patch: replace`` (in a map: the map becomes the patch; as a list element: the
  list becomes the other elements), ``$patch: delete`` (in a map: the key is removed; as a list
  element with its merge key: that element is removed), ``$patch: merge`` (the default, accepted),
  ``$deleteFromPrimitiveList/<field>: [values]``, ``$setElementOrder/<field>: [...]`` (the listed
  elements take that order; elements only the server has keep their place relative to them)
  and ``$retainKeys: [keys]`` (keys of the live map not listed are dropped before merging).

Not supported: the old (pre-1.5) list deletion forms, ``$patch`` on scalar lists, and multi-key
merge (the real server keys container ports on ``containerPort`` alone as well, so this matches).

Kinds without merge metadata - every custom resource - are refused with
:class:`UnsupportedPatchType` (415), as kube-apiserver answers "the body of the request was in an
unknown format - accepted media types include: application/json-patch+json,
application/merge-patch+json, application/apply-patch+yaml" (kubernetes/kubernetes#53558).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from kubeflow_informer.apiserver.patching.errors import (
    MalformedPatch,
    PatchError,
    UnsupportedPatchType,
)
from kubeflow_informer.apiserver.patching.json_patch import deep_copy, json_equal
from kubeflow_informer.apiserver.patching.schema import (
    STRUCTS,
    FieldSpec,
    Struct,
    root_struct,
    supports_strategic_merge,
)

__all__ = ["apply_strategic_merge_patch", "merge_strategic", "supports_strategic_merge"]

_PATCH = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_FROM = "$deleteFromPrimitiveList/"
_SET_ORDER = "$setElementOrder/"
_DEFAULT = FieldSpec()
_EMPTY: Struct = {}

UNSUPPORTED_MESSAGE = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)


def _struct(name: str | None) -> Struct:
    return STRUCTS.get(name, _EMPTY) if name else _EMPTY


def _without_directives(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: deep_copy(v) for k, v in value.items() if not k.startswith("$")}


def _merge_map(original: dict[str, Any], patch: Mapping[str, Any], struct: Struct,
               applying: bool = False) -> Any:
    """Merge ``patch`` into ``original`` (owned, mutated); ``None`` means "delete this map".
    ``applying``: server-side apply's list order instead of the strategic merge patch's."""
    directive = patch.get(_PATCH)
    if directive is not None:
        if directive == "replace":
            return _without_directives(patch)
        if directive == "delete":
            return None
        if directive != "merge":
            raise MalformedPatch(f"unknown patch directive {_PATCH}: {directive!r}")
    retain = patch.get(_RETAIN_KEYS)
    if retain is not None:
        if not isinstance(retain, list) or not all(isinstance(k, str) for k in retain):
            raise MalformedPatch(f"{_RETAIN_KEYS} must be a list of field names")
        for key in patch:
            if not key.startswith("$") and key not in retain:
                raise PatchError(f"field {key!r} is in the patch but not in {_RETAIN_KEYS}")
        for key in [k for k in original if k not in retain]:
            del original[key]
    orders: list[tuple[str, list[Any], list[Any]]] = []  # (field, order, list before merging)
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM):
            field = key[len(_DELETE_FROM) :]
            if not isinstance(value, list):
                raise MalformedPatch(f"{key} must be a list")
            current = original.get(field)
            if isinstance(current, list):
                original[field] = [x for x in current if not any(json_equal(x, v) for v in value)]
        elif key.startswith(_SET_ORDER):
            if not isinstance(value, list):
                raise MalformedPatch(f"{key} must be a list")
            field = key[len(_SET_ORDER) :]
            live = original.get(field)
            orders.append((field, value, list(live) if isinstance(live, list) else []))
        elif key.startswith("$") and key not in (_PATCH, _RETAIN_KEYS):
            raise MalformedPatch(f"unknown patch directive {key!r}")
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            original.pop(key, None)
            continue
        spec = struct.get(key, _DEFAULT)
        current = original.get(key)
        if isinstance(value, dict):
            base = current if isinstance(current, dict) else {}
            merged = _merge_map(base, value, _struct(spec.struct), applying)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
        elif isinstance(value, list):
            original[key] = _merge_list(current if isinstance(current, list) else [], value, spec,
                                        applying)
        else:
            original[key] = value
    for field, order, before in orders:
        current = original.get(field)
        if isinstance(current, list):
            original[field] = _normalize_order(current, order, before,
                                               struct.get(field, _DEFAULT).merge_key)
    return original


def _is_directive(element: Any, value: str | None = None) -> bool:
    if not isinstance(element, dict) or _PATCH not in element:
        return False
    return value is None or element[_PATCH] == value


def _has_key(element: Any, key: str, wanted: Any) -> bool:
    return isinstance(element, dict) and key in element and json_equal(element[key], wanted)


def _merge_list(original: list[Any], patch: list[Any], spec: FieldSpec, applying: bool
                ) -> list[Any]:
    if not spec.merge_list:
        return [deep_copy(e) for e in patch]
    if any(_is_directive(e, "replace") for e in patch):
        return [
            _without_directives(e) if isinstance(e, dict) else e
            for e in patch
            if not _is_directive(e, "replace")
        ]
    if spec.merge_key is None:
        result = list(original)
        for value in patch:
            if isinstance(value, dict | list):
                raise PatchError("a list of scalars cannot merge an object or list element")
            if not any(json_equal(value, x) for x in result):
                result.append(value)
        return result
    key = spec.merge_key
    child = _struct(spec.struct)
    result = list(original)
    for element in patch:
        if not isinstance(element, dict):
            raise PatchError(f"expected objects in a list merged on {key!r}")
        if key not in element:
            raise PatchError(f"list element does not contain declared merge key {key!r}")
        wanted = element[key]
        index = next((i for i, e in enumerate(result) if _has_key(e, key, wanted)), None)
        if _is_directive(element, "delete"):
            result = [e for e in result if not _has_key(e, key, wanted)]
            continue
        merged = _merge_map({} if index is None else result[index], element, child, applying)
        if index is None:
            if merged is not None:
                result.append(merged)
        elif merged is None:
            del result[index]
        else:
            result[index] = merged
    if applying:
        return _apply_order_of(result, patch, original, key)
    return _normalize_order(result, patch, original, key)


def _normalize_order(merged: list[Any], patch: list[Any], original: list[Any], key: str | None
                     ) -> list[Any]:
    """The order apimachinery's ``normalizeElementOrder`` gives a list merged on ``key`` (or a
    list of scalars): the elements the patch (or its ``$setElementOrder``) names, in that order,
    interleaved with the server-only ones, which keep their order. A server-only element goes
    before a named one only when both were in the original list and it came first there, so
    elements new to the list lead: patching ``[d, b]`` into ``[a, b, c]`` gives
    ``[d, a, b, c]``."""
    named_at: dict[bytes, int] = {}
    for position, element in enumerate(patch):
        if not _is_directive(element):
            named_at.setdefault(_identity(element, key), position)
    server_at = {_identity(e, key): i for i, e in enumerate(original)}
    named = sorted((e for e in merged if _identity(e, key) in named_at),
                   key=lambda e: named_at[_identity(e, key)])
    server_only = [e for e in merged if _identity(e, key) not in named_at]
    result: list[Any] = []
    i = j = 0
    while i < len(server_only) and j < len(named):
        left = server_at.get(_identity(server_only[i], key))
        right = server_at.get(_identity(named[j], key))
        if left is not None and right is not None and left < right:
            result.append(server_only[i])
            i += 1
        else:
            result.append(named[j])
            j += 1
    result.extend(server_only[i:])
    result.extend(named[j:])
    return result


def _apply_order_of(merged: list[Any], applied: list[Any], original: list[Any], key: str
                    ) -> list[Any]:
    """The order server-side apply (structured-merge-diff) gives a list merged on ``key``: live
    elements the configuration does not name keep their place, named ones follow the
    configuration's order, and new ones go after the named element before them: applying
    ``[d, b]`` over ``[a, b, c]`` gives ``[a, d, b, c]``, ``[c, a]`` gives ``[b, c, a]``."""
    by_id = {_identity(e, key): e for e in merged}
    lhs = [_identity(e, key) for e in original]
    rhs = [_identity(e, key) for e in applied if not _is_directive(e)]
    in_lhs, in_rhs = set(lhs), set(rhs)
    shared = [i for i in rhs if i in in_lhs]
    next_shared = shared.pop(0) if shared else None
    order: list[bytes] = []
    done: set[bytes] = set()
    left = right = 0
    while left < len(lhs) or right < len(rhs):
        if left < len(lhs) and right < len(rhs):
            if lhs[left] == rhs[right]:
                order.append(lhs[left])
                done.add(lhs[left])
                left += 1
                right += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if lhs[left] in in_rhs and next_shared is not None and next_shared != lhs[left]:
                left += 1  # a named element, but not the next one the configuration wants
                continue
        if left < len(lhs):
            if lhs[left] not in in_rhs:
                order.append(lhs[left])
                left += 1
                continue
            if lhs[left] in done:
                left += 1
                continue
        if right < len(rhs):
            order.append(rhs[right])
            done.add(rhs[right])
            if next_shared == rhs[right]:
                next_shared = shared.pop(0) if shared else None
            right += 1
    return [by_id[i] for i in order if i in by_id]


def _identity(element: Any, key: str | None) -> bytes:
    value = element.get(key) if key is not None and isinstance(element, dict) else element
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def merge_strategic(original: dict[str, Any], patch: Mapping[str, Any], struct_name: str) -> Any:
    """Merge ``patch`` into ``original`` in place using the struct metadata ``struct_name``,
    ordering lists as server-side apply does.

    Building block of server-side apply; returns the merged value (``None`` when the
    patch deletes the whole object). Most callers want :func:`apply_strategic_merge_patch`.
    """
    return _merge_map(original, patch, _struct(struct_name), applying=True)


def apply_strategic_merge_patch(doc: Mapping[str, Any], patch: Any, kind: str) -> dict[str, Any]:
    """Apply a strategic merge patch to an object of ``kind`` and return the new object.

    ``kind`` is the object's kind or plural resource name. Raises :class:`UnsupportedPatchType`
    for kinds without merge metadata (custom resources), :class:`MalformedPatch` for a patch
    that is not an object or uses an unknown directive, :class:`PatchError` when it cannot be
    applied. Never mutates ``doc`` or ``patch``.
    """
    root = root_struct(kind)
    if root is None:
        raise UnsupportedPatchType(UNSUPPORTED_MESSAGE)
    if not isinstance(patch, dict):
        raise MalformedPatch("a strategic merge patch must be a JSON object")
    merged = _merge_map(deep_copy(dict(doc)), patch, _struct(root))
    return merged if isinstance(merged, dict) else {}
