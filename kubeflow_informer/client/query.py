"""Query parameters and option bodies shared by the Resource verbs.

Kept apart from ``resource.py`` so the verbs read as URL + method + body, and so the encoding
rules (which parameters are omitted when unset, how selectors become text) live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

QueryList = list[tuple[str, str]]
Selector = str | Mapping[str, str] | object | None


def selector_text(selector: Selector) -> str | None:
    """A label/field selector as query text: a string, a ``{key: value}`` mapping, or any
    selector object whose ``str()`` is its canonical form (``LabelSelector``, ``FieldSelector``).
    """
    if selector is None:
        return None
    if isinstance(selector, str):
        text = selector
    elif isinstance(selector, Mapping):
        text = ",".join(f"{key}={value}" for key, value in selector.items())
    else:
        text = str(selector)
    return text or None


def bool_text(value: bool) -> str:
    """A boolean as the API server's query syntax (``true``/``false``)."""
    return "true" if value else "false"


def write_params(field_manager: str | None, dry_run: bool) -> QueryList:
    """``fieldManager`` and ``dryRun=All`` for create / update / patch, omitted when unset."""
    params: QueryList = []
    if field_manager:
        params.append(("fieldManager", field_manager))
    if dry_run:
        params.append(("dryRun", "All"))
    return params


def list_params(
    label_selector: Selector,
    field_selector: Selector,
    resource_version: str | None,
    resource_version_match: str | None,
    limit: int | None,
    continue_token: str | None,
    timeout_seconds: int | None,
) -> QueryList:
    """LIST / WATCH / DELETECOLLECTION parameters; unset (``None`` or empty) ones are omitted."""
    params: QueryList = []
    labels = selector_text(label_selector)
    if labels:
        params.append(("labelSelector", labels))
    fields = selector_text(field_selector)
    if fields:
        params.append(("fieldSelector", fields))
    if resource_version:  # "" means "unset" (most recent), as client-go's omitempty
        params.append(("resourceVersion", resource_version))
    if resource_version_match:
        params.append(("resourceVersionMatch", resource_version_match))
    if limit:
        params.append(("limit", str(limit)))
    if continue_token:
        params.append(("continue", continue_token))
    if timeout_seconds is not None:
        params.append(("timeoutSeconds", str(timeout_seconds)))
    return params


def delete_options(
    propagation_policy: str | None,
    grace_period_seconds: int | None,
    preconditions: Mapping[str, str] | None,
    dry_run: bool,
) -> dict[str, Any] | None:
    """The ``DeleteOptions`` body for a delete, or ``None`` when no option is set."""
    options: dict[str, Any] = {}
    if propagation_policy:
        options["propagationPolicy"] = propagation_policy
    if grace_period_seconds is not None:
        options["gracePeriodSeconds"] = grace_period_seconds
    if preconditions:
        options["preconditions"] = dict(preconditions)
    if dry_run:
        options["dryRun"] = ["All"]
    if not options:
        return None
    return {"apiVersion": "v1", "kind": "DeleteOptions", **options}


def log_params(
    resource_plural: str,
    resource_group: str,
    container: str | None,
    tail_lines: int | None,
    since_seconds: int | None,
    timestamps: bool,
    previous: bool,
    limit_bytes: int | None,
) -> QueryList:
    """``pods/log`` parameters; :class:`ValueError` for anything but core pods."""
    if resource_plural != "pods" or resource_group:
        raise ValueError("logs are only available on core v1 pods")
    params: QueryList = []
    if container:
        params.append(("container", container))
    if tail_lines is not None:
        params.append(("tailLines", str(tail_lines)))
    if since_seconds is not None:
        params.append(("sinceSeconds", str(since_seconds)))
    if timestamps:
        params.append(("timestamps", "true"))
    if previous:
        params.append(("previous", "true"))
    if limit_bytes is not None:
        params.append(("limitBytes", str(limit_bytes)))
    return params
