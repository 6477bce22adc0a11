"""A refused request gets the real server's 403 Status, word for word: the same text on the
embedded server in RBAC mode and on kube-apiserver, for each shape of request."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.errors import Unauthorized
from kubeflow_informer.testing import ApiServer, eventually
from tests.apiserver.rbac.conftest import (
    RBAC_SUITE,
    account_user,
    bind_reader_to_missing_role,
    failure,
    forbidden_status,
    grant,
)

pytestmark = RBAC_SUITE


async def _ends_with_reason(message: Awaitable[str]) -> bool:
    return "RBAC:" in await message


async def test_namespaced_list(apiserver: ApiServer, reader: ApiClient) -> None:
    user, ns = account_user(apiserver), apiserver.namespace
    status = await failure(reader.resource("v1", "pods").list(namespace=ns))
    assert status == forbidden_status(
        f'pods is forbidden: User "{user}" cannot list resource "pods" in API group "" in the '
        f'namespace "{ns}"', kind="pods")


async def test_list_across_namespaces(apiserver: ApiServer, reader: ApiClient) -> None:
    status = await failure(reader.resource("v1", "pods").list())
    assert status == forbidden_status(
        f'pods is forbidden: User "{account_user(apiserver)}" cannot list resource "pods" in API '
        'group "" at the cluster scope', kind="pods")


async def test_cluster_scoped_get_names_the_object(apiserver: ApiServer, reader: ApiClient
                                                   ) -> None:
    status = await failure(reader.resource("v1", "nodes", namespaced=False).get("n1"))
    assert status == forbidden_status(
        f'nodes "n1" is forbidden: User "{account_user(apiserver)}" cannot get resource "nodes" '
        'in API group "" at the cluster scope', name="n1", kind="nodes")


async def test_subresource(apiserver: ApiServer, reader: ApiClient) -> None:
    ns = apiserver.namespace
    status = await failure(reader.resource("v1", "pods").logs("p1", namespace=ns))
    assert status == forbidden_status(
        f'pods "p1" is forbidden: User "{account_user(apiserver)}" cannot get resource '
        f'"pods/log" in API group "" in the namespace "{ns}"', name="p1", kind="pods")


async def test_non_resource_url(apiserver: ApiServer, reader: ApiClient) -> None:
    status = await failure(reader.request("GET", "/metrics"))
    assert status == forbidden_status(
        f'forbidden: User "{account_user(apiserver)}" cannot get path "/metrics"')


async def test_watch(apiserver: ApiServer, reader: ApiClient) -> None:
    ns = apiserver.namespace
    status = await failure(reader.request("GET", f"/api/v1/namespaces/{ns}/pods",
                                          params={"watch": "true"}))
    assert status == forbidden_status(
        f'pods is forbidden: User "{account_user(apiserver)}" cannot watch resource "pods" in '
        f'API group "" in the namespace "{ns}"', kind="pods")


async def test_a_named_group_is_qualified(apiserver: ApiServer, reader: ApiClient) -> None:
    ns = apiserver.namespace
    status = await failure(reader.resource("apps/v1", "deployments").create(
        {"metadata": {"name": "web"}}, namespace=ns))
    assert status == forbidden_status(
        f'deployments.apps is forbidden: User "{account_user(apiserver)}" cannot create resource '
        f'"deployments" in API group "apps" in the namespace "{ns}"',
        group="apps", kind="deployments")


async def test_a_resource_nobody_serves_is_refused_before_routing(
    apiserver: ApiServer, reader: ApiClient
) -> None:
    status = await failure(reader.request("GET", "/apis/foo.example/v1/bars"))
    assert status == forbidden_status(
        f'bars.foo.example is forbidden: User "{account_user(apiserver)}" cannot list resource '
        '"bars" in API group "foo.example" at the cluster scope',
        group="foo.example", kind="bars")


async def test_delete_without_a_name_is_deletecollection(
    apiserver: ApiServer, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    status = await failure(reader.resource("v1", "configmaps").delete_collection(namespace=ns))
    assert status["message"] == (
        f'configmaps is forbidden: User "{account_user(apiserver)}" cannot deletecollection '
        f'resource "configmaps" in API group "" in the namespace "{ns}"')


async def test_a_list_pinned_to_one_name_is_authorized_for_that_name(
    apiserver: ApiServer, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    status = await failure(reader.resource("v1", "configmaps").list(
        namespace=ns, field_selector="metadata.name=settings"))
    assert status == forbidden_status(
        f'configmaps "settings" is forbidden: User "{account_user(apiserver)}" cannot list '
        f'resource "configmaps" in API group "" in the namespace "{ns}"',
        name="settings", kind="configmaps")


async def test_a_binding_to_a_missing_role_is_the_reason(
    apiserver: ApiServer, apiserver_client: ApiClient, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    await bind_reader_to_missing_role(apiserver_client, ns)

    async def message() -> str:
        status = await failure(reader.resource("v1", "secrets").list(namespace=ns))
        return str(status["message"])

    # The real server's authorizer sees the new binding a moment later.
    await eventually(lambda: _ends_with_reason(message()), what="the RBAC reason")
    assert await message() == (
        f'secrets is forbidden: User "{account_user(apiserver)}" cannot list resource "secrets" '
        f'in API group "" in the namespace "{ns}": RBAC: role.rbac.authorization.k8s.io "gone" '
        'not found')


async def test_a_granted_verb_passes_and_the_next_one_does_not(
    apiserver: ApiServer, apiserver_client: ApiClient, reader: ApiClient
) -> None:
    ns = apiserver.namespace
    await grant(apiserver_client, ns, "configmap-reader",
                [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
                {"kind": "ServiceAccount", "name": "reader", "namespace": ns})
    listing = await reader.resource("v1", "configmaps").list(namespace=ns)
    assert listing["kind"] == "ConfigMapList"
    status = await failure(reader.resource("v1", "configmaps").create(
        {"metadata": {"name": "c"}}, namespace=ns))
    assert status["message"].endswith(
        f'cannot create resource "configmaps" in API group "" in the namespace "{ns}"')


async def test_anonymous_requests_are_system_anonymous(apiserver: ApiServer) -> None:
    anonymous = Config(server=apiserver.config.server, ca_data=apiserver.config.ca_data)
    async with ApiClient(anonymous) as api:
        status = await failure(api.resource("v1", "pods").list())
        version = await api.request("GET", "/version")
    assert status == forbidden_status(
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" '
        'at the cluster scope', kind="pods")
    assert "major" in version  # system:public-info-viewer lets everyone read /version


async def test_an_unknown_token_is_401_everywhere(apiserver: ApiServer) -> None:
    stranger = Config(server=apiserver.config.server, ca_data=apiserver.config.ca_data,
                      token="not-a-token")
    async with ApiClient(stranger) as api:
        with pytest.raises(Unauthorized):
            await api.request("GET", "/version")
