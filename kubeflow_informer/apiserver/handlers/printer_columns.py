"""``additionalPrinterColumns`` of custom resources, for the Table that ``kubectl get`` shows.

As kube-apiserver does: the columns are NAME followed by the CRD version's
``additionalPrinterColumns``; a CRD that declares none gets NAME and AGE. Column values come from
a small JSONPath subset that covers what CRDs use in practice: dotted fields (``.status.phase``),
list indexes (``.status.conditions[0].type``) and equality filters
(``.status.conditions[?(@.type=="Ready")].status``). A path that matches nothing gives an
empty cell, a ``date`` column is shown as an age.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import NotFound

__all__ = ["crd_printer_columns", "evaluate_json_path"]

_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-/]+)"""
    r"""|\[(?P<index>-?\d+)\]"""
    r"""|\[\?\(@\.(?P<key>[A-Za-z0-9_\-]+)\s*==\s*["'](?P<value>[^"']*)["']\)\]"""
)


def evaluate_json_path(obj: Any, path: str) -> list[Any]:
    """The values ``path`` selects in ``obj`` (empty when nothing matches or it is unsupported)."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    nodes = [obj]
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return []
        position = match.end()
        found: list[Any] = []
        for node in nodes:
            if match.group("field") is not None and isinstance(node, Mapping):
                if match.group("field") in node:
                    found.append(node[match.group("field")])
            elif match.group("index") is not None and isinstance(node, list):
                index = int(match.group("index"))
                if -len(node) <= index < len(node):
                    found.append(node[index])
            elif match.group("key") is not None and isinstance(node, list):
                key, value = match.group("key"), match.group("value")
                found += [e for e in node if isinstance(e, Mapping) and str(e.get(key)) == value]
        nodes = found
    return nodes


def crd_printer_columns(storage: Storage, info: ResourceInfo) -> list[dict[str, Any]] | None:
    """The printer columns the CRD serving ``info`` declares (None when it declares none or
    ``info`` is not a custom resource)."""
    crd_info = storage.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    if crd_info is None or not info.group:
        return None
    try:
        crd = storage.get(crd_info, None, f"{info.plural}.{info.group}").obj
    except NotFound:
        return None
    for version in crd.get("spec", {}).get("versions") or []:
        if version.get("name") == info.version:
            columns = version.get("additionalPrinterColumns")
            return list(columns) if columns else None
    return None


def cell_value(obj: Mapping[str, Any], column: Mapping[str, Any], now: datetime.datetime,
               age: Any) -> Any:
    """The cell of one custom column for ``obj``; ``age`` formats a ``date`` value."""
    values = evaluate_json_path(obj, str(column.get("jsonPath", "")))
    if not values:
        return None
    value = values[0] if len(values) == 1 else ",".join(str(v) for v in values)
    if column.get("type") == "date" and isinstance(value, str):
        return age({"metadata": {"creationTimestamp": value}}, now)
    return value
