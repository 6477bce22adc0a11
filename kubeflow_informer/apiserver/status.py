"""Kubernetes ``Status`` errors, built the way kube-apiserver builds them.

Both the engine and the HTTP layer raise errors through :func:`status_error` so that every error
leaves the server as a real ``metav1.Status`` (``kind``, ``apiVersion``, ``status: Failure``,
``message``, ``reason``, ``details``, ``code``): clients (client-go, the official Python client,
kubectl, our own client) decide what to do from ``reason`` and ``code``, so those must be the real
ones. The message helpers below reproduce the apiserver's wording (``pods "x" not found``...)
because users grep for it and some clients match on it.

``resource`` arguments are the resource plural; ``qualified`` names are ``plural`` for the core
group and ``plural.group`` otherwise, as ``schema.GroupResource.String()`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubeflow_informer.errors import ApiError, api_error_from_status


def status_error(
    code: int,
    reason: str,
    message: str,
    *,
    name: str | None = None,
    group: str | None = None,
    kind: str | None = None,
    causes: Sequence[Mapping[str, Any]] | None = None,
    retry_after_seconds: int | None = None,
) -> ApiError:
    """The typed :class:`ApiError` for a Status with this code, reason, message and details.

    ``details`` holds only the keys that are set (the real Status omits empty ones); an empty
    ``details`` is left out entirely, as for ``too old resource version``.
    """
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    if causes:
        details["causes"] = [dict(c) for c in causes]
    if retry_after_seconds is not None:
        details["retryAfterSeconds"] = retry_after_seconds
    status_object: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details:
        status_object["details"] = details
    status_object["code"] = code
    return api_error_from_status(
        status_object,
        code,
        retry_after=float(retry_after_seconds) if retry_after_seconds is not None else None,
    )


def qualified_resource(group: str, resource: str) -> str:
    """``pods`` for the core group, ``deployments.apps`` otherwise (GroupResource.String())."""
    return f"{resource}.{group}" if group else resource


def qualified_kind(group: str, kind: str) -> str:
    """``Pod`` for the core group, ``Deployment.apps`` otherwise (GroupKind.String())."""
    return f"{kind}.{group}" if group else kind


def not_found(group: str, resource: str, name: str) -> ApiError:
    """404 NotFound: ``pods "x" not found``; details.kind is the resource plural."""
    return status_error(
        404,
        "NotFound",
        f'{qualified_resource(group, resource)} "{name}" not found',
        name=name,
        group=group or None,
        kind=resource,
    )


def already_exists(group: str, resource: str, name: str) -> ApiError:
    """409 AlreadyExists: ``pods "x" already exists``."""
    return status_error(
        409,
        "AlreadyExists",
        f'{qualified_resource(group, resource)} "{name}" already exists',
        name=name,
        group=group or None,
        kind=resource,
    )


def conflict(group: str, resource: str, name: str, why: str) -> ApiError:
    """409 Conflict: ``Operation cannot be fulfilled on pods "x": <why>``."""
    return status_error(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified_resource(group, resource)} "{name}": {why}',
        name=name,
        group=group or None,
        kind=resource,
    )


def precondition_failed(group: str, kind: str, name: str, field: str, wanted: str,
                        actual: str) -> ApiError:
    """409 Conflict of a delete whose ``uid`` or ``resourceVersion`` precondition fails, as the
    generic store words it (on the qualified Kind; details name the Kind)."""
    label, outcome = (("UID", "deleted and then recreated") if field == "uid"
                      else ("ResourceVersion", "modified"))
    return status_error(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified_kind(group, kind)} "{name}": the {label} '
        f"in the precondition ({wanted}) does not match the {label} in record ({actual}). "
        f"The object might have been {outcome}",
        name=name,
        group=group or None,
        kind=kind,
    )


STALE_OBJECT = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def stale_conflict(group: str, resource: str, name: str) -> ApiError:
    """The optimistic-concurrency 409 of an update carrying an old resourceVersion."""
    return conflict(group, resource, name, STALE_OBJECT)


def forbidden(group: str, resource: str, name: str, why: str) -> ApiError:
    """403 Forbidden: ``pods "x" is forbidden: <why>``."""
    return status_error(
        403,
        "Forbidden",
        f'{qualified_resource(group, resource)} "{name}" is forbidden: {why}',
        name=name,
        group=group or None,
        kind=resource,
    )


def field_cause(reason: str, field: str, message: str) -> dict[str, str]:
    """One ``details.causes`` entry (``FieldValueInvalid``, ``FieldValueRequired``...)."""
    return {"reason": reason, "message": message, "field": field}


def invalid(group: str, kind: str, name: str, causes: Sequence[Mapping[str, str]]) -> ApiError:
    """422 Invalid: ``Pod "x" is invalid: <field>: <message>[, ...]``; details.kind is the Kind."""
    errors = [f"{c['field']}: {c['message']}" for c in causes]
    summary = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return status_error(
        422,
        "Invalid",
        f'{qualified_kind(group, kind)} "{name}" is invalid: {summary}',
        name=name or None,
        group=group or None,
        kind=kind,
        causes=causes,
    )


def bad_request(message: str) -> ApiError:
    """400 BadRequest with a free-form message and no details."""
    return status_error(400, "BadRequest", message)


def expired(message: str) -> ApiError:
    """410 Expired (``too old resource version``, expired continue token)."""
    return status_error(410, "Expired", message)


def expired_continue(inconsistent_token: str | None = None) -> ApiError:
    """410 Expired for a ``continue`` token whose snapshot left the history window.

    With ``inconsistent_token`` (a token that continues after the same key in the current
    state) the Status carries it in ``metadata.continue`` and says so, as the real server does
    after an etcd compaction; without, the plain "start a new list" answer.
    """
    message = (
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter"
    )
    if inconsistent_token is None:
        return expired(message + ".")
    error = expired(
        message + ", or use the continue token in this response to retrieve the remainder of "
        "the results. Continuing with the provided token results in an inconsistent list - "
        "objects that were created, modified, or deleted between the time the first chunk was "
        "returned and now may show up in the list."
    )
    error.status_object["metadata"] = {"continue": inconsistent_token}
    return error


def too_large_resource_version(requested: int, current: int) -> ApiError:
    """504 Timeout asking the client to retry: the requested RV is ahead of the storage."""
    return status_error(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        causes=[{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        retry_after_seconds=1,
    )


def method_not_allowed(message: str) -> ApiError:
    """405 MethodNotAllowed."""
    return status_error(405, "MethodNotAllowed", message)
