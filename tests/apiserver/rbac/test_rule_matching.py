"""What a PolicyRule matches, asked through SubjectAccessReviews on both servers: verbs and
``*``, apiGroups, resources with ``*`` and subresources (``pods/log``, ``*/scale``),
resourceNames, nonResourceURLs with a trailing ``*``, and User / Group / ServiceAccount
subjects of Role- and ClusterRoleBindings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer, eventually
from tests.apiserver.rbac.conftest import RBAC_SUITE, RBAC_V1, grant

pytestmark = RBAC_SUITE

RULES = [
    {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
    {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update"]},
    {"apiGroups": ["batch"], "resources": ["*"], "verbs": ["watch"]},
    {"apiGroups": ["*"], "resources": ["leases"], "verbs": ["*"]},
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["one"]},
]

# (attributes, allowed) for the user "rule-tester"
CASES = [
    ({"verb": "get", "resource": "pods"}, True),
    ({"verb": "list", "resource": "pods"}, True),
    ({"verb": "watch", "resource": "pods"}, False),
    ({"verb": "get", "resource": "pods", "subresource": "log"}, True),
    ({"verb": "get", "resource": "pods", "subresource": "exec"}, False),
    ({"verb": "get", "resource": "pods", "group": "apps"}, False),
    ({"verb": "update", "resource": "deployments", "group": "apps", "subresource": "scale"}, True),
    ({"verb": "update", "resource": "deployments", "group": "apps"}, False),
    ({"verb": "watch", "resource": "jobs", "group": "batch"}, True),
    ({"verb": "watch", "resource": "jobs", "group": "batch", "subresource": "status"}, True),
    ({"verb": "deletecollection", "resource": "leases", "group": "coordination.k8s.io"}, True),
    ({"verb": "get", "resource": "leases", "group": "example.com"}, True),
    ({"verb": "get", "resource": "configmaps", "name": "one"}, True),
    ({"verb": "get", "resource": "configmaps", "name": "two"}, False),
    ({"verb": "get", "resource": "configmaps"}, False),
]


@pytest.fixture
async def cluster_role(apiserver: ApiServer, apiserver_client: ApiClient
                       ) -> AsyncIterator[str]:
    """A ClusterRole of this test (cluster-scoped objects on the real server are shared by
    every test: the name is the test's namespace's, and the role is deleted after)."""
    name = f"{apiserver.namespace}-urls"
    await apiserver_client.resource(RBAC_V1, "clusterroles", namespaced=False).create({
        "metadata": {"name": name},
        "rules": [{"nonResourceURLs": ["/healthz/*", "/metrics"], "verbs": ["get"]},
                  {"nonResourceURLs": ["/logs*"], "verbs": ["*"]}]})
    await apiserver_client.resource(RBAC_V1, "clusterrolebindings", namespaced=False).create({
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"kind": "Group", "name": "url-testers",
                      "apiGroup": "rbac.authorization.k8s.io"}]})
    first = {"user": "someone", "groups": ["url-testers"],
             "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}
    await eventually(lambda: _allowed(apiserver_client, first), what="the binding to count")
    yield name
    for plural in ("clusterrolebindings", "clusterroles"):
        await apiserver_client.resource(RBAC_V1, plural, namespaced=False).delete(name)


async def _allowed(api: ApiClient, spec: dict[str, Any]) -> bool:
    answer = await api.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                               json={"spec": spec})
    return bool(answer["status"]["allowed"])


async def test_resource_rules(apiserver: ApiServer, apiserver_client: ApiClient) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "rules", RULES,
                {"kind": "User", "name": "rule-tester", "apiGroup": "rbac.authorization.k8s.io"})
    results = [
        await _allowed(apiserver_client, {"user": "rule-tester", "resourceAttributes": {
            "namespace": ns, **attributes}})
        for attributes, _ in CASES
    ]
    assert results == [allowed for _, allowed in CASES]


async def test_a_role_binding_grants_nothing_in_another_namespace(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "rules", RULES,
                {"kind": "User", "name": "rule-tester", "apiGroup": "rbac.authorization.k8s.io"})
    elsewhere = await _allowed(apiserver_client, {"user": "rule-tester", "resourceAttributes": {
        "namespace": "default", "verb": "get", "resource": "pods"}})
    cluster_wide = await _allowed(apiserver_client, {"user": "rule-tester", "resourceAttributes": {
        "verb": "list", "resource": "pods"}})
    assert (elsewhere, cluster_wide) == (False, False)


@pytest.mark.parametrize(("subject", "user", "groups", "allowed"), [
    ({"kind": "Group", "name": "team", "apiGroup": "rbac.authorization.k8s.io"},
     "anyone", ["team"], True),
    ({"kind": "Group", "name": "team", "apiGroup": "rbac.authorization.k8s.io"},
     "anyone", ["other"], False),
    ({"kind": "ServiceAccount", "name": "robot"}, "system:serviceaccount:NS:robot", [], True),
    ({"kind": "ServiceAccount", "name": "robot", "namespace": "default"},
     "system:serviceaccount:NS:robot", [], False),
    ({"kind": "User", "name": "carol", "apiGroup": "rbac.authorization.k8s.io"},
     "carol", [], True),
])
async def test_subjects(apiserver: ApiServer, apiserver_client: ApiClient, subject: dict[str, str],
                        user: str, groups: list[str], allowed: bool) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "subject", RULES, subject)
    spec = {"user": user.replace("NS", ns), "groups": groups,
            "resourceAttributes": {"namespace": ns, "verb": "get", "resource": "pods"}}
    assert await _allowed(apiserver_client, spec) is allowed


@pytest.mark.parametrize(("path", "verb", "allowed"), [
    ("/metrics", "get", True),
    ("/metrics/x", "get", False),
    ("/healthz/etcd", "get", True),
    ("/healthz", "get", False),
    ("/logs", "post", True),
    ("/logsfoo/bar", "delete", True),
    ("/log", "get", False),
])
async def test_non_resource_urls(apiserver_client: ApiClient, cluster_role: str, path: str,
                                 verb: str, allowed: bool) -> None:
    spec = {"user": "someone", "groups": ["url-testers"],
            "nonResourceAttributes": {"path": path, "verb": verb}}
    assert await _allowed(apiserver_client, spec) is allowed
