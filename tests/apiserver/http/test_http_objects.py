"""Single-object verbs over HTTP: status codes, Status bodies, body checks, subresources."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.apiserver.http.bodies import DEPLOYMENTS, PODS, crd, deployment, pod

pytestmark = pytest.mark.timeout(30)


async def test_create_answers_201_with_the_stored_object(http: aiohttp.ClientSession) -> None:
    async with http.post(PODS, json=pod("a")) as response:
        body = await response.json()
        assert response.status == 201
    assert body["metadata"]["namespace"] == "default"
    assert body["metadata"]["uid"]
    assert body["metadata"]["resourceVersion"]


async def test_get_of_a_missing_object_is_a_404_not_found_status(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get(f"{PODS}/missing") as response:
        body = await response.json()
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json"
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "missing" not found',
        "reason": "NotFound",
        "details": {"name": "missing", "kind": "pods"},
        "code": 404,
    }


async def test_create_of_an_existing_name_is_409_already_exists(
    http: aiohttp.ClientSession,
) -> None:
    await http.post(PODS, json=pod("a"))
    async with http.post(PODS, json=pod("a")) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (409, "AlreadyExists")


async def test_update_with_a_stale_resource_version_is_409_conflict(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post(PODS, json=pod("a")) as response:
        created = await response.json()
    fresh = dict(created, metadata={**created["metadata"], "labels": {"x": "1"}})
    async with http.put(f"{PODS}/a", json=fresh) as response:
        assert response.status == 200
    stale = dict(created, metadata={**created["metadata"], "labels": {"x": "2"}})
    async with http.put(f"{PODS}/a", json=stale) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (409, "Conflict")


async def test_body_namespace_different_from_the_url_is_400(http: aiohttp.ClientSession) -> None:
    body = pod("a")
    body["metadata"]["namespace"] = "other"
    async with http.post(PODS, json=body) as response:
        status = await response.json()
    assert (response.status, status["reason"]) == (400, "BadRequest")


async def test_body_name_different_from_the_url_is_400(http: aiohttp.ClientSession) -> None:
    await http.post(PODS, json=pod("a"))
    async with http.put(f"{PODS}/a", json=pod("b")) as response:
        assert response.status == 400


async def test_dry_run_create_stores_nothing(http: aiohttp.ClientSession) -> None:
    async with http.post(PODS, json=pod("a"), params={"dryRun": "All"}) as response:
        assert response.status == 201
    async with http.get(f"{PODS}/a") as response:
        assert response.status == 404


async def test_unknown_dry_run_value_is_400(http: aiohttp.ClientSession) -> None:
    async with http.post(PODS, json=pod("a"), params={"dryRun": "Yes"}) as response:
        assert response.status == 400


async def test_post_to_an_object_path_is_405(http: aiohttp.ClientSession) -> None:
    async with http.post(f"{PODS}/a", json=pod("a")) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (405, "MethodNotAllowed")


async def test_delete_answers_200_with_the_deleted_object(http: aiohttp.ClientSession) -> None:
    await http.post(PODS, json=pod("a"))
    async with http.delete(f"{PODS}/a") as response:
        body = await response.json()
        assert response.status == 200
    assert body["metadata"]["name"] == "a"
    async with http.get(f"{PODS}/a") as response:
        assert response.status == 404


async def test_delete_options_body_preconditions_are_honoured(http: aiohttp.ClientSession) -> None:
    await http.post(PODS, json=pod("a"))
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "wrong"}}
    async with http.delete(f"{PODS}/a", json=options) as response:
        assert response.status == 409


async def test_delete_with_finalizer_only_marks_the_object(http: aiohttp.ClientSession) -> None:
    body = pod("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await http.post(PODS, json=body)
    async with http.delete(f"{PODS}/a") as response:
        marked = await response.json()
        assert response.status == 200
    assert marked["metadata"]["deletionTimestamp"]
    async with http.get(f"{PODS}/a") as response:
        assert response.status == 200


async def test_status_put_changes_only_the_status(http: aiohttp.ClientSession) -> None:
    async with http.post(DEPLOYMENTS, json=deployment("web", 2)) as response:
        created = await response.json()
    update = dict(created, status={"replicas": 2}, spec={**created["spec"], "replicas": 9})
    async with http.put(f"{DEPLOYMENTS}/web/status", json=update) as response:
        body = await response.json()
        assert response.status == 200
    assert body["status"]["replicas"] == 2
    assert body["spec"]["replicas"] == 2


async def test_scale_subresource_reads_and_writes_replicas(http: aiohttp.ClientSession) -> None:
    await http.post(DEPLOYMENTS, json=deployment("web", 2))
    async with http.get(f"{DEPLOYMENTS}/web/scale") as response:
        scale = await response.json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 5
    async with http.put(f"{DEPLOYMENTS}/web/scale", json=scale) as response:
        assert (await response.json())["spec"]["replicas"] == 5
    async with http.get(f"{DEPLOYMENTS}/web") as response:
        assert (await response.json())["spec"]["replicas"] == 5


async def test_custom_resource_crud_after_crd_creation(http: aiohttp.ClientSession) -> None:
    await http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd())
    path = "/apis/kubeflow.org/v1/namespaces/default/tfjobs"
    job = {"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "metadata": {"name": "mnist"},
           "spec": {"replicas": 1}}
    async with http.post(path, json=job) as response:
        assert response.status == 201
    async with http.get(f"{path}/mnist") as response:
        assert (await response.json())["spec"] == {"replicas": 1}


_TFJOBS = "/apis/kubeflow.org/v1/namespaces/default/tfjobs"
_CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


async def _tfjob(http: aiohttp.ClientSession) -> dict[str, Any]:
    await http.post(_CRDS, json=crd())
    job = {"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "metadata": {"name": "mnist"},
           "spec": {"replicas": 1}}
    async with http.post(_TFJOBS, json=job) as response:
        created: dict[str, Any] = await response.json()
    return created


@pytest.mark.parametrize("suffix", ["", "/status"])
async def test_custom_resource_put_without_resource_version_is_invalid(
    http: aiohttp.ClientSession, suffix: str
) -> None:
    created = await _tfjob(http)
    del created["metadata"]["resourceVersion"]
    async with http.put(f"{_TFJOBS}/mnist{suffix}", json=created) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (422, "Invalid")
    assert body["message"] == (
        'tfjobs.kubeflow.org "mnist" is invalid: metadata.resourceVersion: Invalid value: 0x0: '
        "must be specified for an update"
    )
    assert body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "metadata.resourceVersion",
        "message": "Invalid value: 0x0: must be specified for an update"}]


async def test_custom_resource_put_with_its_resource_version_succeeds(
    http: aiohttp.ClientSession,
) -> None:
    created = await _tfjob(http)
    created["spec"]["replicas"] = 3
    async with http.put(f"{_TFJOBS}/mnist", json=created) as response:
        assert (response.status, (await response.json())["spec"]) == (200, {"replicas": 3})


async def test_crd_put_without_resource_version_is_invalid(http: aiohttp.ClientSession) -> None:
    async with http.post(_CRDS, json=crd()) as response:
        created = await response.json()
    del created["metadata"]["resourceVersion"]
    async with http.put(f"{_CRDS}/tfjobs.kubeflow.org", json=created) as response:
        assert response.status == 422


async def test_builtin_put_without_resource_version_updates_unconditionally(
    http: aiohttp.ClientSession,
) -> None:
    await http.post(DEPLOYMENTS, json=deployment("web", 1))
    body = deployment("web", 4)
    async with http.put(f"{DEPLOYMENTS}/web", json=body) as response:
        assert (response.status, (await response.json())["spec"]["replicas"]) == (200, 4)


@pytest.mark.parametrize("kind", ["replicasets", "statefulsets"])
async def test_scale_subresource_of_replicasets_and_statefulsets(
    http: aiohttp.ClientSession, kind: str
) -> None:
    body = deployment("web", 2)
    body["kind"] = {"replicasets": "ReplicaSet", "statefulsets": "StatefulSet"}[kind]
    path = f"/apis/apps/v1/namespaces/default/{kind}"
    async with http.post(path, json=body) as response:
        assert response.status == 201
    async with http.get(f"{path}/web/scale") as response:
        scale = await response.json()
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 2)
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 6
    async with http.put(f"{path}/web/scale", json=scale) as response:
        assert response.status == 200
    async with http.get(f"{path}/web") as response:
        assert (await response.json())["spec"]["replicas"] == 6


async def test_daemonsets_have_no_scale_subresource(http: aiohttp.ClientSession) -> None:
    body = deployment("web")
    body["kind"] = "DaemonSet"
    del body["spec"]["replicas"]
    path = "/apis/apps/v1/namespaces/default/daemonsets"
    async with http.post(path, json=body) as response:
        assert response.status == 201
    async with http.get(f"{path}/web/scale") as response:
        assert response.status == 404


async def test_cluster_scoped_path_for_a_namespaced_get_is_404(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/api/v1/pods/a") as response:
        assert response.status == 404


async def test_auth_off_serves_without_credentials(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/namespaces") as response:
        assert response.status == 200


async def test_delete_of_a_deployment_answers_a_success_status(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post(DEPLOYMENTS, json=deployment("web")) as response:
        uid = (await response.json())["metadata"]["uid"]
    async with http.delete(f"{DEPLOYMENTS}/web") as response:
        body = await response.json()
        assert response.status == 200
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "web", "group": "apps", "kind": "deployments", "uid": uid},
    }


async def test_namespace_finalize_changes_only_spec_finalizers(
    http: aiohttp.ClientSession,
) -> None:
    await http.post("/api/v1/namespaces", json={"metadata": {"name": "team"}})
    body = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "team", "labels": {"ignored": "yes"}},
            "spec": {"finalizers": []}}
    async with http.put("/api/v1/namespaces/team/finalize", json=body) as response:
        result = await response.json()
        assert response.status == 200
    assert result["spec"]["finalizers"] == []
    assert "ignored" not in (result["metadata"].get("labels") or {})
