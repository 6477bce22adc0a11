"""Single-object verbs over HTTP: status codes, Status bodies, body checks, subresources.

Tests taking ``wire`` run on the embedded and on the real server; those taking ``http`` test
what only the embedded server has.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.apiserver.http.bodies import deployment, pod
from tests.apiserver.http.conftest import Paths
from tests.custom_resources import CRDS, CrdFactory, CustomResources

pytestmark = pytest.mark.timeout(30)


async def test_create_answers_201_with_the_stored_object(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    async with wire.post(ns.pods, json=pod("a")) as response:
        body = await response.json()
        assert response.status == 201
    assert body["metadata"]["namespace"] == ns.namespace
    assert body["metadata"]["uid"]
    assert body["metadata"]["resourceVersion"]


async def test_get_of_a_missing_object_is_a_404_not_found_status(
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    async with wire.get(f"{ns.pods}/missing") as response:
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
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    async with wire.post(ns.pods, json=pod("a")) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (409, "AlreadyExists")


async def test_update_with_a_stale_resource_version_is_409_conflict(
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    async with wire.post(ns.pods, json=pod("a")) as response:
        created = await response.json()
    fresh = dict(created, metadata={**created["metadata"], "labels": {"x": "1"}})
    async with wire.put(f"{ns.pods}/a", json=fresh) as response:
        assert response.status == 200
    stale = dict(created, metadata={**created["metadata"], "labels": {"x": "2"}})
    async with wire.put(f"{ns.pods}/a", json=stale) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (409, "Conflict")


async def test_body_namespace_different_from_the_url_is_400(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    body = pod("a")
    body["metadata"]["namespace"] = "other"
    async with wire.post(ns.pods, json=body) as response:
        status = await response.json()
    assert (response.status, status["reason"]) == (400, "BadRequest")


async def test_body_name_different_from_the_url_is_400(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    async with wire.put(f"{ns.pods}/a", json=pod("b")) as response:
        assert response.status == 400


async def test_dry_run_create_stores_nothing(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.post(ns.pods, json=pod("a"), params={"dryRun": "All"}) as response:
        assert response.status == 201
    async with wire.get(f"{ns.pods}/a") as response:
        assert response.status == 404


@pytest.mark.parametrize(("method", "suffix", "kind"), [
    ("POST", "", "CreateOptions"), ("PUT", "/a", "UpdateOptions"),
    ("PATCH", "/a", "PatchOptions"), ("DELETE", "/a", "DeleteOptions"),
])
async def test_unknown_dry_run_value_is_422_on_the_verb_s_options(
    wire: aiohttp.ClientSession, ns: Paths, method: str, suffix: str, kind: str
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    headers = {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else {}
    body = None if method == "DELETE" else pod("a")  # a DELETE body is DeleteOptions
    async with wire.request(method, f"{ns.pods}{suffix}", json=body, headers=headers,
                            params=[("dryRun", "Yes"), ("dryRun", "All")]) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (422, "Invalid")
    message = 'Unsupported value: ["Yes","All"]: supported values: "All"'
    assert body["message"] == f'{kind}.meta.k8s.io "" is invalid: dryRun: {message}'
    assert body["details"] == {"group": "meta.k8s.io", "kind": kind, "causes": [
        {"reason": "FieldValueNotSupported", "message": message, "field": "dryRun"}]}


async def test_post_to_an_object_path_is_405(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.post(f"{ns.pods}/a", json=pod("a")) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (405, "MethodNotAllowed")


async def test_delete_answers_200_with_the_deleted_object(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    async with wire.delete(f"{ns.pods}/a") as response:
        body = await response.json()
        assert response.status == 200
    assert body["metadata"]["name"] == "a"
    async with wire.get(f"{ns.pods}/a") as response:
        assert response.status == 404


async def test_delete_options_body_preconditions_are_honoured(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "wrong"}}
    async with wire.delete(f"{ns.pods}/a", json=options) as response:
        assert response.status == 409


async def test_delete_with_finalizer_only_marks_the_object(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    body = pod("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await wire.post(ns.pods, json=body)
    async with wire.delete(f"{ns.pods}/a") as response:
        marked = await response.json()
        assert response.status == 200
    assert marked["metadata"]["deletionTimestamp"]
    async with wire.get(f"{ns.pods}/a") as response:
        assert response.status == 200


async def test_status_put_changes_only_the_status(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.post(ns.deployments, json=deployment("web", 2)) as response:
        created = await response.json()
    update = dict(created, status={"replicas": 2}, spec={**created["spec"], "replicas": 9})
    async with wire.put(f"{ns.deployments}/web/status", json=update) as response:
        body = await response.json()
        assert response.status == 200
    assert body["status"]["replicas"] == 2
    assert body["spec"]["replicas"] == 2


async def test_scale_subresource_reads_and_writes_replicas(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.deployments, json=deployment("web", 2))
    async with wire.get(f"{ns.deployments}/web/scale") as response:
        scale = await response.json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 5
    async with wire.put(f"{ns.deployments}/web/scale", json=scale) as response:
        assert (await response.json())["spec"]["replicas"] == 5
    async with wire.get(f"{ns.deployments}/web") as response:
        assert (await response.json())["spec"]["replicas"] == 5


async def test_custom_resource_crud_after_crd_creation(
    wire: aiohttp.ClientSession, crds: CrdFactory
) -> None:
    tfjobs = await crds()
    async with wire.post(tfjobs.path, json=tfjobs.body("mnist", spec={"replicas": 1})) as response:
        assert response.status == 201
    async with wire.get(f"{tfjobs.path}/mnist") as response:
        assert (await response.json())["spec"] == {"replicas": 1}


async def _tfjob(wire: aiohttp.ClientSession, tfjobs: CustomResources) -> dict[str, Any]:
    async with wire.post(tfjobs.path, json=tfjobs.body("mnist", spec={"replicas": 1})) as response:
        created: dict[str, Any] = await response.json()
    return created


@pytest.mark.parametrize("suffix", ["", "/status"])
async def test_custom_resource_put_without_resource_version_is_invalid(
    wire: aiohttp.ClientSession, crds: CrdFactory, suffix: str
) -> None:
    tfjobs = await crds()
    created = await _tfjob(wire, tfjobs)
    del created["metadata"]["resourceVersion"]
    async with wire.put(f"{tfjobs.path}/mnist{suffix}", json=created) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (422, "Invalid")
    assert body["message"] == (
        f'{tfjobs.name} "mnist" is invalid: metadata.resourceVersion: Invalid value: 0: '
        "must be specified for an update"
    )
    assert body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "metadata.resourceVersion",
        "message": "Invalid value: 0: must be specified for an update"}]


async def test_custom_resource_put_with_its_resource_version_succeeds(
    wire: aiohttp.ClientSession, crds: CrdFactory
) -> None:
    tfjobs = await crds()
    created = await _tfjob(wire, tfjobs)
    created["spec"]["replicas"] = 3
    async with wire.put(f"{tfjobs.path}/mnist", json=created) as response:
        assert (response.status, (await response.json())["spec"]) == (200, {"replicas": 3})


async def test_crd_put_without_resource_version_is_invalid(
    wire: aiohttp.ClientSession, crds: CrdFactory
) -> None:
    tfjobs = await crds()
    async with wire.get(f"{CRDS}/{tfjobs.name}") as response:
        created = await response.json()
    del created["metadata"]["resourceVersion"]
    async with wire.put(f"{CRDS}/{tfjobs.name}", json=created) as response:
        assert response.status == 422


async def test_builtin_put_without_resource_version_updates_unconditionally(
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    await wire.post(ns.deployments, json=deployment("web", 1))
    body = deployment("web", 4)
    async with wire.put(f"{ns.deployments}/web", json=body) as response:
        assert (response.status, (await response.json())["spec"]["replicas"]) == (200, 4)


@pytest.mark.parametrize("kind", ["replicasets", "statefulsets"])
async def test_scale_subresource_of_replicasets_and_statefulsets(
    wire: aiohttp.ClientSession, ns: Paths, kind: str
) -> None:
    body = deployment("web", 2)
    body["kind"] = {"replicasets": "ReplicaSet", "statefulsets": "StatefulSet"}[kind]
    path = ns.collection(kind, "apps/v1")
    async with wire.post(path, json=body) as response:
        assert response.status == 201
    async with wire.get(f"{path}/web/scale") as response:
        scale = await response.json()
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 2)
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 6
    async with wire.put(f"{path}/web/scale", json=scale) as response:
        assert response.status == 200
    async with wire.get(f"{path}/web") as response:
        assert (await response.json())["spec"]["replicas"] == 6


async def test_daemonsets_have_no_scale_subresource(wire: aiohttp.ClientSession, ns: Paths) -> None:
    body = deployment("web")
    body["kind"] = "DaemonSet"
    del body["spec"]["replicas"]
    path = ns.collection("daemonsets", "apps/v1")
    async with wire.post(path, json=body) as response:
        assert response.status == 201
    async with wire.get(f"{path}/web/scale") as response:
        assert response.status == 404


async def test_cluster_scoped_path_for_a_namespaced_get_is_404(
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    async with wire.get("/api/v1/pods/a") as response:
        assert response.status == 404


async def test_auth_off_serves_without_credentials(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/namespaces") as response:
        assert response.status == 200


async def test_delete_of_a_deployment_answers_a_success_status(
    wire: aiohttp.ClientSession, ns: Paths,
) -> None:
    async with wire.post(ns.deployments, json=deployment("web")) as response:
        uid = (await response.json())["metadata"]["uid"]
    async with wire.delete(f"{ns.deployments}/web") as response:
        body = await response.json()
        assert response.status == 200
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "web", "group": "apps", "kind": "deployments", "uid": uid},
    }


async def test_namespace_finalize_updates_metadata_and_finalizers_and_keeps_the_status(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    name = f"{ns.namespace}-team"  # namespaces are cluster-scoped: a name of the test's own
    await wire.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    body = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"ignored": "yes"}},
            "spec": {"finalizers": []}}
    try:
        async with wire.put(f"/api/v1/namespaces/{name}/finalize", json=body) as response:
            result = await response.json()
            assert response.status == 200
    finally:
        await wire.delete(f"/api/v1/namespaces/{name}")
    assert result["spec"] == {}  # an empty list is omitted
    assert result["metadata"]["labels"] == {"ignored": "yes", "kubernetes.io/metadata.name": name}
    assert result["status"] == {"phase": "Active"}
