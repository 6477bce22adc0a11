"""Nobody grants what they do not hold: RBAC writes by a user who may write Roles and bindings
are refused, word for word as on kube-apiserver, when they would grant more than the user has,
unless the user may ``escalate`` (roles) or ``bind`` (bindings)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import NotFound
from kubeflow_informer.testing import ApiServer, eventually, service_account_config
from tests.apiserver.rbac.conftest import RBAC_SUITE, RBAC_V1, failure, grant

pytestmark = RBAC_SUITE

ROLE_REF = {"apiGroup": "rbac.authorization.k8s.io"}


@pytest.fixture
async def writer(apiserver: ApiServer, apiserver_client: ApiClient) -> AsyncIterator[ApiClient]:
    """The ServiceAccount ``writer``: it may create, update and get Roles and RoleBindings in
    the namespace, and get and list Pods there; nothing else."""
    ns = apiserver.namespace
    subject = {"kind": "ServiceAccount", "name": "writer", "namespace": ns}
    await grant(apiserver_client, ns, "pods-reader",
                [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}], subject)
    await grant(apiserver_client, ns, "rbac-writer", [
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
         "verbs": ["create", "update", "get"]}], subject)
    config = await service_account_config(apiserver.config, ns, "writer")
    async with ApiClient(config) as client:
        yield client


def _not_held(apiserver: ApiServer, what: str, name: str, *lines: str) -> str:
    ns = apiserver.namespace
    return (f'{what}.rbac.authorization.k8s.io "{name}" is forbidden: user '
            f'"system:serviceaccount:{ns}:writer" (groups=["system:serviceaccounts" '
            f'"system:serviceaccounts:{ns}" "system:authenticated"]) is attempting to grant RBAC '
            "permissions not currently held:\n" + "\n".join(lines))


async def _create_role(api: ApiClient, ns: str, name: str, rules: list[dict[str, Any]]) -> Any:
    return await api.resource(RBAC_V1, "roles").create(
        {"metadata": {"name": name}, "rules": rules}, namespace=ns)


async def _bind(api: ApiClient, ns: str, name: str, kind: str, role: str) -> Any:
    return await api.resource(RBAC_V1, "rolebindings").create(
        {"metadata": {"name": name}, "roleRef": {**ROLE_REF, "kind": kind, "name": role},
         "subjects": [{"kind": "User", "name": "someone"}]}, namespace=ns)


async def test_a_role_granting_more_is_refused_listing_what_is_missing(
    apiserver: ApiServer, writer: ApiClient
) -> None:
    status = await failure(_create_role(writer, apiserver.namespace, "wider", [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "delete"]},
        {"apiGroups": ["apps", ""], "resources": ["deployments", "deployments/scale"],
         "verbs": ["get"], "resourceNames": ["a", "b"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
    ]))
    assert status["code"] == 403
    assert status["details"] == {"name": "wider", "group": "rbac.authorization.k8s.io",
                                 "kind": "roles"}
    assert status["message"] == _not_held(
        apiserver, "roles", "wider",
        '{APIGroups:[""], Resources:["deployments"], ResourceNames:["a"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["deployments"], ResourceNames:["b"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["deployments/scale"], ResourceNames:["a"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["deployments/scale"], ResourceNames:["b"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["pods"], Verbs:["watch" "delete"]}',
        '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["a"], Verbs:["get"]}',
        '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["b"], Verbs:["get"]}',
        '{APIGroups:["apps"], Resources:["deployments/scale"], ResourceNames:["a"], '
        'Verbs:["get"]}',
        '{APIGroups:["apps"], Resources:["deployments/scale"], ResourceNames:["b"], '
        'Verbs:["get"]}',
    )


async def test_a_role_within_what_the_user_holds_is_created(
    apiserver: ApiServer, writer: ApiClient
) -> None:
    role = await _create_role(writer, apiserver.namespace, "narrower", [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])
    assert role["metadata"]["name"] == "narrower"


async def test_an_update_adding_a_verb_is_refused(apiserver: ApiServer, writer: ApiClient
                                                  ) -> None:
    ns = apiserver.namespace
    role = await _create_role(writer, ns, "narrower", [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])
    role["rules"][0]["verbs"].append("create")
    status = await failure(writer.resource(RBAC_V1, "roles").replace(role, namespace=ns))
    assert status["message"] == _not_held(
        apiserver, "roles", "narrower", '{APIGroups:[""], Resources:["pods"], Verbs:["create"]}')


async def test_binding_a_wider_role_is_refused(apiserver: ApiServer, writer: ApiClient) -> None:
    status = await failure(_bind(writer, apiserver.namespace, "viewers", "ClusterRole", "view"))
    lines = status["message"].split("\n")
    assert lines[0] + "\n" == _not_held(apiserver, "rolebindings", "viewers")
    assert '{APIGroups:[""], Resources:["pods"], Verbs:["watch"]}' in lines
    assert '{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list" "watch"]}' in lines
    assert lines[1:] == sorted(lines[1:])
    assert len(lines) == 1 + 60


async def test_binding_a_role_the_user_holds_is_created(apiserver: ApiServer, writer: ApiClient
                                                        ) -> None:
    binding = await _bind(writer, apiserver.namespace, "readers", "Role", "pods-reader")
    assert binding["roleRef"]["name"] == "pods-reader"


async def test_binding_a_missing_role_is_404(apiserver: ApiServer, writer: ApiClient) -> None:
    status = await failure(_bind(writer, apiserver.namespace, "dangling", "Role", "nosuch"))
    assert (status["code"], status["message"], status["details"]) == (
        404, 'rolebindings.rbac.authorization.k8s.io "nosuch" not found',
        {"name": "nosuch", "group": "rbac.authorization.k8s.io", "kind": "rolebindings"})


async def test_bind_and_escalate_waive_the_check(
    apiserver: ApiServer, apiserver_client: ApiClient, writer: ApiClient
) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "waivers", [
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
         "verbs": ["bind"], "resourceNames": ["view"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
         "verbs": ["escalate"]},
    ], {"kind": "ServiceAccount", "name": "writer", "namespace": ns})
    binding = await _bind(writer, ns, "viewers", "ClusterRole", "view")
    role = await _create_role(writer, ns, "wider", [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    assert (binding["metadata"]["name"], role["metadata"]["name"]) == ("viewers", "wider")


async def test_role_ref_cannot_change(apiserver: ApiServer, apiserver_client: ApiClient) -> None:
    ns = apiserver.namespace
    binding = await _bind(apiserver_client, ns, "viewers", "ClusterRole", "view")
    binding["roleRef"]["name"] = "edit"
    status = await failure(apiserver_client.resource(RBAC_V1, "rolebindings").replace(
        binding, namespace=ns))
    message = ('Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole",'
               '"Name":"edit"}: cannot change roleRef')
    assert status["code"] == 422
    assert status["message"] == (
        f'RoleBinding.rbac.authorization.k8s.io "viewers" is invalid: roleRef: {message}')
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": message, "field": "roleRef"}]


@pytest.fixture
async def cluster_writer(apiserver: ApiServer, apiserver_client: ApiClient,
                         writer: ApiClient) -> AsyncIterator[ApiClient]:
    """``writer``, also allowed to create ClusterRoles (cluster-scoped objects of this test are
    named after its namespace and deleted after it: the real server is shared)."""
    name = f"{apiserver.namespace}-clusterrole-writer"
    cluster = {"namespaced": False}
    await apiserver_client.resource(RBAC_V1, "clusterroles", **cluster).create({
        "metadata": {"name": name}, "rules": [{"apiGroups": ["rbac.authorization.k8s.io"],
                                               "resources": ["clusterroles"],
                                               "verbs": ["create"]}]})
    await apiserver_client.resource(RBAC_V1, "clusterrolebindings", **cluster).create({
        "metadata": {"name": name}, "roleRef": {**ROLE_REF, "kind": "ClusterRole", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": "writer",
                      "namespace": apiserver.namespace}]})
    created = [f"{apiserver.namespace}-urls", f"{apiserver.namespace}-aggregated"]
    try:
        yield writer
    finally:
        for plural, names in (("clusterrolebindings", [name]),
                              ("clusterroles", [name, *created])):
            for each in names:
                try:
                    await apiserver_client.resource(RBAC_V1, plural, **cluster).delete(each)
                except NotFound:
                    pass


async def _create_cluster_role(api: ApiClient, body: dict[str, Any]) -> Any:
    roles = api.resource(RBAC_V1, "clusterroles", namespaced=False)

    async def attempt() -> dict[str, Any]:
        return await failure(roles.create(body))

    # The real server's authorizer sees the new ClusterRoleBinding a moment later.
    return await eventually(lambda: _unless_not_allowed_to_create(attempt()),
                            what="the ClusterRole writer's binding to count")


async def _unless_not_allowed_to_create(attempt: Any) -> dict[str, Any] | None:
    status: dict[str, Any] = await attempt
    return None if 'cannot create resource "clusterroles"' in status["message"] else status


async def test_a_cluster_role_with_urls_needs_them(apiserver: ApiServer,
                                                   cluster_writer: ApiClient) -> None:
    name = f"{apiserver.namespace}-urls"
    status = await _create_cluster_role(cluster_writer, {"metadata": {"name": name}, "rules": [
        {"nonResourceURLs": ["/metrics", "/x/*"], "verbs": ["get"]},
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}]})
    assert status["message"] == _not_held(
        apiserver, "clusterroles", name,
        '{APIGroups:["*"], Resources:["*"], Verbs:["get"]}',
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
        '{NonResourceURLs:["/x/*"], Verbs:["get"]}')


async def test_an_aggregation_rule_needs_full_authority(apiserver: ApiServer,
                                                        cluster_writer: ApiClient) -> None:
    name = f"{apiserver.namespace}-aggregated"
    status = await _create_cluster_role(cluster_writer, {
        "metadata": {"name": name},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"team": "a"}}]}})
    assert status["message"] == (
        f'clusterroles.rbac.authorization.k8s.io "{name}" is forbidden: must have cluster-admin '
        "privileges to use the aggregationRule")
