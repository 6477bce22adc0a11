"""RFC 6902 JSON Patch (``application/json-patch+json``) on plain dicts.

Contract: :func:`apply_json_patch` never mutates ``doc`` or the operations; it returns a new
document. Operations apply in order and atomically - the first failing one raises and nothing
is returned. Supported: ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``; JSON
pointers with ``~0`` / ``~1`` escapes; ``-`` appends to an array in ``add`` / ``move`` /
``copy``. Array indexes must be canonical decimal numbers (no sign, no leading zero). Errors map
to kube-apiserver answers (see :mod:`.errors`): a malformed operation is 400, an operation that
does not apply to this document is 422 and a failed ``test`` is :class:`PatchTestFailed`, also 422.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from kubeflow_informer.apiserver.patching.errors import MalformedPatch, PatchError, PatchTestFailed

__all__ = ["apply_json_patch", "deep_copy", "json_equal", "parse_pointer"]


def deep_copy(value: Any) -> Any:
    """An independent copy of a JSON value (orjson round trip; ``deepcopy`` as a fallback)."""
    if not isinstance(value, dict | list):
        return value
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        return copy.deepcopy(value)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: like ``==`` but ``true`` is not ``1`` and ``false`` is not ``0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return False
        return all(json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def parse_pointer(pointer: Any) -> list[str]:
    """Split an RFC 6901 JSON pointer into unescaped reference tokens (``""`` is the root)."""
    if not isinstance(pointer, str):
        raise MalformedPatch(f"a JSON pointer must be a string, got {type(pointer).__name__}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise MalformedPatch(f"JSON pointer {pointer!r} must start with '/'")
    tokens = pointer[1:].split("/")
    for token in tokens:
        rest = token.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise MalformedPatch(f"JSON pointer {pointer!r} has an invalid '~' escape")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _index(token: str, length: int, pointer: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return length
    if not token.isdigit() or not token.isascii() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"{pointer!r}: {token!r} is not a valid array index")
    index = int(token)
    if index > length or (index == length and not allow_end):
        raise PatchError(f"{pointer!r}: array index {index} is out of range")
    return index


def _resolve(doc: Any, tokens: Sequence[str], pointer: str) -> Any:
    node = doc
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"path {pointer!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), pointer, allow_end=False)]
        else:
            raise PatchError(f"path {pointer!r} does not exist")
    return node


def _add(doc: Any, tokens: list[str], value: Any, pointer: str) -> Any:
    if not tokens:
        return value
    parent = _resolve(doc, tokens[:-1], pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), pointer, allow_end=True), value)
    else:
        raise PatchError(f"cannot add at {pointer!r}: the parent is not an object or array")
    return doc


def _remove(doc: Any, tokens: list[str], pointer: str) -> tuple[Any, Any]:
    """Remove the target; returns ``(new_doc, removed_value)``."""
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = _resolve(doc, tokens[:-1], pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"path {pointer!r} does not exist")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), pointer, allow_end=False))
    raise PatchError(f"path {pointer!r} does not exist")


def _field(op: Mapping[str, Any], name: str, position: int) -> Any:
    if name not in op:
        raise MalformedPatch(f"operation {position} ({op.get('op')!r}) is missing {name!r}")
    return op[name]


def apply_json_patch(doc: Mapping[str, Any], ops: Any) -> dict[str, Any]:
    """Apply an RFC 6902 patch and return the new document (see the module docstring)."""
    if not isinstance(ops, list):
        raise MalformedPatch("a JSON patch must be an array of operations")
    result: Any = deep_copy(dict(doc))
    for position, op in enumerate(ops):
        if not isinstance(op, dict):
            raise MalformedPatch(f"operation {position} is not an object")
        name = op.get("op")
        pointer = _field(op, "path", position)
        tokens = parse_pointer(pointer)
        if name == "add":
            result = _add(result, tokens, deep_copy(_field(op, "value", position)), pointer)
        elif name == "remove":
            result, _ = _remove(result, tokens, pointer)
        elif name == "replace":
            value = deep_copy(_field(op, "value", position))
            _resolve(result, tokens, pointer)  # the target must exist
            if tokens:
                result, _ = _remove(result, tokens, pointer)
            result = _add(result, tokens, value, pointer)
        elif name in ("move", "copy"):
            source = _field(op, "from", position)
            source_tokens = parse_pointer(source)
            if name == "move":
                if tokens[: len(source_tokens)] == source_tokens and tokens != source_tokens:
                    raise PatchError(f"cannot move {source!r} into its own child {pointer!r}")
                result, value = _remove(result, source_tokens, source)
            else:
                value = deep_copy(_resolve(result, source_tokens, source))
            result = _add(result, tokens, value, pointer)
        elif name == "test":
            expected = _field(op, "value", position)
            try:
                actual = _resolve(result, tokens, pointer)
            except PatchError:
                raise PatchTestFailed(f"testing value {pointer} failed: path missing") from None
            if not json_equal(actual, expected):
                raise PatchTestFailed(f"testing value {pointer} failed")
        else:
            raise MalformedPatch(f"operation {position} has an unknown op {name!r}")
    if not isinstance(result, dict):
        raise PatchError("the patched document is not an object")
    return result
