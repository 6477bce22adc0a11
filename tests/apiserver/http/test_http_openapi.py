"""``/openapi/v2`` and ``/openapi/v3`` over HTTP: documents, caching headers, CRDs."""

from __future__ import annotations

import hashlib
from typing import Any

import aiohttp
import orjson
import pytest

from tests.apiserver.http.bodies import crd

pytestmark = pytest.mark.timeout(60)

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


async def _index(http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get("/openapi/v3") as response:
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        index: dict[str, Any] = orjson.loads(await response.read())
    return index["paths"]


async def _document(http: aiohttp.ClientSession, key: str) -> dict[str, Any]:
    url = (await _index(http))[key]["serverRelativeURL"]
    async with http.get(url) as response:
        assert response.status == 200
        document: dict[str, Any] = await response.json()
    return document


async def test_index_lists_every_builtin_document_with_its_hash(
    http: aiohttp.ClientSession,
) -> None:
    index = await _index(http)
    assert {"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "apis/autoscaling/v2",
            "apis/rbac.authorization.k8s.io/v1", "version"} <= set(index)
    assert list(index) == sorted(index)
    url = index["apis/batch/v1"]["serverRelativeURL"]
    async with http.get(url) as response:
        body = await response.read()
    assert url == f"/openapi/v3/apis/batch/v1?hash={hashlib.sha512(body).hexdigest().upper()}"


async def test_document_at_its_hash_is_immutable(http: aiohttp.ClientSession) -> None:
    url = (await _index(http))["apis/apps/v1"]["serverRelativeURL"]
    async with http.get(url) as response:
        assert response.headers["Cache-Control"] == "public, immutable"
        assert response.headers["Expires"]
        etag = response.headers["ETag"]
    async with http.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status == 304


async def test_stale_hash_redirects_to_the_current_one(http: aiohttp.ClientSession) -> None:
    url = (await _index(http))["apis/apps/v1"]["serverRelativeURL"]
    async with http.get("/openapi/v3/apis/apps/v1?hash=ABC", allow_redirects=False) as response:
        assert response.status == 301
        assert response.headers["Location"] == url
    async with http.get("/openapi/v3/apis/apps/v1") as response:
        assert response.headers["Cache-Control"] == "no-cache, private"


async def test_unknown_document_is_an_empty_404(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi/v3/apis/nope.example.com/v1") as response:
        assert (response.status, await response.read()) == (404, b"")


async def test_apps_document_describes_deployments_for_kubectl(
    http: aiohttp.ClientSession,
) -> None:
    document = await _document(http, "apis/apps/v1")
    item = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert item["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "fieldValidation" in {p["name"] for p in item["patch"]["parameters"]}
    spec = document["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"]
    assert spec["required"] == ["selector", "template"]
    assert spec["properties"]["replicas"]["description"].startswith("Number of desired pods")


async def test_crd_gets_a_document_while_it_is_served(http: aiohttp.ClientSession) -> None:
    async with http.post(CRDS, json=crd()) as response:
        assert response.status == 201
    document = await _document(http, "apis/kubeflow.org/v1")
    assert sorted(document["paths"]) == [
        "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs",
        "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}",
        "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/status",
        "/apis/kubeflow.org/v1/tfjobs",
    ]
    get = document["paths"]["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}"]["get"]
    assert get["operationId"] == "readKubeflowOrgV1NamespacedTFJob"
    assert get["tags"] == ["kubeflowOrg_v1"]
    schema = document["components"]["schemas"]["org.kubeflow.v1.TFJob"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "kubeflow.org", "kind": "TFJob", "version": "v1"}]
    assert "io.k8s.api.autoscaling.v1.Scale" not in document["components"]["schemas"]
    async with http.delete(f"{CRDS}/tfjobs.kubeflow.org") as response:
        assert response.status == 200
    assert "apis/kubeflow.org/v1" not in await _index(http)


async def test_crd_document_hash_changes_with_the_crd(http: aiohttp.ClientSession) -> None:
    async with http.post(CRDS, json=crd()) as response:
        created = await response.json()
    before = (await _index(http))["apis/kubeflow.org/v1"]["serverRelativeURL"]
    created["spec"]["versions"][0]["subresources"] = {}
    async with http.put(f"{CRDS}/tfjobs.kubeflow.org", json=created) as response:
        assert response.status == 200
    after = (await _index(http))["apis/kubeflow.org/v1"]["serverRelativeURL"]
    assert before != after
    document = await _document(http, "apis/kubeflow.org/v1")
    assert not any(path.endswith("/status") for path in document["paths"])


async def test_v2_json_includes_builtin_and_crd_definitions(http: aiohttp.ClientSession) -> None:
    async with http.post(CRDS, json=crd()) as response:
        assert response.status == 201
    async with http.get("/openapi/v2") as response:
        assert response.headers["Content-Type"] == "application/json"
        document = await response.json()
    assert document["swagger"] == "2.0"
    assert "io.k8s.api.rbac.v1.ClusterRole" in document["definitions"]
    assert document["definitions"]["org.kubeflow.v1.TFJob"] == {
        "type": "object",
        "x-kubernetes-group-version-kind": [
            {"group": "kubeflow.org", "kind": "TFJob", "version": "v1"}],
    }
    assert "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}" in document["paths"]


async def test_v2_protobuf_is_served_to_client_go(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi/v2", headers={"Accept": PROTOBUF}) as response:
        assert response.headers["Content-Type"] == (
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        body = await response.read()
    assert body.startswith(b"\n\x032.0\x12")  # Document.swagger = "2.0", then Document.info
    async with http.get("/openapi/v2", headers={"Accept": "text/html"}) as response:
        assert response.status == 406
