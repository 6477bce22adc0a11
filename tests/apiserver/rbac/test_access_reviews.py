"""SelfSubjectReview, the access reviews and the rules review answer as kube-apiserver does:
``kubectl auth whoami`` and ``kubectl auth can-i`` (``--list`` included) rely on them."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer, eventually
from tests.apiserver.rbac.conftest import (
    RBAC_SUITE,
    account_user,
    bind_reader_to_missing_role,
    failure,
    grant,
)

pytestmark = RBAC_SUITE

AUTHZ = "/apis/authorization.k8s.io/v1"


async def _with_error(review: Awaitable[dict[str, Any]]) -> dict[str, Any] | None:
    status = await review
    return status if "evaluationError" in status else None


def _without_managed_fields(answer: dict[str, Any]) -> dict[str, Any]:
    answer["metadata"].pop("managedFields", None)
    return answer


async def _self_access(api: ApiClient, attributes: dict[str, Any]) -> dict[str, Any]:
    key = "resourceAttributes" if "resource" in attributes else "nonResourceAttributes"
    answer = await api.request("POST", f"{AUTHZ}/selfsubjectaccessreviews", json={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {key: attributes}})
    return _without_managed_fields(answer)


async def test_self_subject_review_names_the_service_account(
    apiserver: ApiServer, reader: ApiClient
) -> None:
    answer = await reader.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                  json={"apiVersion": "authentication.k8s.io/v1",
                                        "kind": "SelfSubjectReview"})
    info = answer["status"]["userInfo"]
    assert answer["kind"] == "SelfSubjectReview"
    assert set(answer["metadata"]) == {"creationTimestamp"}
    assert info["username"] == account_user(apiserver)
    assert info["groups"] == ["system:serviceaccounts",
                              f"system:serviceaccounts:{apiserver.namespace}",
                              "system:authenticated"]
    assert list(info["extra"]) == ["authentication.kubernetes.io/credential-id"]
    assert info["extra"]["authentication.kubernetes.io/credential-id"][0].startswith("JTI=")


async def test_self_subject_review_of_the_admin(apiserver_client: ApiClient) -> None:
    answer = await apiserver_client.request(
        "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", json={})
    assert answer["status"]["userInfo"]["groups"] == ["system:masters", "system:authenticated"]


async def test_allowed_review_says_which_binding_allowed_it(
    apiserver: ApiServer, apiserver_client: ApiClient, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "settings", [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"],
         "resourceNames": ["settings"]}], {"kind": "ServiceAccount", "name": "reader"})
    answer = await _self_access(reader, {"namespace": ns, "verb": "get", "resource":
                                         "configmaps", "name": "settings"})
    assert answer == {
        "kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": {"resourceAttributes": {"namespace": ns, "verb": "get", "resource": "configmaps",
                                        "name": "settings"}},
        "status": {"allowed": True, "reason": f'RBAC: allowed by RoleBinding "settings/{ns}" of '
                                              f'Role "settings" to ServiceAccount "reader/{ns}"'},
    }


async def test_denied_review_has_no_reason(apiserver: ApiServer, reader: ApiClient) -> None:
    answer = await _self_access(reader, {"namespace": apiserver.namespace, "verb": "list",
                                         "resource": "pods"})
    assert answer["status"] == {"allowed": False}


async def test_non_resource_review(reader: ApiClient) -> None:
    allowed = await _self_access(reader, {"path": "/apis/apps", "verb": "get"})
    denied = await _self_access(reader, {"path": "/metrics", "verb": "get"})
    assert allowed["status"] == {
        "allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "system:discovery" of '
                                   'ClusterRole "system:discovery" to Group '
                                   '"system:authenticated"'}
    assert denied["status"] == {"allowed": False}


async def test_the_superuser_is_allowed_without_a_reason(apiserver_client: ApiClient) -> None:
    answer = await _self_access(apiserver_client, {"verb": "delete", "resource": "nodes"})
    assert answer["status"] == {"allowed": True}


@pytest.mark.parametrize(("spec", "field", "message"), [
    ({}, "spec.resourceAttributes",
     "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be "
     "specified"),
    ({"resourceAttributes": {"verb": "get", "resource": "pods"},
      "nonResourceAttributes": {"path": "/x", "verb": "get"}}, "spec.nonResourceAttributes",
     'Invalid value: {"Path":"/x","Verb":"get"}: cannot be specified in combination with '
     "resourceAttributes"),
])
async def test_invalid_self_review(apiserver_client: ApiClient, spec: dict[str, Any], field: str,
                                   message: str) -> None:
    status = await failure(apiserver_client.request(
        "POST", f"{AUTHZ}/selfsubjectaccessreviews", json={"spec": spec}))
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'.authorization.k8s.io "" is invalid: {field}: {message}',
        "reason": "Invalid",
        "details": {"group": "authorization.k8s.io", "causes": [
            {"reason": "FieldValueInvalid", "message": message, "field": field}]},
        "code": 422,
    }


async def test_subject_access_review_asks_about_another_user(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "alice-pods",
                [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}],
                {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"})
    answer = _without_managed_fields(await apiserver_client.request(
        "POST", f"{AUTHZ}/subjectaccessreviews", json={"spec": {
            "user": "alice", "groups": ["team"],
            "resourceAttributes": {"namespace": ns, "verb": "list", "resource": "pods"}}}))
    assert answer["spec"]["user"] == "alice"
    assert answer["status"] == {"allowed": True, "reason": f'RBAC: allowed by RoleBinding '
                                f'"alice-pods/{ns}" of Role "alice-pods" to User "alice"'}


async def test_subject_access_review_needs_a_user_or_a_group(apiserver_client: ApiClient
                                                            ) -> None:
    status = await failure(apiserver_client.request(
        "POST", f"{AUTHZ}/subjectaccessreviews",
        json={"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}))
    assert status["message"] == (
        '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user '
        "or group must be specified")


async def test_local_review_must_stay_in_its_namespace(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    path = f"{AUTHZ}/namespaces/{ns}/localsubjectaccessreviews"
    answer = _without_managed_fields(await apiserver_client.request("POST", path, json={"spec": {
        "user": "bob", "resourceAttributes": {"namespace": ns, "verb": "get",
                                              "resource": "pods"}}}))
    status = await failure(apiserver_client.request("POST", path, json={"spec": {
        "user": "bob", "resourceAttributes": {"namespace": "elsewhere", "verb": "get",
                                              "resource": "pods"}}}))
    assert answer["metadata"] == {"namespace": ns}
    assert answer["status"] == {"allowed": False}
    assert status["message"] == (
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: '
        '"elsewhere": must match metadata.namespace')


async def test_only_granted_users_may_ask_about_others(
    apiserver: ApiServer, reader: ApiClient
) -> None:
    status = await failure(reader.request("POST", f"{AUTHZ}/subjectaccessreviews", json={
        "spec": {"user": "x", "resourceAttributes": {"verb": "get", "resource": "pods"}}}))
    assert status["message"] == (
        f'subjectaccessreviews.authorization.k8s.io is forbidden: User '
        f'"{account_user(apiserver)}" cannot create resource "subjectaccessreviews" in API group '
        '"authorization.k8s.io" at the cluster scope')


async def test_rules_review_lists_the_granted_rules(
    apiserver: ApiServer, apiserver_client: ApiClient, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    rule = {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "configmaps"],
            "resourceNames": ["cm1"]}
    await grant(apiserver_client, ns, "named", [rule],
                {"kind": "ServiceAccount", "name": "reader", "namespace": ns})
    answer = await reader.request("POST", f"{AUTHZ}/selfsubjectrulesreviews",
                                  json={"spec": {"namespace": ns}})
    status = answer["status"]
    assert (answer["metadata"], answer["spec"]) == ({}, {})
    assert rule in status["resourceRules"]
    assert {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"],
            "resources": ["selfsubjectreviews"]} in status["resourceRules"]
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version",
                                                  "/version/"]} in status["nonResourceRules"]
    assert status["incomplete"] is False and "evaluationError" not in status


async def test_rules_review_reports_a_missing_role(
    apiserver: ApiServer, apiserver_client: ApiClient, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    await bind_reader_to_missing_role(apiserver_client, ns)

    async def review() -> dict[str, Any]:
        answer: dict[str, Any] = await reader.request(
            "POST", f"{AUTHZ}/selfsubjectrulesreviews", json={"spec": {"namespace": ns}})
        return answer["status"]

    # The real server's authorizer sees the new binding a moment later.
    status = await eventually(lambda: _with_error(review()), what="the evaluation error")
    assert status["evaluationError"] == 'role.rbac.authorization.k8s.io "gone" not found'
    assert status["incomplete"] is False


async def test_rules_review_needs_a_namespace(reader: ApiClient) -> None:
    status = await failure(reader.request("POST", f"{AUTHZ}/selfsubjectrulesreviews",
                                          json={"spec": {}}))
    assert (status["code"], status["reason"], status["message"]) == (
        400, "BadRequest", "no namespace on request")


async def test_token_review_authenticates_a_token(
    apiserver: ApiServer, apiserver_client: ApiClient, reader_config: Any
) -> None:
    path = "/apis/authentication.k8s.io/v1/tokenreviews"
    valid = await apiserver_client.request("POST", path,
                                           json={"spec": {"token": reader_config.token}})
    invalid = await apiserver_client.request("POST", path, json={"spec": {"token": "nope"}})
    assert valid["status"]["authenticated"] is True
    assert valid["status"]["user"]["username"] == account_user(apiserver)
    assert valid["status"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"]
    assert invalid["status"] == {"user": {}, "error": "invalid bearer token"}
