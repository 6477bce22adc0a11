"""Discovery documents, as kubectl and client-go read them."""

from __future__ import annotations

import aiohttp
import pytest

from tests.apiserver.http.bodies import crd

pytestmark = pytest.mark.timeout(30)


async def test_version_reports_kubernetes_1_32(http: aiohttp.ClientSession) -> None:
    async with http.get("/version") as response:
        body = await response.json()
    assert (body["major"], body["minor"]) == ("1", "32")
    assert body["gitVersion"] == "v1.32.0-kubeflow-informer"


async def test_api_lists_core_version_and_server_address(
    http: aiohttp.ClientSession, server
) -> None:
    async with http.get("/api") as response:
        body = await response.json()
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"][0]["serverAddress"] == f"127.0.0.1:{server.port}"


async def test_apis_lists_every_builtin_group(http: aiohttp.ClientSession) -> None:
    async with http.get("/apis") as response:
        body = await response.json()
    names = {group["name"] for group in body["groups"]}
    assert {"apps", "batch", "coordination.k8s.io", "apiextensions.k8s.io"} <= names
    apps = next(g for g in body["groups"] if g["name"] == "apps")
    assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}


async def test_core_resource_list_describes_pods_and_subresources(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/api/v1") as response:
        body = await response.json()
    by_name = {r["name"]: r for r in body["resources"]}
    assert body["groupVersion"] == "v1"
    assert by_name["pods"]["namespaced"] is True
    assert by_name["pods"]["shortNames"] == ["po"]
    assert "watch" in by_name["pods"]["verbs"]
    assert by_name["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert by_name["pods/log"]["verbs"] == ["get"]
    assert by_name["nodes"]["namespaced"] is False


async def test_scale_subresource_is_advertised_as_autoscaling_scale(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/apis/apps/v1") as response:
        body = await response.json()
    scale = next(r for r in body["resources"] if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")


async def test_group_document_names_its_versions(http: aiohttp.ClientSession) -> None:
    async with http.get("/apis/batch") as response:
        body = await response.json()
    assert body["kind"] == "APIGroup"
    assert body["versions"] == [{"groupVersion": "batch/v1", "version": "v1"}]


async def test_unknown_group_is_a_404_status(http: aiohttp.ClientSession) -> None:
    async with http.get("/apis/nope.example.com/v1") as response:
        body = await response.json()
        assert response.status == 404
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotFound", 404)


async def test_aggregated_discovery_request_gets_legacy_json(http: aiohttp.ClientSession) -> None:
    accept = (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
        "application/json"
    )
    async with http.get("/apis", headers={"Accept": accept}) as response:
        assert response.headers["Content-Type"] == "application/json"
        body = await response.json()
    assert body["kind"] == "APIGroupList"


async def test_crd_is_discoverable_while_it_exists(http: aiohttp.ClientSession) -> None:
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    async with http.post(crds, json=crd()) as response:
        assert response.status == 201
    async with http.get("/apis/kubeflow.org/v1") as response:
        body = await response.json()
    assert [r["name"] for r in body["resources"]] == ["tfjobs", "tfjobs/status"]
    async with http.delete(f"{crds}/tfjobs.kubeflow.org") as response:
        assert response.status == 200
    async with http.get("/apis/kubeflow.org/v1") as response:
        assert response.status == 404


async def test_openapi_v3_declares_field_validation_on_patch(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi/v3") as response:
        index = await response.json()
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    async with http.get(url) as response:
        document = await response.json()
    item = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert item["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "fieldValidation" in {p["name"] for p in item["patch"]["parameters"]}


async def test_health_endpoints_answer_ok(http: aiohttp.ClientSession) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        async with http.get(path) as response:
            assert (response.status, await response.text()) == (200, "ok")
