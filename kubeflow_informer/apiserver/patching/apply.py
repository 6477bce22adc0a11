"""A documented subset of server-side apply (``application/apply-patch+yaml``).

What is supported:

* **Merge.** The applied configuration is merged into the live object with the list semantics
  of :mod:`.strategic_merge`: maps merge key by key, lists with a merge key are associative
  (elements matched by key), ``merge`` lists of scalars are sets, every other list is atomic.
  Custom resources (no merge metadata) apply with maps granular and every list atomic, as a
  CRD without ``x-kubernetes-list-type`` annotations behaves.
* **Ownership.** Each manager's fields live in ``metadata.managedFields`` entries
  (``manager``, ``operation`` ``Apply``/``Update``, ``apiVersion``, ``time``,
  ``fieldsType: FieldsV1``, ``fieldsV1``), encoded as the real server does: ``f:<field>`` for a
  map key, ``k:{"<mergeKey>":<value>}`` for an element of an associative list (with ``.`` for the
  element itself), ``v:<json>`` for a member of a set. ``apiVersion``, ``kind`` and the
  server-owned metadata (name, namespace, uid, resourceVersion, generation, timestamps,
  managedFields) are not tracked.
* **Removal.** A field the same manager applied before and now omits is removed from the object,
  unless another manager also owns it (then only the ownership is dropped). An associative list
  element is removed only when no other manager owns anything inside it.
* **Conflicts.** Applying a value to a field another manager owns with a different value raises
  :class:`ApplyConflict` listing every such field; with ``force=True`` the fields change hands
  instead. Equal values are shared ownership, not a conflict.
* :func:`update_managed_fields` records ownership for ordinary writes (create/update/patch;
  the HTTP layer calls it for every such request, see ``handlers/ownership.py``): fields that
  changed pass to the writer's ``Update`` entry, as the real field manager does, so an apply
  over a controller's write conflicts like it would on a real cluster. ``managedFields`` sent
  with an ordinary write are ignored (the stored ones are kept): resetting them by sending
  ``[]`` or ``[{}]`` is not supported. Entries left without fields are dropped.

Not supported (documented simplifications): multi-key associative lists (container ``ports`` are
keyed on ``containerPort`` alone), ``x-kubernetes-*`` list/map annotations of CRD schemas,
granular ownership inside atomic lists, pruning of maps left empty after a removal, and the
reset of ``status`` on the main resource (the server's update strategy does that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from kubeflow_informer.apiserver.patching.errors import ApplyConflict, MalformedPatch
from kubeflow_informer.apiserver.patching.json_patch import deep_copy, json_equal
from kubeflow_informer.apiserver.patching.schema import (
    STRUCTS,
    UNKNOWN_ROOT,
    FieldSpec,
    Struct,
    root_struct,
)
from kubeflow_informer.apiserver.patching.strategic_merge import merge_strategic

__all__ = ["apply_server_side", "decode_fields", "encode_fields", "update_managed_fields"]

Path = tuple[str, ...]
_DEFAULT = FieldSpec()
_UNTRACKED_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)


def _struct(name: str | None) -> Struct:
    return STRUCTS.get(name, {}) if name else {}


def _element_token(key: str, value: Any) -> str:
    return "k:" + orjson.dumps({key: value}).decode()


def _collect(obj: Mapping[str, Any], struct: Struct, prefix: Path, out: set[Path]) -> None:
    for key, value in obj.items():
        if not prefix and key in ("apiVersion", "kind"):
            continue
        if prefix == ("f:metadata",) and key in _UNTRACKED_METADATA:
            continue
        path = (*prefix, f"f:{key}")
        spec = struct.get(key, _DEFAULT)
        if isinstance(value, dict) and value:
            _collect(value, _struct(spec.struct), path, out)
        elif isinstance(value, list) and value and spec.merge_list:
            if spec.merge_key is None:
                out.update((*path, "v:" + orjson.dumps(v).decode()) for v in value)
                continue
            for element in value:
                if isinstance(element, dict) and spec.merge_key in element:
                    element_path = (*path, _element_token(spec.merge_key, element[spec.merge_key]))
                    out.add((*element_path, "."))
                    _collect(element, _struct(spec.struct), element_path, out)
        else:
            out.add(path)


def field_paths(obj: Mapping[str, Any], kind: str) -> set[Path]:
    """The leaf field paths of ``obj`` in FieldsV1 tokens (what an applier would own)."""
    out: set[Path] = set()
    _collect(obj, _struct(root_struct(kind) or UNKNOWN_ROOT), (), out)
    return out


def encode_fields(paths: Iterable[Path]) -> dict[str, Any]:
    """Encode field paths as a ``fieldsV1`` tree (leaves are ``{}``)."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for token in path:
            node = node.setdefault(token, {})
    return tree


def decode_fields(tree: Mapping[str, Any], prefix: Path = ()) -> set[Path]:
    """Decode a ``fieldsV1`` tree into the set of leaf paths."""
    out: set[Path] = set()
    for token, child in tree.items():
        if isinstance(child, Mapping) and child:
            out |= decode_fields(child, (*prefix, token))
        else:
            out.add((*prefix, token))
    return out


def _find(node: Any, token: str) -> tuple[bool, Any]:
    if token.startswith("f:"):
        if isinstance(node, dict) and token[2:] in node:
            return True, node[token[2:]]
        return False, None
    if token.startswith("k:") and isinstance(node, list):
        wanted = orjson.loads(token[2:])
        for element in node:
            if isinstance(element, dict) and all(
                json_equal(element.get(k), v) for k, v in wanted.items()
            ):
                return True, element
        return False, None
    if token.startswith("v:") and isinstance(node, list):
        wanted = orjson.loads(token[2:])
        return any(json_equal(v, wanted) for v in node), wanted
    if token == ".":
        return True, node
    return False, None


def _get(obj: Any, path: Path) -> tuple[bool, Any]:
    node = obj
    for token in path:
        found, node = _find(node, token)
        if not found:
            return False, None
    return True, node


def _same_at(a: Any, b: Any, path: Path) -> bool:
    found_a, value_a = _get(a, path)
    found_b, value_b = _get(b, path)
    return found_a and found_b and json_equal(value_a, value_b)


def _delete(obj: dict[str, Any], path: Path) -> None:
    if path[-1] == ".":
        path = path[:-1]
    found, parent = _get(obj, path[:-1])
    if not found:
        return
    last = path[-1]
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith(("k:", "v:")) and isinstance(parent, list):
        present, target = _find(parent, last)
        if present and last.startswith("k:"):
            parent[:] = [e for e in parent if e is not target]
        elif present:
            parent[:] = [v for v in parent if not json_equal(v, target)]


def _path_text(path: Path) -> str:
    parts: list[str] = []
    for token in path:
        if token.startswith("f:"):
            parts.append("." + token[2:])
        elif token.startswith("k:"):
            key, value = next(iter(orjson.loads(token[2:]).items()))
            parts.append(f"[{key}={orjson.dumps(value).decode()}]")
        elif token.startswith("v:"):
            parts.append(f"[{token[2:]}]")
    return "".join(parts)


def _owner_label(entry: Mapping[str, Any]) -> str:
    """A managedFields entry as kube-apiserver names it in a conflict (its ``printManager``)."""
    label = orjson.dumps(str(entry.get("manager", ""))).decode()
    if entry.get("subresource"):
        label += f" with subresource {orjson.dumps(str(entry['subresource'])).decode()}"
    if entry.get("operation") == "Update":
        label += f" using {entry.get('apiVersion', '')}"
    return label


def _timestamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    return [dict(e) for e in entries if isinstance(e, Mapping)]


def _write_entries(
    obj: dict[str, Any], entries: list[dict[str, Any]], owned: list[set[Path]]
) -> None:
    kept = []
    for entry, paths in zip(entries, owned, strict=True):
        if paths:
            entry["fieldsType"] = "FieldsV1"
            entry["fieldsV1"] = encode_fields(paths)
            kept.append(entry)
    meta = obj.setdefault("metadata", {})
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)  # omitted when empty, as the real server serves it


def apply_server_side(
    live: Mapping[str, Any] | None,
    applied: Any,
    *,
    field_manager: str,
    force: bool,
    kind: str,
    subresource: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply ``applied`` as ``field_manager`` onto ``live`` (``None`` creates) - see module doc.
    ``subresource`` (``"status"``) keeps the manager's apply to it in an entry of its own.

    Returns the new object with updated ``metadata.managedFields``; raises
    :class:`ApplyConflict` (409) on conflicts unless ``force``, :class:`MalformedPatch` (400) when
    ``applied`` is not an object or no manager is named. Never mutates its inputs.
    """
    if not isinstance(applied, dict):
        raise MalformedPatch("an apply configuration must be an object")
    if not field_manager:
        raise MalformedPatch("fieldManager is required for apply requests")
    config = deep_copy(applied)
    config.get("metadata", {}).pop("managedFields", None)
    root = root_struct(kind) or UNKNOWN_ROOT
    result: dict[str, Any] = deep_copy(dict(live)) if live is not None else {}
    entries = _entries(result)
    owned = [decode_fields(e.get("fieldsV1") or {}) for e in entries]
    mine = next(
        (
            i
            for i, e in enumerate(entries)
            if e.get("manager") == field_manager and e.get("operation") == "Apply"
            and e.get("subresource") == subresource
        ),
        None,
    )
    applied_paths = field_paths(config, kind)

    conflicts: list[tuple[str, str]] = []
    labels: list[str] = []
    for i, paths in enumerate(owned):
        if i == mine:
            continue
        for path in sorted(paths & applied_paths):
            if path[-1] == "." or path[-1].startswith("v:"):
                continue
            live_found, live_value = _get(result, path)
            if live_found and not json_equal(live_value, _get(config, path)[1]):
                if force:
                    paths.discard(path)
                else:
                    conflicts.append((str(entries[i].get("manager", "")), _path_text(path)))
                    labels.append(_owner_label(entries[i]))
    if conflicts:
        raise ApplyConflict(conflicts, labels)

    if mine is not None:
        others = set().union(*(p for i, p in enumerate(owned) if i != mine))
        removed = owned[mine] - applied_paths - others
        # Whole elements first: once an element is gone its own leaves need no removal, and
        # removing a leaf first (its merge key) would leave the element unfindable.
        for path in sorted(removed, key=lambda p: (p[-1] != ".", len(p))):
            if path[-1] == "." and any(o[: len(path) - 1] == path[:-1] for o in others):
                continue
            _delete(result, path)

    merged = merge_strategic(result, config, root)
    result = merged if isinstance(merged, dict) else {}
    entry = {
        "manager": field_manager,
        "operation": "Apply",
        "apiVersion": str(config.get("apiVersion") or ""),
        "time": _timestamp(now),
    }
    if subresource:
        entry["subresource"] = subresource
    if mine is None:
        entries.append(entry)
        owned.append(applied_paths)
    else:
        entries[mine] = entry
        owned[mine] = applied_paths
    _write_entries(result, entries, owned)
    return result


def update_managed_fields(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    field_manager: str,
    kind: str,
    subresource: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record an ordinary write (create / update / patch) of ``new`` by ``field_manager``.

    Every field whose value is new or changed passes to the manager's ``Update`` entry (taken from
    any other owner, without conflict, as kube-apiserver does); fields that disappeared leave every
    entry. ``managedFields`` sent in ``new`` are ignored in favour of ``old``'s. Returns a copy of
    ``new``; an empty ``field_manager`` leaves ownership unchanged apart from removals.
    """
    result: dict[str, Any] = deep_copy(dict(new))
    base = old if old is not None else {}
    entries = _entries(base)
    owned = [decode_fields(e.get("fieldsV1") or {}) for e in entries]
    new_paths = field_paths(result, kind)
    changed = {path for path in new_paths if not _same_at(base, result, path)}
    for paths in owned:
        paths.intersection_update(new_paths)
        paths.difference_update(changed)
    if field_manager and changed:
        index = next(
            (
                i
                for i, e in enumerate(entries)
                if e.get("manager") == field_manager
                and e.get("operation") == "Update"
                and e.get("subresource") == subresource
            ),
            None,
        )
        entry: dict[str, Any] = {
            "manager": field_manager,
            "operation": "Update",
            "apiVersion": str(result.get("apiVersion") or ""),
            "time": _timestamp(now),
        }
        if subresource:
            entry["subresource"] = subresource
        if index is None:
            entries.append(entry)
            owned.append(set(changed))
        else:
            entries[index] = entry
            owned[index] |= changed
    _write_entries(result, entries, owned)
    return result
