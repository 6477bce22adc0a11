"""Discovery documents, as kubectl and client-go read them (the real server's answers are pinned
by ``test_discovery_parity.py``; these tests state the contract on the embedded server alone)."""

from __future__ import annotations

import aiohttp
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from tests.apiserver.http.bodies import crd

pytestmark = pytest.mark.timeout(30)

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
KUBECTL_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


async def test_version_reports_kubernetes_1_36(http: aiohttp.ClientSession) -> None:
    async with http.get("/version") as response:
        body = await response.json()
    assert (body["major"], body["minor"]) == ("1", "36")
    assert (body["emulationMajor"], body["emulationMinor"]) == ("1", "36")
    assert body["gitVersion"] == "v1.36.2-kubeflow-informer"


async def test_api_lists_core_version_and_server_address(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    async with http.get("/api") as response:
        body = await response.json()
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"][0]["serverAddress"] == f"127.0.0.1:{server.port}"


async def test_apis_lists_every_builtin_group_in_the_real_order(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/apis") as response:
        body = await response.json()
    names = [group["name"] for group in body["groups"]]
    assert names[:3] == ["apiregistration.k8s.io", "apps", "events.k8s.io"]
    assert len(names) == 20
    autoscaling = next(g for g in body["groups"] if g["name"] == "autoscaling")
    assert [v["version"] for v in autoscaling["versions"]] == ["v2", "v1"]
    assert autoscaling["preferredVersion"] == {"groupVersion": "autoscaling/v2", "version": "v2"}


async def test_core_resource_list_describes_pods_and_subresources(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/api/v1") as response:
        body = await response.json()
    by_name = {r["name"]: r for r in body["resources"]}
    assert "apiVersion" not in body  # the real core list has none
    assert body["groupVersion"] == "v1"
    assert by_name["pods"]["shortNames"] == ["po"]
    assert by_name["pods"]["storageVersionHash"] == "xPOwRZ+Yhw8="
    assert by_name["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert by_name["pods/eviction"] == {"name": "pods/eviction", "singularName": "",
                                        "namespaced": True, "group": "policy", "version": "v1",
                                        "kind": "Eviction", "verbs": ["create"]}
    assert by_name["bindings"] == {"name": "bindings", "singularName": "binding",
                                   "namespaced": True, "kind": "Binding", "verbs": ["create"]}


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


async def test_unknown_group_is_the_plain_text_404(http: aiohttp.ClientSession) -> None:
    for path in ("/apis/nope.example.com", "/apis/nope.example.com/v1",
                 "/apis/nope.example.com/v1/things", "/nope"):
        async with http.get(path) as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert await response.text() == "404 page not found\n"


async def test_unknown_version_of_a_served_group_is_a_404_status(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/apis/apps/v2") as response:
        body = await response.json()
        assert response.status == 404
    assert (body["kind"], body["reason"]) == ("Status", "NotFound")


async def test_kubectl_accept_header_gets_aggregated_discovery(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/apis", headers={"Accept": KUBECTL_ACCEPT}) as response:
        assert response.headers["Content-Type"] == AGGREGATED
        assert response.headers["Vary"] == "Accept"
        body = await response.json(content_type=None)
    assert (body["kind"], body["apiVersion"]) == ("APIGroupDiscoveryList",
                                                  "apidiscovery.k8s.io/v2")
    apps = next(item for item in body["items"] if item["metadata"]["name"] == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"]
                       if r["resource"] == "deployments")
    assert deployments["responseKind"] == {"group": "", "version": "", "kind": "Deployment"}
    assert deployments["scope"] == "Namespaced"
    assert [s["subresource"] for s in deployments["subresources"]] == ["scale", "status"]
    assert apps["versions"][0]["freshness"] == "Current"


async def test_aggregated_core_group_has_no_name(http: aiohttp.ClientSession) -> None:
    async with http.get("/api", headers={"Accept": AGGREGATED}) as response:
        body = await response.json(content_type=None)
    assert len(body["items"]) == 1
    assert body["items"][0]["metadata"] == {}
    assert body["items"][0]["versions"][0]["version"] == "v1"


async def test_aggregated_discovery_answers_304_to_its_etag(http: aiohttp.ClientSession) -> None:
    async with http.get("/apis", headers={"Accept": AGGREGATED}) as response:
        etag = response.headers["ETag"]
    async with http.get("/apis", headers={"Accept": AGGREGATED, "If-None-Match": etag}) as again:
        assert again.status == 304


@pytest.mark.parametrize("accept", [
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
    "text/html",
])
async def test_unservable_accept_is_406(http: aiohttp.ClientSession, accept: str) -> None:
    async with http.get("/apis", headers={"Accept": accept}) as response:
        body = await response.json()
        assert response.status == 406
    assert body["reason"] == "NotAcceptable"
    assert body["message"].startswith("only the following media types are accepted")


async def test_group_version_documents_are_not_aggregated(http: aiohttp.ClientSession) -> None:
    async with http.get("/apis/apps/v1", headers={"Accept": AGGREGATED}) as response:
        assert response.status == 406
    async with http.get("/apis/apps/v1", headers={"Accept": KUBECTL_ACCEPT}) as response:
        assert response.headers["Content-Type"] == "application/json"


async def test_crd_is_discoverable_while_it_exists(http: aiohttp.ClientSession) -> None:
    async with http.post(CRDS, json=crd()) as response:
        assert response.status == 201
    async with http.get("/apis/kubeflow.org/v1") as response:
        body = await response.json()
    assert [r["name"] for r in body["resources"]] == ["tfjobs", "tfjobs/status"]
    assert body["resources"][0]["verbs"] == ["delete", "deletecollection", "get", "list",
                                             "patch", "create", "update", "watch"]
    assert body["resources"][0]["storageVersionHash"]
    async with http.get("/apis", headers={"Accept": AGGREGATED}) as response:
        aggregated = await response.json(content_type=None)
    item = next(i for i in aggregated["items"] if i["metadata"]["name"] == "kubeflow.org")
    tfjobs = item["versions"][0]["resources"][0]
    assert tfjobs["responseKind"] == {"group": "kubeflow.org", "version": "v1", "kind": "TFJob"}
    async with http.delete(f"{CRDS}/tfjobs.kubeflow.org") as response:
        assert response.status == 200
    async with http.get("/apis/kubeflow.org/v1") as response:
        assert response.status == 404


async def test_health_endpoints_answer_ok(http: aiohttp.ClientSession) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        async with http.get(path) as response:
            assert (response.status, await response.text()) == (200, "ok")
