"""RBAC objects are defaulted and validated as kube-apiserver does: the same 422 causes, in the
same order and words, on both servers."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from tests.apiserver.rbac.conftest import RBAC_SUITE, RBAC_V1, failure

pytestmark = RBAC_SUITE

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(("rules", "causes"), [
    ([{"apiGroups": [""], "verbs": ["get"]}], [
        ("FieldValueRequired", "rules[0].resources",
         "Required value: resource rules must supply at least one resource")]),
    ([{"verbs": ["get"]}], [
        ("FieldValueRequired", "rules[0].apiGroups",
         "Required value: resource rules must supply at least one api group"),
        ("FieldValueRequired", "rules[0].resources",
         "Required value: resource rules must supply at least one resource")]),
    ([{"verbs": [], "apiGroups": [""], "resources": ["pods"]},
      {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "nonResourceURLs": ["/a"]}], [
        ("FieldValueRequired", "rules[0].verbs",
         "Required value: verbs must contain at least one value"),
        ("FieldValueInvalid", "rules[1].nonResourceURLs",
         'Invalid value: ["/a"]: namespaced rules cannot apply to non-resource URLs'),
        ("FieldValueInvalid", "rules[1].nonResourceURLs",
         'Invalid value: ["/a"]: rules cannot apply to both regular resources and non-resource '
         "URLs")]),
])
async def test_role_rules(apiserver: ApiServer, apiserver_client: ApiClient,
                          rules: list[dict[str, Any]], causes: list[tuple[str, str, str]]
                          ) -> None:
    status = await failure(apiserver_client.resource(RBAC_V1, "roles").create(
        {"metadata": {"name": "bad"}, "rules": rules}, namespace=apiserver.namespace))
    assert status["code"] == 422
    assert [(c["reason"], c["field"], c["message"]) for c in status["details"]["causes"]] == causes
    summary = [f"{field}: {message}" for _, field, message in causes]
    joined = summary[0] if len(summary) == 1 else "[" + ", ".join(summary) + "]"
    assert status["message"] == f'Role.rbac.authorization.k8s.io "bad" is invalid: {joined}'


async def test_binding_subjects_and_role_ref(apiserver: ApiServer, apiserver_client: ApiClient
                                             ) -> None:
    status = await failure(apiserver_client.resource(RBAC_V1, "rolebindings").create({
        "metadata": {"name": "bad"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Foo", "name": ""},
        "subjects": [{"kind": "Bot", "name": "x"},
                     {"kind": "ServiceAccount", "name": "y",
                      "apiGroup": "rbac.authorization.k8s.io"},
                     {"kind": "User"},
                     {"kind": "ServiceAccount", "name": "b:c"}]}, namespace=apiserver.namespace))
    assert [(c["reason"], c["field"], c["message"]) for c in status["details"]["causes"]] == [
        ("FieldValueNotSupported", "roleRef.kind",
         'Unsupported value: "Foo": supported values: "Role", "ClusterRole"'),
        ("FieldValueRequired", "roleRef.name", "Required value"),
        ("FieldValueNotSupported", "subjects[0].kind",
         'Unsupported value: "Bot": supported values: "ServiceAccount", "User", "Group"'),
        ("FieldValueNotSupported", "subjects[1].apiGroup",
         'Unsupported value: "rbac.authorization.k8s.io": supported values: ""'),
        ("FieldValueRequired", "subjects[2].name", "Required value"),
        ("FieldValueInvalid", "subjects[3].name", f'Invalid value: "b:c": {SUBDOMAIN}'),
    ]


async def test_cluster_role_binding_rules(apiserver_client: ApiClient) -> None:
    bindings = apiserver_client.resource(RBAC_V1, "clusterrolebindings", namespaced=False)
    to_a_role = await failure(bindings.create({"metadata": {"name": "bad"}, "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "x"}}))
    other_group = await failure(bindings.create({"metadata": {"name": "bad"}, "roleRef": {
        "apiGroup": "foo", "kind": "ClusterRole", "name": "x"}}))
    no_namespace = await failure(bindings.create({"metadata": {"name": "bad"}, "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "x"},
        "subjects": [{"kind": "ServiceAccount", "name": "a"}]}))
    assert to_a_role["message"] == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: roleRef.kind: Unsupported '
        'value: "Role": supported values: "ClusterRole"')
    assert other_group["message"] == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: roleRef.apiGroup: '
        'Unsupported value: "foo": supported values: "rbac.authorization.k8s.io"')
    assert no_namespace["message"] == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: subjects[0].namespace: '
        "Required value")


async def test_binding_defaults(apiserver: ApiServer, apiserver_client: ApiClient) -> None:
    binding = await apiserver_client.resource(RBAC_V1, "rolebindings").create({
        "metadata": {"name": "defaults"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "u"}, {"kind": "Group", "name": "g"},
                     {"kind": "ServiceAccount", "name": "sa"}]}, namespace=apiserver.namespace)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "view"}
    assert binding["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "u"},
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "g"},
        {"kind": "ServiceAccount", "name": "sa"}]
