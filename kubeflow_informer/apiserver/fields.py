"""The field sets of resources: what a field selector can select on, kind by kind.

Only the API server evaluates field selectors against objects (clients send them as text), so
the per-kind tables live here: ``metadata.name`` / ``metadata.namespace`` for every kind, plus
the extra fields kube-apiserver registers for pods, events, secrets, namespaces and nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["fields_for", "object_fields", "pod_fields"]

_EMPTY: Mapping[str, str] = {}


def _get(obj: Mapping[str, Any], section: str, key: str) -> str:
    part = obj.get(section)
    if not isinstance(part, Mapping):
        return ""
    value = part.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def object_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The fields every resource supports: ``metadata.name`` and ``metadata.namespace``."""
    meta = obj.get("metadata") or {}
    return {
        "metadata.name": str(meta.get("name") or ""),
        "metadata.namespace": str(meta.get("namespace") or ""),
    }


def _text(section: Mapping[str, Any], key: str) -> str:
    value = section.get(key)
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def pod_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The field set of a Pod, as kube-apiserver's pod field selector sees it."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    pod_ip = status.get("podIP")
    if not pod_ip:
        # podIPs[0] is the primary address; podIP mirrors it when both are set.
        ips = status.get("podIPs")
        pod_ip = ips[0].get("ip") if ips and isinstance(ips[0], Mapping) else ""
    return {
        "metadata.name": _text(meta, "name"),
        "metadata.namespace": _text(meta, "namespace"),
        "spec.nodeName": _text(spec, "nodeName"),
        "spec.restartPolicy": _text(spec, "restartPolicy"),
        "spec.schedulerName": _text(spec, "schedulerName"),
        "spec.serviceAccountName": _text(spec, "serviceAccountName"),
        "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
        "status.phase": _text(status, "phase"),
        "status.podIP": str(pod_ip or ""),
        "status.nominatedNodeName": _text(status, "nominatedNodeName"),
    }


def _event_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
        fields[f"involvedObject.{key}"] = _get(obj, "involvedObject", key)
    fields["reason"] = str(obj.get("reason") or "")
    fields["reportingComponent"] = str(obj.get("reportingComponent") or "")
    fields["source"] = _get(obj, "source", "component")
    fields["type"] = str(obj.get("type") or "")
    return fields


def _secret_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["type"] = str(obj.get("type") or "")
    return fields


def _namespace_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["status.phase"] = _get(obj, "status", "phase")
    return fields


def _node_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["spec.unschedulable"] = _get(obj, "spec", "unschedulable") or "false"
    return fields


_FIELD_FUNCS = {
    "pods": pod_fields,
    "pod": pod_fields,
    "events": _event_fields,
    "event": _event_fields,
    "secrets": _secret_fields,
    "secret": _secret_fields,
    "namespaces": _namespace_fields,
    "namespace": _namespace_fields,
    "nodes": _node_fields,
    "node": _node_fields,
}


def fields_for(kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """The field set a field selector sees for ``obj``.

    ``kind`` is a resource plural or a kind, case-insensitive (``"pods"``, ``"Pod"``). Pods,
    events (core/v1), secrets, namespaces and nodes have their extra fields; every other resource
    has ``metadata.name`` and ``metadata.namespace`` only, as in kube-apiserver.
    """
    func = _FIELD_FUNCS.get(kind.lower(), object_fields)
    return func(obj)
