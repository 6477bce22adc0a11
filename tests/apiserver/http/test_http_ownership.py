"""Field ownership of ordinary writes (managedFields Update entries) and apply conflicts."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.apiserver.patching import decode_fields
from tests.apiserver.http.bodies import deployment
from tests.apiserver.http.conftest import Paths

pytestmark = pytest.mark.timeout(30)

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


def _entries(obj: dict[str, Any]) -> dict[tuple[str, str, str], set[tuple[str, ...]]]:
    """(manager, operation, subresource) -> owned field paths."""
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): decode_fields(e["fieldsV1"])
        for e in obj["metadata"].get("managedFields", [])
    }


async def _patch(session: aiohttp.ClientSession, path: str, body: Any, content_type: str,
                 **params: str) -> tuple[int, dict[str, Any]]:
    async with session.patch(path, data=orjson.dumps(body), params=params,
                          headers={"Content-Type": content_type}) as response:
        return response.status, await response.json()


async def test_create_records_an_update_entry_for_the_field_manager(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "data": {"k": "v"}}
    async with wire.post(ns.configmaps, json=body, params={"fieldManager": "me"}) as response:
        created = await response.json()
    (entry,) = created["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"],
            entry["fieldsType"]) == ("me", "Update", "v1", "FieldsV1")
    assert ("f:data", "f:k") in decode_fields(entry["fieldsV1"])


async def test_manager_defaults_to_the_user_agent_product(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "data": {"k": "v"}}
    async with wire.post(ns.configmaps, json=body,
                         headers={"User-Agent": "my-operator/1.2 (linux/amd64)"}) as response:
        created = await response.json()
    assert [e["manager"] for e in created["metadata"]["managedFields"]] == ["my-operator"]


async def test_patch_moves_the_changed_field_to_its_manager(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.deployments, json=deployment("web", 1), params={"fieldManager": "creator"})
    status, body = await _patch(wire, f"{ns.deployments}/web", {"spec": {"replicas": 3}}, MERGE,
                                fieldManager="scaler")
    assert status == 200
    owned = _entries(body)
    assert owned[("scaler", "Update", "")] == {("f:spec", "f:replicas")}
    assert ("f:spec", "f:replicas") not in owned[("creator", "Update", "")]


async def test_apply_over_a_patched_field_conflicts_until_forced(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.deployments, json=deployment("web", 1), params={"fieldManager": "creator"})
    await _patch(wire, f"{ns.deployments}/web", {"spec": {"replicas": 3}}, MERGE,
                 fieldManager="scaler")
    status, body = await _patch(wire, f"{ns.deployments}/web", deployment("web", 1), APPLY,
                                fieldManager="deployer")
    assert (status, body["reason"]) == (409, "Conflict")
    assert body["message"] == (
        'Apply failed with 1 conflict: conflict with "scaler" using apps/v1: .spec.replicas')
    assert body["details"]["causes"] == [{
        "reason": "FieldManagerConflict", "message": 'conflict with "scaler" using apps/v1',
        "field": ".spec.replicas"}]
    status, body = await _patch(wire, f"{ns.deployments}/web", deployment("web", 1), APPLY,
                                fieldManager="deployer", force="true")
    assert (status, body["spec"]["replicas"]) == (200, 1)
    assert ("f:spec", "f:replicas") in _entries(body)[("deployer", "Apply", "")]


async def test_status_write_records_its_subresource(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.post(ns.deployments, json=deployment("web")) as response:
        created = await response.json()
    created["status"] = {"replicas": 1}
    async with wire.put(f"{ns.deployments}/web/status", json=created,
                        params={"fieldManager": "controller"}) as response:
        updated = await response.json()
    assert _entries(updated)[("controller", "Update", "status")] == {("f:status", "f:replicas")}


async def test_main_write_does_not_own_the_status_it_could_not_change(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    async with wire.post(ns.deployments, json=deployment("web")) as response:
        created = await response.json()
    created["status"] = {"replicas": 7}
    created["spec"]["replicas"] = 2
    async with wire.put(f"{ns.deployments}/web", json=created,
                        params={"fieldManager": "editor"}) as response:
        updated = await response.json()
    assert "status" not in updated or "replicas" not in updated.get("status", {})
    assert _entries(updated)[("editor", "Update", "")] == {("f:spec", "f:replicas")}


async def test_writes_inside_the_server_record_no_ownership(server: EmbeddedApiServer) -> None:
    info = server.storage.registry.get("", "v1", "configmaps")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    stored = server.storage.create(info, body, namespace="default")
    assert "managedFields" not in stored.obj["metadata"]


async def test_a_write_that_owns_no_field_leaves_managed_fields_out(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    async with wire.post(ns.configmaps, json=body, params={"fieldManager": "me"}) as response:
        created = await response.json()
    assert "managedFields" not in created["metadata"]
