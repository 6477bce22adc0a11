"""List over HTTP: pagination, selectors, Table output, deletecollection."""

from __future__ import annotations

import aiohttp
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.apiserver.handlers.printer_columns import evaluate_json_path
from kubeflow_informer.testing import ApiServer
from tests.apiserver.http.bodies import PODS, crd, pod
from tests.apiserver.http.conftest import Paths
from tests.custom_resources import CrdFactory
from tests.markers import uncached

pytestmark = pytest.mark.timeout(30)

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


async def _seed(session: aiohttp.ClientSession, pods: str, count: int) -> None:
    for i in range(count):
        labels = {"app": "web" if i % 2 == 0 else "db", "index": str(i)}
        async with session.post(pods, json=pod(f"p{i:02d}", labels)) as response:
            assert response.status == 201


async def test_list_body_is_a_typed_list_with_resource_version(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 2)
    async with wire.get(ns.pods) as response:
        body = await response.json()
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"]["resourceVersion"]
    assert [p["metadata"]["name"] for p in body["items"]] == ["p00", "p01"]


async def test_limit_and_continue_walk_every_item_once(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 7)
    names: list[str] = []
    params = {"limit": "3"}
    while True:
        async with wire.get(ns.pods, params=params) as response:
            body = await response.json()
        names += [p["metadata"]["name"] for p in body["items"]]
        token = body["metadata"].get("continue")
        if not token:
            break
        params = {"limit": "3", "continue": token}
    assert names == [f"p{i:02d}" for i in range(7)]


async def test_first_page_reports_remaining_item_count(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 5)
    async with wire.get(ns.pods, params={"limit": "2"}) as response:
        body = await response.json()
    assert body["metadata"]["remainingItemCount"] == 3


async def test_label_selector_filters_the_list(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await _seed(wire, ns.pods, 6)
    async with wire.get(ns.pods, params={"labelSelector": "app=db,index notin (1)"}) as response:
        body = await response.json()
    assert [p["metadata"]["name"] for p in body["items"]] == ["p03", "p05"]


async def test_field_selector_on_metadata_name(wire: aiohttp.ClientSession, ns: Paths) -> None:
    await _seed(wire, ns.pods, 3)
    async with wire.get(ns.pods, params={"fieldSelector": "metadata.name=p01"}) as response:
        body = await response.json()
    assert [p["metadata"]["name"] for p in body["items"]] == ["p01"]


async def test_malformed_label_selector_is_400(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.get(ns.pods, params={"labelSelector": "a in (b"}) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (400, "BadRequest")


async def test_cluster_wide_list_of_a_namespaced_resource(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 2)
    async with wire.get("/api/v1/pods") as response:
        body = await response.json()
    mine = [p["metadata"]["name"] for p in body["items"]
            if p["metadata"]["namespace"] == ns.namespace]  # a real server holds others' pods
    assert mine == ["p00", "p01"]


async def _first_page_token(session: aiohttp.ClientSession, pods: str) -> str:
    """Seed three pods and list the first page of one: its continue token."""
    await _seed(session, pods, 3)
    async with session.get(pods, params={"limit": "1"}) as response:
        token: str = (await response.json())["metadata"]["continue"]
    return token


async def test_expired_continue_fault_answers_410(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    token = await _first_page_token(http, PODS)
    server.faults.expire_continue()
    async with http.get(PODS, params={"limit": "1", "continue": token}) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (410, "Expired")
    assert server.faults.stats()["expire_continue"] == 1


@uncached
async def test_continue_past_compaction_answers_410_with_an_inconsistent_token(
    wire: aiohttp.ClientSession, ns: Paths, apiserver: ApiServer
) -> None:
    token = await _first_page_token(wire, ns.pods)
    async with wire.post(ns.pods, json=pod("p03")) as response:
        assert response.status == 201
    apiserver.compact()
    async with wire.get(ns.pods, params={"limit": "1", "continue": token}) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (410, "Expired")
    async with wire.get(ns.pods, params={"continue": body["metadata"]["continue"]}) as response:
        rest = await response.json()
    assert [p["metadata"]["name"] for p in rest["items"]] == ["p01", "p02", "p03"]


@pytest.mark.parametrize("value", ["true", "false"])
async def test_send_initial_events_on_a_list_is_invalid(
    wire: aiohttp.ClientSession, ns: Paths, value: str
) -> None:
    async with wire.get(ns.pods, params={"sendInitialEvents": value}) as response:
        body = await response.json()
    assert (response.status, body["reason"]) == (422, "Invalid")
    assert body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
        "sendInitialEvents is forbidden for list"
    )


async def test_table_list_has_pod_columns_and_partial_metadata(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 1)
    async with wire.get(ns.pods, headers={"Accept": TABLE_ACCEPT}) as response:
        table = await response.json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns[:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    row = table["rows"][0]
    assert row["cells"][:3] == ["p00", "0/1", "Pending"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "p00"


@pytest.mark.embedded_differs("ConfigMap tables have no Data column (built-in kinds other than "
                               "Pods and Deployments get Name and Age only)")
async def test_table_of_a_configmap_has_name_data_and_age(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    path = ns.configmaps
    body = {"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}, "binaryData": {"z": "AAAA"}}
    await wire.post(path, json=body)
    async with wire.get(f"{path}/c", headers={"Accept": TABLE_ACCEPT}) as response:
        table = await response.json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["c", 3]  # keys of data and binaryData


async def test_delete_collection_deletes_only_selected_objects(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await _seed(wire, ns.pods, 4)
    async with wire.delete(ns.pods, params={"labelSelector": "app=web"}) as response:
        deleted = await response.json()
        assert response.status == 200
    assert sorted(p["metadata"]["name"] for p in deleted["items"]) == ["p00", "p02"]
    async with wire.get(ns.pods) as response:
        left = await response.json()
    assert [p["metadata"]["name"] for p in left["items"]] == ["p01", "p03"]


async def test_custom_resource_table_uses_additional_printer_columns(
    wire: aiohttp.ClientSession, crds: CrdFactory
) -> None:
    definition = crd()
    definition["spec"]["versions"][0]["additionalPrinterColumns"] = [
        {"name": "State", "type": "string",
         "jsonPath": '.status.conditions[?(@.type=="Running")].status'},
        {"name": "Workers", "type": "integer", "jsonPath": ".spec.workers"},
    ]
    tfjobs = await crds(definition)
    path = tfjobs.path
    async with wire.post(path, json=tfjobs.body("j", spec={"workers": 3})) as response:
        created = await response.json()
    created["status"] = {"conditions": [{"type": "Created", "status": "True"},
                                        {"type": "Running", "status": "False"}]}
    async with wire.put(f"{path}/j/status", json=created) as response:
        assert response.status == 200
    async with wire.get(path, headers={"Accept": TABLE_ACCEPT}) as response:
        table = await response.json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "State", "Workers"]
    assert table["rows"][0]["cells"] == ["j", "False", 3]


def test_json_path_subset_selects_fields_indexes_and_filters() -> None:
    obj = {"spec": {"items": [{"k": "a", "v": 1}, {"k": "b", "v": 2}]}}
    assert evaluate_json_path(obj, ".spec.items[1].v") == [2]
    assert evaluate_json_path(obj, '{.spec.items[?(@.k=="a")].v}') == [1]
    assert evaluate_json_path(obj, ".spec.missing") == []
