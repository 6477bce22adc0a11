"""The deliberate differences of discovery and the API surface (``docs/apiserver.md``), pinned:
each scenario states the real server's behaviour and is a strict xfail on the embedded one, so
that closing a difference shows up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from kubeflow_informer.testing import ApiServer

pytestmark = pytest.mark.timeout(60)


@pytest_asyncio.fixture
async def http(apiserver: ApiServer, request: pytest.FixtureRequest
               ) -> AsyncIterator[aiohttp.ClientSession]:
    if not apiserver.is_real:
        reason = request.node.function.__doc__.strip().splitlines()[0]
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    config = apiserver.config
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
    async with aiohttp.ClientSession(
        base_url=config.server, headers=headers,
        connector=aiohttp.TCPConnector(ssl=config.ssl_context()),
    ) as session:
        yield session


async def test_events_of_both_event_groups_are_one_set(
    http: aiohttp.ClientSession, apiserver: ApiServer
) -> None:
    """events.k8s.io/v1 Events are stored apart from the core v1 Events."""
    event = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
             "metadata": {"name": "e"}, "eventTime": "2026-01-01T00:00:00.000000Z",
             "reportingController": "test/x", "reportingInstance": "x", "action": "Test",
             "reason": "Tested", "type": "Normal", "note": "hello",
             "regarding": {"kind": "Pod", "name": "p", "namespace": apiserver.namespace}}
    async with http.post(f"/apis/events.k8s.io/v1/namespaces/{apiserver.namespace}/events",
                         json=event) as response:
        assert response.status == 201
    async with http.get(f"/api/v1/namespaces/{apiserver.namespace}/events/e") as response:
        assert response.status == 200
        assert (await response.json())["message"] == "hello"


async def test_component_statuses_report_the_control_plane(http: aiohttp.ClientSession) -> None:
    """componentstatuses is an empty list: there is no control plane to probe."""
    async with http.get("/api/v1/componentstatuses") as response:
        names = {item["metadata"]["name"] for item in (await response.json())["items"]}
    assert "etcd-0" in names


async def test_bootstrap_objects_exist(http: aiohttp.ClientSession) -> None:
    """No bootstrap objects (default PriorityClasses, FlowSchemas, APIServices, RBAC roles)."""
    for path in ("/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical",
                 "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin",
                 "/apis/apiregistration.k8s.io/v1/apiservices/v1.apps"):
        async with http.get(path) as response:
            assert response.status == 200, path


async def test_discovery_is_served_in_yaml(http: aiohttp.ClientSession) -> None:
    """Discovery answers JSON only: the YAML form is not produced."""
    async with http.get("/apis", headers={"Accept": "application/yaml"}) as response:
        assert (response.status, response.headers["Content-Type"]) == (200, "application/yaml")


async def test_service_account_issuer_discovery_is_served(http: aiohttp.ClientSession) -> None:
    """The issuer discovery endpoints listed in the /openapi/v3 index are not served."""
    async with http.get("/.well-known/openid-configuration") as response:
        assert response.status == 200
