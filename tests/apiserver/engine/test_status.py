"""The Status errors the engine and the HTTP layer raise."""

from __future__ import annotations

from kubeflow_informer.apiserver.status import (
    stale_conflict,
    status_error,
    too_large_resource_version,
)
from kubeflow_informer.errors import Conflict, NotFound, ServerTimeout


def test_status_error_builds_a_real_status_object() -> None:
    err = status_error(404, "NotFound", 'pods "x" not found', name="x", kind="pods")
    assert isinstance(err, NotFound)
    assert err.status_object == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"},
        "code": 404,
    }


def test_status_error_without_details_omits_them() -> None:
    err = status_error(410, "Expired", "too old resource version: 1 (2)")
    assert "details" not in err.status_object


def test_conflict_names_the_group_qualified_resource() -> None:
    err = stale_conflict("apps", "deployments", "web")
    assert isinstance(err, Conflict)
    assert err.message.startswith('Operation cannot be fulfilled on deployments.apps "web": ')
    assert err.status_object["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


def test_too_large_resource_version_asks_to_retry() -> None:
    err = too_large_resource_version(10, 5)
    assert isinstance(err, ServerTimeout)
    assert err.retry_after == 1.0
    assert err.status_object["details"]["retryAfterSeconds"] == 1
