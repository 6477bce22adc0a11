"""PATCH by content type: JSON patch, merge, strategic merge, server-side apply, 415."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from tests.apiserver.http.bodies import deployment, pod
from tests.apiserver.http.conftest import Paths
from tests.custom_resources import CrdFactory

pytestmark = pytest.mark.timeout(30)


async def _patch(
    session: aiohttp.ClientSession, path: str, body: Any, content_type: str, **params: str
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    async with session.patch(
        path, data=data, headers={"Content-Type": content_type}, params=params
    ) as response:
        return response.status, await response.json()


async def test_merge_patch_sets_a_field(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await wire.post(ns.pods, json=pod("a"))
    status, body = await _patch(
        wire, f"{ns.pods}/a", {"metadata": {"labels": {"x": "1"}}}, "application/merge-patch+json"
    )
    assert (status, body["metadata"]["labels"]) == (200, {"x": "1"})


async def test_json_patch_applies_operations(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await wire.post(ns.pods, json=pod("a", {"x": "1"}))
    ops = [{"op": "add", "path": "/metadata/labels/y", "value": "2"}]
    status, body = await _patch(wire, f"{ns.pods}/a", ops, "application/json-patch+json")
    assert (status, body["metadata"]["labels"]) == (200, {"x": "1", "y": "2"})


async def test_json_patch_adding_into_a_missing_map_is_422(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))  # labels {} is not stored: there is no map to add to
    ops = [{"op": "add", "path": "/metadata/labels/y", "value": "2"}]
    status, body = await _patch(wire, f"{ns.pods}/a", ops, "application/json-patch+json")
    assert (status, body["reason"]) == (422, "Invalid")


async def test_failed_json_patch_test_is_422(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await wire.post(ns.pods, json=pod("a"))
    ops = [{"op": "test", "path": "/metadata/name", "value": "other"}]
    status, body = await _patch(wire, f"{ns.pods}/a", ops, "application/json-patch+json")
    assert (status, body["kind"]) == (422, "Status")


async def test_strategic_merge_patch_merges_containers_by_name(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.deployments, json=deployment("web"))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "x"}]}}}}
    status, body = await _patch(
        wire, f"{ns.deployments}/web", patch, "application/strategic-merge-patch+json"
    )
    names = [c["name"] for c in body["spec"]["template"]["spec"]["containers"]]
    assert status == 200
    assert sorted(names) == ["app", "side"]


async def test_strategic_merge_patch_on_a_custom_resource_is_415(
    wire: aiohttp.ClientSession, crds: CrdFactory
) -> None:
    tfjobs = await crds()
    path = tfjobs.path
    await wire.post(path, json=tfjobs.body("j"))
    status, body = await _patch(
        wire, f"{path}/j", {"spec": {"a": 1}}, "application/strategic-merge-patch+json"
    )
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")


async def test_unknown_patch_content_type_is_415(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await wire.post(ns.pods, json=pod("a"))
    status, _ = await _patch(wire, f"{ns.pods}/a", {}, "text/plain")
    assert status == 415


async def test_patch_of_a_missing_object_is_404(wire: aiohttp.ClientSession, ns: Paths) -> None:
    status, body = await _patch(wire, f"{ns.pods}/nope", {}, "application/merge-patch+json")
    assert (status, body["reason"]) == (404, "NotFound")


async def test_patch_with_stale_resource_version_is_409(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    patch = {"metadata": {"resourceVersion": "1", "labels": {"x": "1"}}}
    status, body = await _patch(wire, f"{ns.pods}/a", patch, "application/merge-patch+json")
    assert (status, body["reason"]) == (409, "Conflict")


async def test_server_side_apply_creates_a_missing_object(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '1'\n"
    status, body = await _patch(
        wire,
        f"{ns.configmaps}/cfg",
        manifest,
        "application/apply-patch+yaml",
        fieldManager="test",
    )
    assert (status, body["data"]) == (201, {"a": "1"})


async def test_server_side_apply_without_field_manager_is_422(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
    status, body = await _patch(
        wire, f"{ns.configmaps}/cfg", manifest, "application/apply-patch+yaml"
    )
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required '
                               "value: is required for apply patch")
    assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "field": "fieldManager",
                                          "message": "Required value: is required for apply patch"}]


async def test_patch_of_status_subresource_keeps_spec(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.deployments, json=deployment("web", 2))
    patch = {"spec": {"replicas": 7}, "status": {"replicas": 1}}
    status, body = await _patch(
        wire, f"{ns.deployments}/web/status", patch, "application/merge-patch+json"
    )
    assert status == 200
    assert (body["spec"]["replicas"], body["status"]["replicas"]) == (2, 1)


async def test_patch_of_scale_changes_replicas(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await wire.post(ns.deployments, json=deployment("web", 2))
    status, body = await _patch(wire, f"{ns.deployments}/web/scale", {"spec": {"replicas": 4}},
                                "application/merge-patch+json")
    assert (status, body["spec"]["replicas"]) == (200, 4)
