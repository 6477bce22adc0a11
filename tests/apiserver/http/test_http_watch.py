"""Watch over HTTP: chunked JSON lines, prefixes, timeouts, 410 in the stream, Table events."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import orjson
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.testing import ApiServer
from tests.apiserver.http.bodies import PODS, pod, read_lines
from tests.apiserver.http.conftest import Paths
from tests.markers import uncached

pytestmark = pytest.mark.timeout(30)


async def _next_event(response: aiohttp.ClientResponse) -> dict:
    line = await asyncio.wait_for(response.content.readline(), 10)
    assert line.endswith(b"\n")
    return orjson.loads(line)


async def test_watch_streams_added_modified_deleted(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.get(ns.pods, params={"watch": "true"}) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Transfer-Encoding"] == "chunked"
        await wire.post(ns.pods, json=pod("a"))
        await wire.patch(f"{ns.pods}/a", data=b'{"metadata":{"labels":{"x":"1"}}}',
                         headers={"Content-Type": "application/merge-patch+json"})
        await wire.delete(f"{ns.pods}/a")
        events = [await _next_event(response) for _ in range(4)]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
    assert all(e["object"]["metadata"]["name"] == "a" for e in events)


async def test_deleting_an_unscheduled_pod_marks_it_then_deletes_it(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    async with wire.post(ns.pods, json=pod("a")) as response:
        created = await response.json()
    params = {"watch": "true", "resourceVersion": created["metadata"]["resourceVersion"]}
    async with wire.get(ns.pods, params=params) as response:
        async with wire.delete(f"{ns.pods}/a") as deletion:
            deleted = await deletion.json()
        marked, gone = [await _next_event(response) for _ in range(2)]
    assert (marked["type"], gone["type"]) == ("MODIFIED", "DELETED")
    for event in (marked, gone):
        meta = event["object"]["metadata"]
        assert meta["deletionTimestamp"] and meta["deletionGracePeriodSeconds"] == 0
        assert meta["generation"] == 2
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in (marked, gone)]
    assert rvs[0] < rvs[1]
    # the answer is the pod as deleted
    assert deleted["metadata"]["resourceVersion"] == gone["object"]["metadata"]["resourceVersion"]
    assert deleted["metadata"]["deletionGracePeriodSeconds"] == 0


async def test_watch_without_resource_version_starts_with_current_state(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("existing"))
    async with wire.get(ns.pods, params={"watch": "1"}) as response:
        event = await _next_event(response)
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "existing")


async def test_legacy_watch_prefix_with_name_watches_one_object(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    await wire.post(ns.pods, json=pod("b"))
    async with wire.get(f"/api/v1/watch/namespaces/{ns.namespace}/pods/b") as response:
        event = await _next_event(response)
    assert event["object"]["metadata"]["name"] == "b"


async def test_timeout_seconds_ends_the_stream_cleanly(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    params = {"watch": "true", "timeoutSeconds": "1"}
    async with wire.get(ns.pods, params=params) as response:
        events = await read_lines(response)
    assert [e["type"] for e in events] == ["ADDED"]


@uncached
async def test_too_old_resource_version_gives_an_error_event_with_200(
    wire: aiohttp.ClientSession, ns: Paths, apiserver: ApiServer
) -> None:
    async with wire.post(ns.pods, json=pod("a")) as response:
        old_rv = (await response.json())["metadata"]["resourceVersion"]
    await wire.post(ns.pods, json=pod("b"))
    await wire.post(ns.pods, json=pod("c"))
    apiserver.compact()  # etcd keeps the change at the compacted revision: two writes after old_rv
    async with wire.get(ns.pods, params={"watch": "true", "resourceVersion": old_rv}) as response:
        assert response.status == 200
        events = await read_lines(response)
    assert [e["type"] for e in events] == ["ERROR"]
    error = events[0]["object"]
    assert {key: error[key] for key in error if key != "message"} == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "reason": "Expired", "code": 410}
    # etcd's wording (a real server without watch cache) or the watch cache's (the embedded)
    assert re.fullmatch(r"The resourceVersion for the provided watch is too old\.|"
                        rf"too old resource version: {old_rv} \(\d+\)", error["message"])


async def test_watch_of_a_label_selector_sees_only_matching_objects(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    async with wire.get(ns.pods, params={"watch": "true", "labelSelector": "app=web"}) as response:
        await wire.post(ns.pods, json=pod("db", {"app": "db"}))
        await wire.post(ns.pods, json=pod("web", {"app": "web"}))
        event = await _next_event(response)
    assert event["object"]["metadata"]["name"] == "web"


async def test_table_watch_sends_one_row_tables(wire: aiohttp.ClientSession, ns: Paths) -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    await wire.post(ns.pods, json=pod("a"))
    async with wire.get(ns.pods, params={"watch": "true"}, headers={"Accept": accept}) as response:
        event = await _next_event(response)
    assert event["type"] == "ADDED"
    assert event["object"]["kind"] == "Table"
    assert event["object"]["rows"][0]["cells"][0] == "a"


async def test_watch_events_reach_several_watchers(wire: aiohttp.ClientSession, ns: Paths) -> None:
    async with wire.get(ns.pods, params={"watch": "true"}) as first, wire.get(
        ns.pods, params={"watch": "true"}
    ) as second:
        await wire.post(ns.pods, json=pod("a"))
        events = [await _next_event(first), await _next_event(second)]
    assert [e["object"]["metadata"]["name"] for e in events] == ["a", "a"]


async def test_client_leaving_a_watch_releases_its_watcher(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    async with http.get(PODS, params={"watch": "true"}) as response:
        await http.post(PODS, json=pod("a"))
        await _next_event(response)
        assert server.storage.hub.count() == 1
    for _ in range(100):
        if server.storage.hub.count() == 0:
            break
        await asyncio.sleep(0.02)
    assert server.storage.hub.count() == 0


@pytest.mark.embedded_apiserver(bookmark_interval=0.05)
async def test_allow_watch_bookmarks_sends_periodic_bookmarks(http: aiohttp.ClientSession) -> None:
    params = {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": "0"}
    async with http.get(PODS, params=params) as response:
        event = await _next_event(response)
    assert event["type"] == "BOOKMARK"
    assert event["object"]["kind"] == "Pod"
    assert event["object"]["metadata"]["resourceVersion"]


async def test_send_initial_events_ends_with_an_annotated_bookmark(
    wire: aiohttp.ClientSession, ns: Paths
) -> None:
    await wire.post(ns.pods, json=pod("a"))
    params = {
        "watch": "true",
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
    }
    async with wire.get(ns.pods, params=params) as response:
        added = await _next_event(response)
        bookmark = await _next_event(response)
    assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "a")
    assert bookmark["type"] == "BOOKMARK"
    annotations = bookmark["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}
