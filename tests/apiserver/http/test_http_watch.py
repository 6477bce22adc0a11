"""Watch over HTTP: chunked JSON lines, prefixes, timeouts, 410 in the stream, Table events."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from tests.apiserver.http.bodies import PODS, pod, read_lines

pytestmark = pytest.mark.timeout(30)


async def _next_event(response: aiohttp.ClientResponse) -> dict:
    line = await asyncio.wait_for(response.content.readline(), 10)
    assert line.endswith(b"\n")
    return orjson.loads(line)


async def test_watch_streams_added_modified_deleted(http: aiohttp.ClientSession) -> None:
    async with http.get(PODS, params={"watch": "true"}) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Transfer-Encoding"] == "chunked"
        await http.post(PODS, json=pod("a"))
        await http.patch(f"{PODS}/a", data=b'{"metadata":{"labels":{"x":"1"}}}',
                         headers={"Content-Type": "application/merge-patch+json"})
        await http.delete(f"{PODS}/a")
        events = [await _next_event(response) for _ in range(3)]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert all(e["object"]["metadata"]["name"] == "a" for e in events)


async def test_watch_without_resource_version_starts_with_current_state(
    http: aiohttp.ClientSession,
) -> None:
    await http.post(PODS, json=pod("existing"))
    async with http.get(PODS, params={"watch": "1"}) as response:
        event = await _next_event(response)
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "existing")


async def test_legacy_watch_prefix_with_name_watches_one_object(
    http: aiohttp.ClientSession,
) -> None:
    await http.post(PODS, json=pod("a"))
    await http.post(PODS, json=pod("b"))
    async with http.get("/api/v1/watch/namespaces/default/pods/b") as response:
        event = await _next_event(response)
    assert event["object"]["metadata"]["name"] == "b"


async def test_timeout_seconds_ends_the_stream_cleanly(http: aiohttp.ClientSession) -> None:
    await http.post(PODS, json=pod("a"))
    params = {"watch": "true", "timeoutSeconds": "1"}
    async with http.get(PODS, params=params) as response:
        events = await read_lines(response)
    assert [e["type"] for e in events] == ["ADDED"]


async def test_too_old_resource_version_gives_an_error_event_with_200(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    async with http.post(PODS, json=pod("a")) as response:
        old_rv = (await response.json())["metadata"]["resourceVersion"]
    await http.post(PODS, json=pod("b"))
    server.faults.compact()
    async with http.get(PODS, params={"watch": "true", "resourceVersion": old_rv}) as response:
        assert response.status == 200
        events = await read_lines(response)
    assert events[-1]["type"] == "ERROR"
    assert (events[-1]["object"]["code"], events[-1]["object"]["reason"]) == (410, "Expired")
    assert server.faults.stats()["compact"] == 1


async def test_watch_of_a_label_selector_sees_only_matching_objects(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get(PODS, params={"watch": "true", "labelSelector": "app=web"}) as response:
        await http.post(PODS, json=pod("db", {"app": "db"}))
        await http.post(PODS, json=pod("web", {"app": "web"}))
        event = await _next_event(response)
    assert event["object"]["metadata"]["name"] == "web"


async def test_table_watch_sends_one_row_tables(http: aiohttp.ClientSession) -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    await http.post(PODS, json=pod("a"))
    async with http.get(PODS, params={"watch": "true"}, headers={"Accept": accept}) as response:
        event = await _next_event(response)
    assert event["type"] == "ADDED"
    assert event["object"]["kind"] == "Table"
    assert event["object"]["rows"][0]["cells"][0] == "a"


async def test_watch_events_reach_several_watchers(http: aiohttp.ClientSession) -> None:
    async with http.get(PODS, params={"watch": "true"}) as first, http.get(
        PODS, params={"watch": "true"}
    ) as second:
        await http.post(PODS, json=pod("a"))
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


@pytest.mark.server_kwargs(bookmark_interval=0.05)
async def test_allow_watch_bookmarks_sends_periodic_bookmarks(http: aiohttp.ClientSession) -> None:
    params = {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": "0"}
    async with http.get(PODS, params=params) as response:
        event = await _next_event(response)
    assert event["type"] == "BOOKMARK"
    assert event["object"]["kind"] == "Pod"
    assert event["object"]["metadata"]["resourceVersion"]


async def test_send_initial_events_ends_with_an_annotated_bookmark(
    http: aiohttp.ClientSession,
) -> None:
    await http.post(PODS, json=pod("a"))
    params = {
        "watch": "true",
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
    }
    async with http.get(PODS, params=params) as response:
        added = await _next_event(response)
        bookmark = await _next_event(response)
    assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "a")
    assert bookmark["type"] == "BOOKMARK"
    annotations = bookmark["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}
