"""The ``meta.k8s.io/v1`` ``Table`` format that ``kubectl get`` asks for.

kubectl sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io, application/json`` and
prints the server's columns. Pods get NAME, READY, STATUS, RESTARTS, AGE (IP and NODE as
``-o wide`` columns), Deployments NAME, READY, UP-TO-DATE, AVAILABLE, AGE, custom resources the
CRD's ``additionalPrinterColumns`` (see ``printer_columns``), every other kind NAME and AGE.
Each row carries the object's metadata as a ``PartialObjectMetadata`` (``includeObject=Metadata``,
the default), the whole object (``Object``) or nothing (``None``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubeflow_informer.apiserver.handlers.printer_columns import cell_value
from kubeflow_informer.apiserver.registry import ResourceInfo

__all__ = ["human_duration", "table_for", "wants_table"]

Column = dict[str, Any]
Cells = Callable[[Mapping[str, Any], datetime.datetime], list[Any]]


def wants_table(accept: str) -> bool:
    """True when the ``Accept`` header asks for a ``meta.k8s.io`` Table."""
    return "as=Table" in accept


def _column(name: str, kind: str = "string", *, fmt: str = "", priority: int = 0,
            description: str = "") -> Column:
    return {
        "name": name,
        "type": kind,
        "format": fmt,
        "description": description or name,
        "priority": priority,
    }


_NAME = _column("Name", fmt="name", description="Name must be unique within a namespace.")
_AGE = _column("Age", description="CreationTimestamp is a timestamp representing the server time "
               "when this object was created.")


def human_duration(seconds: float) -> str:
    """A short age like kubectl's (``45s``, ``12m``, ``3h``, ``5d``, ``2y``)."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def _age(obj: Mapping[str, Any], now: datetime.datetime) -> str:
    stamp = obj.get("metadata", {}).get("creationTimestamp")
    if not isinstance(stamp, str):
        return "<unknown>"
    try:
        created = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    return human_duration((now - created).total_seconds())


def _pod_cells(pod: Mapping[str, Any], now: datetime.datetime) -> list[Any]:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    containers = spec.get("containers") or []
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount") or 0) for s in statuses)
    phase = status.get("reason") or status.get("phase") or "Pending"
    for s in statuses:
        waiting = (s.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            phase = waiting["reason"]
    if pod.get("metadata", {}).get("deletionTimestamp"):
        phase = "Terminating"
    return [
        pod["metadata"]["name"],
        f"{ready}/{len(containers)}",
        phase,
        restarts,
        _age(pod, now),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
    ]


def _deployment_cells(dep: Mapping[str, Any], now: datetime.datetime) -> list[Any]:
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    desired = spec.get("replicas", 1)
    return [
        dep["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{desired}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        _age(dep, now),
    ]


def _default_cells(obj: Mapping[str, Any], now: datetime.datetime) -> list[Any]:
    return [obj["metadata"]["name"], _age(obj, now)]


_LAYOUTS: dict[tuple[str, str], tuple[list[Column], Cells]] = {
    ("", "Pod"): (
        [
            _NAME,
            _column("Ready", description="The aggregate readiness state of this pod."),
            _column("Status", description="The aggregate status of the containers in this pod."),
            _column("Restarts", "string", description="The number of times the containers in "
                    "this pod have been restarted."),
            _AGE,
            _column("IP", priority=1, description="IP address allocated to the pod."),
            _column("Node", priority=1, description="Name of the Node this pod is assigned to."),
        ],
        _pod_cells,
    ),
    ("apps", "Deployment"): (
        [
            _NAME,
            _column("Ready", description="Number of the pod with ready state"),
            _column("Up-to-date", "integer", description="Total number of non-terminated pods "
                    "targeted by this deployment that have the desired template spec."),
            _column("Available", "integer", description="Total number of available pods."),
            _AGE,
        ],
        _deployment_cells,
    ),
}


def _row_object(obj: Mapping[str, Any], include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return dict(obj)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def _custom_layout(custom_columns: list[dict[str, Any]]) -> tuple[list[Column], Cells]:
    columns = [_NAME] + [
        _column(
            str(c.get("name", "")),
            str(c.get("type", "string")),
            fmt=str(c.get("format", "")),
            priority=int(c.get("priority", 0) or 0),
            description=str(c.get("description", "")),
        )
        for c in custom_columns
    ]

    def cells(obj: Mapping[str, Any], now: datetime.datetime) -> list[Any]:
        return [obj["metadata"]["name"]] + [
            cell_value(obj, column, now, _age) for column in custom_columns
        ]

    return columns, cells


def table_for(
    info: ResourceInfo,
    objects: Iterable[Mapping[str, Any]],
    *,
    custom_columns: list[dict[str, Any]] | None = None,
    resource_version: str | None = None,
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
    include_object: str = "Metadata",
    with_columns: bool = True,
) -> dict[str, Any]:
    """A ``Table`` of ``objects`` with the kind's columns (or a CRD's ``custom_columns``)."""
    if custom_columns:
        columns, cells = _custom_layout(custom_columns)
    else:
        columns, cells = _LAYOUTS.get((info.group, info.kind), ([_NAME, _AGE], _default_cells))
    now = datetime.datetime.now(datetime.UTC)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj, now)}
        partial = _row_object(obj, include_object)
        if partial is not None:
            row["object"] = partial
        rows.append(row)
    metadata: dict[str, Any] = {}
    if resource_version is not None:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    table: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
    table["columnDefinitions"] = list(columns) if with_columns else []
    table["rows"] = rows
    return table
