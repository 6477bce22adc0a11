"""Fixtures of the RBAC suite: every test runs on the embedded server in RBAC mode and on the
real one (the ``apiserver`` fixture), as a ServiceAccount of the test's namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.errors import ApiError
from kubeflow_informer.testing import ApiServer, eventually, service_account_config

RBAC_V1 = "rbac.authorization.k8s.io/v1"


#: The marks of every test module of the suite.
RBAC_SUITE = [pytest.mark.embedded_apiserver(rbac=True), pytest.mark.timeout(60)]


@pytest.fixture
async def reader_config(apiserver: ApiServer) -> Config:
    """The ServiceAccount ``reader`` of the test's namespace, with no binding of its own."""
    return await service_account_config(apiserver.config, apiserver.namespace, "reader")


@pytest.fixture
async def reader(reader_config: Config) -> AsyncIterator[ApiClient]:
    """A client acting as ``reader``."""
    async with ApiClient(reader_config) as client:
        yield client


def account_user(apiserver: ApiServer, name: str = "reader") -> str:
    return f"system:serviceaccount:{apiserver.namespace}:{name}"


async def failure(call: Awaitable[Any]) -> dict[str, Any]:
    """The Status object of the error ``call`` raises (fails when it succeeds)."""
    try:
        await call
    except ApiError as exc:
        return exc.status_object
    raise AssertionError("the call succeeded")


def forbidden_status(message: str, **details: str) -> dict[str, Any]:
    """A 403 Status as kube-apiserver sends it."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": "Forbidden", "details": details, "code": 403}


def _review_spec(subject: dict[str, str], namespace: str, rule: dict[str, Any]
                 ) -> dict[str, Any]:
    """A SubjectAccessReview spec that ``rule`` granted to ``subject`` allows."""
    kind, name = subject["kind"], subject["name"]
    if kind == "ServiceAccount":
        who: dict[str, Any] = {
            "user": f"system:serviceaccount:{subject.get('namespace') or namespace}:{name}"}
    elif kind == "Group":
        who = {"user": "someone", "groups": [name]}
    else:
        who = {"user": name}
    resource, _, subresource = rule["resources"][0].partition("/")
    attributes = {
        "namespace": namespace,
        "verb": "get" if rule["verbs"][0] == "*" else rule["verbs"][0],
        "group": "" if rule["apiGroups"][0] == "*" else rule["apiGroups"][0],
        "resource": "pods" if resource == "*" else resource,
        "subresource": subresource,
        "name": (rule.get("resourceNames") or [""])[0],
    }
    return {**who, "resourceAttributes": attributes}


async def grant(api: ApiClient, namespace: str, name: str, rules: list[dict[str, Any]],
                subject: dict[str, str], *, cluster_role: bool = False) -> None:
    """A Role (or ClusterRole) with ``rules`` bound to ``subject`` in ``namespace``, once in
    force: the real server's authorizer reads an informer cache, so a binding takes a moment to
    count there; this waits until a review of the first rule says allowed."""
    kind = "ClusterRole" if cluster_role else "Role"
    roles = api.resource(RBAC_V1, "clusterroles" if cluster_role else "roles",
                         namespaced=not cluster_role)
    body: dict[str, Any] = {"apiVersion": RBAC_V1, "kind": kind,
                            "metadata": {"name": name}, "rules": rules}
    if not cluster_role:
        body["metadata"]["namespace"] = namespace
    await roles.create(body, namespace=None if cluster_role else namespace)
    await api.resource(RBAC_V1, "rolebindings").create(
        {"apiVersion": RBAC_V1, "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
         "subjects": [subject]},
        namespace=namespace,
    )
    spec = _review_spec(subject, namespace, rules[0])

    async def in_force() -> bool:
        answer = await api.request(
            "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", json={"spec": spec})
        return bool(answer["status"]["allowed"])

    await eventually(in_force, timeout=10, what=f"the binding {namespace}/{name} to count")


async def bind_reader_to_missing_role(api: ApiClient, namespace: str) -> None:
    """A RoleBinding of ``reader`` to the Role ``gone``, which does not exist."""
    await api.resource(RBAC_V1, "rolebindings").create(
        {"metadata": {"name": "dangling"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "gone"},
         "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": namespace}]},
        namespace=namespace)
