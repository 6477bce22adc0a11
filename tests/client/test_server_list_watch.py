"""The client's lists and watches on both servers: pagination, resourceVersion semantics, label
and field selectors, watch streams (selectors, starting points, timeouts, the streaming list).
What each test asserts is what kube-apiserver answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient, Resource, WatchEvent, WatchStream
from kubeflow_informer.errors import BadRequest
from kubeflow_informer.testing import ApiServer
from tests.bodies import configmap, pod

pytestmark = pytest.mark.timeout(60)

LABELS = [
    {"app": "web", "tier": "front", "env": "prod"},
    {"app": "web", "tier": "back"},
    {"app": "db", "tier": "back", "env": "prod"},
    {"app": "db", "env": "dev"},
    {"app": "cache"},
]


async def _seed(apiserver: ApiServer, api: ApiClient, count: int = 5) -> Resource:
    """ConfigMaps c0..c<count-1> (labelled from LABELS when there are enough)."""
    configmaps = api.resource("v1", "configmaps")
    for i in range(count):
        body = configmap(f"c{i}", index=str(i))
        if i < len(LABELS):
            body["metadata"]["labels"] = LABELS[i]
        await configmaps.create(body, namespace=apiserver.namespace)
    return configmaps


def _names(listing: dict[str, Any]) -> list[str]:
    return [o["metadata"]["name"] for o in listing["items"]]


# -- pagination ---------------------------------------------------------------------------


async def test_pages_walk_every_object_once_in_name_order(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 7)
    pages = [p async for p in configmaps.list_pages(namespace=apiserver.namespace, limit=3)]
    assert [_names(p) for p in pages] == [["c0", "c1", "c2"], ["c3", "c4", "c5"], ["c6"]]
    assert len({p["metadata"]["resourceVersion"] for p in pages}) == 1  # one snapshot


async def test_the_first_page_counts_the_remaining_items(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 5)
    page = await configmaps.list(namespace=apiserver.namespace, limit=2)
    assert page["metadata"]["remainingItemCount"] == 3
    assert page["metadata"]["continue"]


async def test_a_selected_page_does_not_count_the_remaining_items(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 5)
    page = await configmaps.list(namespace=apiserver.namespace, limit=1, label_selector="tier")
    assert _names(page) == ["c0"]
    assert "remainingItemCount" not in page["metadata"]
    assert page["metadata"]["continue"]


async def test_later_pages_keep_the_first_page_s_snapshot(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 4)
    first = await configmaps.list(namespace=apiserver.namespace, limit=2)
    await configmaps.delete("c3", namespace=apiserver.namespace)
    await configmaps.create(configmap("c9"), namespace=apiserver.namespace)
    rest = await configmaps.list(namespace=apiserver.namespace, limit=10,
                                 continue_token=first["metadata"]["continue"])
    assert _names(rest) == ["c2", "c3"]
    assert rest["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


async def test_list_items_fills_in_the_kind_and_api_version(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 3)
    items = [o async for o in configmaps.list_items(namespace=apiserver.namespace, limit=2)]
    assert [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in items] == [
        ("v1", "ConfigMap", "c0"), ("v1", "ConfigMap", "c1"), ("v1", "ConfigMap", "c2")]


@pytest.mark.embedded_differs("resourceVersion=0 lists are paged: serving them whole would change "
                               "the informer's initial list (its benchmark pages by 500)")
async def test_a_list_with_resource_version_0_is_served_whole(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 3)
    listing = await configmaps.list(namespace=apiserver.namespace, limit=1, resource_version="0")
    assert _names(listing) == ["c0", "c1", "c2"]  # "any" version: the cache ignores the limit
    assert "continue" not in listing["metadata"]


# -- resourceVersion semantics ------------------------------------------------------------


async def test_an_exact_resource_version_lists_the_past_state(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 2)
    then = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    await configmaps.create(configmap("c2"), namespace=apiserver.namespace)
    await configmaps.patch("c0", {"data": {"index": "changed"}}, namespace=apiserver.namespace)
    past = await configmaps.list(namespace=apiserver.namespace, resource_version=then,
                                 resource_version_match="Exact")
    assert past["metadata"]["resourceVersion"] == then
    assert [(o["metadata"]["name"], o["data"]["index"]) for o in past["items"]] == [
        ("c0", "0"), ("c1", "1")]


async def test_a_resource_version_with_a_limit_pages_the_past_state(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 2)
    then = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    await configmaps.create(configmap("c0a"), namespace=apiserver.namespace)
    page = await configmaps.list(namespace=apiserver.namespace, resource_version=then, limit=1)
    assert (_names(page), page["metadata"]["resourceVersion"]) == (["c0"], then)
    assert page["metadata"]["remainingItemCount"] == 1


async def test_not_older_than_lists_the_current_state(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 2)
    then = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    await configmaps.create(configmap("c2"), namespace=apiserver.namespace)
    now = await configmaps.list(namespace=apiserver.namespace, resource_version=then,
                                resource_version_match="NotOlderThan")
    assert _names(now) == ["c0", "c1", "c2"]
    assert int(now["metadata"]["resourceVersion"]) > int(then)


@pytest.mark.parametrize(("params", "message"), [
    ({"limit": "abc"}, 'strconv.ParseInt: parsing "abc": invalid syntax'),
    ({"resourceVersion": "abc"}, 'invalid resource version: resourceVersion: Invalid value: '
                                 '"abc": strconv.ParseUint: parsing "abc": invalid syntax'),
])
async def test_malformed_list_parameters_are_bad_requests(
    apiserver: ApiServer, apiserver_client: ApiClient, params: dict[str, str], message: str
) -> None:
    path = apiserver_client.resource("v1", "configmaps").path(apiserver.namespace)
    with pytest.raises(BadRequest) as caught:
        await apiserver_client.request("GET", path, params=list(params.items()))
    assert caught.value.message == message


# -- label selectors ----------------------------------------------------------------------


@pytest.mark.parametrize(("selector", "expected"), [
    ("app=web", ["c0", "c1"]),
    ("app==db", ["c2", "c3"]),
    ("app!=web", ["c2", "c3", "c4"]),
    ("app in (db,cache)", ["c2", "c3", "c4"]),
    ("app notin (web)", ["c2", "c3", "c4"]),
    ("env", ["c0", "c2", "c3"]),
    ("!env", ["c1", "c4"]),
    ("tier=back,env=prod", ["c2"]),
    ("env notin (dev)", ["c0", "c1", "c2", "c4"]),  # no env label also matches notin
    ("tier!=front", ["c1", "c2", "c3", "c4"]),
    ("app in (web),tier notin (front)", ["c1"]),
    ("", ["c0", "c1", "c2", "c3", "c4"]),
    ("env in ()", []),  # apimachinery reads "()" as the set {""}: no env label is empty here
    ("env notin ()", ["c0", "c1", "c2", "c3", "c4"]),
])
async def test_label_selector_matches(
    apiserver: ApiServer, apiserver_client: ApiClient, selector: str, expected: list[str]
) -> None:
    configmaps = await _seed(apiserver, apiserver_client)
    listing = await configmaps.list(namespace=apiserver.namespace, label_selector=selector)
    assert _names(listing) == expected


async def test_label_selector_given_as_a_mapping_requires_every_pair(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client)
    listing = await configmaps.list(namespace=apiserver.namespace,
                                    label_selector={"app": "db", "env": "prod"})
    assert _names(listing) == ["c2"]


@pytest.mark.parametrize("selector", ["a in (b", "a=b=c", "!", "a in (b c)", "=b"])
async def test_malformed_label_selectors_are_bad_requests(
    apiserver: ApiServer, apiserver_client: ApiClient, selector: str
) -> None:
    with pytest.raises(BadRequest):
        await apiserver_client.resource("v1", "configmaps").list(
            namespace=apiserver.namespace, label_selector=selector)


# -- field selectors ----------------------------------------------------------------------


async def test_field_selector_on_name_and_namespace(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 3)
    selected = await configmaps.list(
        field_selector=f"metadata.name!=c1,metadata.namespace={apiserver.namespace}")
    assert _names(selected) == ["c0", "c2"]


@pytest.mark.parametrize(("selector", "expected"), [
    ("status.phase=Pending", ["a", "b"]),
    ("status.phase!=Pending", []),
    ("spec.nodeName=node-1", ["b"]),
    ("spec.nodeName=", ["a"]),
    ("spec.restartPolicy=Never", ["b"]),
    pytest.param("spec.schedulerName=default-scheduler", ["a", "b"],
                 marks=pytest.mark.embedded_differs("pod specs are not defaulted")),
])
async def test_pod_field_selectors(
    apiserver: ApiServer, apiserver_client: ApiClient, selector: str, expected: list[str]
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    await pods.create(pod("a"), namespace=apiserver.namespace)
    await pods.create(pod("b", nodeName="node-1", restartPolicy="Never"),
                      namespace=apiserver.namespace)
    listing = await pods.list(namespace=apiserver.namespace, field_selector=selector)
    assert _names(listing) == expected


async def test_an_unknown_field_of_a_configmap_is_a_bad_request(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(BadRequest) as caught:
        await apiserver_client.resource("v1", "configmaps").list(
            namespace=apiserver.namespace, field_selector="spec.foo=1")
    assert caught.value.message == (
        '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"')


async def test_an_unknown_field_of_a_pod_is_a_bad_request(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(BadRequest) as caught:
        await apiserver_client.resource("v1", "pods").list(
            namespace=apiserver.namespace, field_selector="spec.foo=1")
    assert caught.value.message == "field label not supported: spec.foo"


# -- watch --------------------------------------------------------------------------------


async def _next(stream: WatchStream) -> WatchEvent:
    async with asyncio.timeout(10):
        return await anext(stream)


async def _events(stream: WatchStream, count: int) -> list[tuple[str, str]]:
    return [(e.type, e.object["metadata"]["name"]) for e in
            [await _next(stream) for _ in range(count)]]


async def test_watch_from_a_list_s_version_streams_every_later_change(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 1)
    rv = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    await configmaps.create(configmap("new"), namespace=apiserver.namespace)
    await configmaps.patch("c0", {"data": {"k": "v"}}, namespace=apiserver.namespace)
    await configmaps.delete("new", namespace=apiserver.namespace)
    async with configmaps.watch(namespace=apiserver.namespace, resource_version=rv) as stream:
        assert await _events(stream, 3) == [("ADDED", "new"), ("MODIFIED", "c0"),
                                            ("DELETED", "new")]


async def test_watch_without_a_version_starts_with_the_current_objects(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 2)
    async with configmaps.watch(namespace=apiserver.namespace) as stream:
        assert sorted(await _events(stream, 2)) == [("ADDED", "c0"), ("ADDED", "c1")]
        await configmaps.create(configmap("c2"), namespace=apiserver.namespace)
        assert await _events(stream, 1) == [("ADDED", "c2")]


async def test_watch_from_version_0_starts_with_the_current_objects(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 2)
    async with configmaps.watch(namespace=apiserver.namespace, resource_version="0") as stream:
        assert sorted(await _events(stream, 2)) == [("ADDED", "c0"), ("ADDED", "c1")]


async def test_watch_events_carry_increasing_resource_versions(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    rv = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    async with configmaps.watch(namespace=apiserver.namespace, resource_version=rv) as stream:
        created = await configmaps.create(configmap("a"), namespace=apiserver.namespace)
        patched = await configmaps.patch("a", {"data": {"k": "v"}},
                                         namespace=apiserver.namespace)
        events = [await _next(stream) for _ in range(2)]
    assert [e.object["metadata"]["resourceVersion"] for e in events] == [
        created["metadata"]["resourceVersion"], patched["metadata"]["resourceVersion"]]


async def test_a_label_selected_watch_sees_objects_enter_and_leave_the_selection(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    rv = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    async with configmaps.watch(namespace=apiserver.namespace, resource_version=rv,
                                label_selector="watched=yes") as stream:
        await configmaps.patch("a", {"metadata": {"labels": {"watched": "yes"}}},
                               namespace=apiserver.namespace)
        await configmaps.patch("a", {"data": {"k": "v"}}, namespace=apiserver.namespace)
        unlabelled = await configmaps.patch("a", {"metadata": {"labels": {"watched": "no"}}},
                                            namespace=apiserver.namespace)
        events = [await _next(stream) for _ in range(3)]
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    # leaving the selection: the last state that matched, at the resourceVersion of the change
    left = events[2].object["metadata"]
    assert left["labels"] == {"watched": "yes"}
    assert left["resourceVersion"] == unlabelled["metadata"]["resourceVersion"]


async def test_a_field_selected_watch_sees_only_the_named_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    rv = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    async with configmaps.watch(namespace=apiserver.namespace, resource_version=rv,
                                field_selector="metadata.name=b") as stream:
        for name in ("a", "b", "c"):
            await configmaps.create(configmap(name), namespace=apiserver.namespace)
        await configmaps.delete("b", namespace=apiserver.namespace)
        assert await _events(stream, 2) == [("ADDED", "b"), ("DELETED", "b")]


async def test_a_cluster_wide_watch_sees_the_test_s_namespace(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    rv = (await configmaps.list(namespace=apiserver.namespace))["metadata"]["resourceVersion"]
    async with configmaps.watch(resource_version=rv,
                                field_selector=f"metadata.namespace={apiserver.namespace}"
                                ) as stream:
        await configmaps.create(configmap("a"), namespace=apiserver.namespace)
        event = await _next(stream)
    assert (event.type, event.object["metadata"]["namespace"]) == ("ADDED", apiserver.namespace)


async def test_timeout_seconds_ends_the_watch_cleanly(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 1)
    async with configmaps.watch(namespace=apiserver.namespace, timeout_seconds=1) as stream:
        events = [e async for e in stream]
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [("ADDED", "c0")]


async def test_streaming_list_sends_the_state_then_a_bookmark_then_changes(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = await _seed(apiserver, apiserver_client, 3)
    async with configmaps.watch(namespace=apiserver.namespace, send_initial_events=True,
                                resource_version_match="NotOlderThan",
                                allow_watch_bookmarks=True) as stream:
        initial = [await _next(stream) for _ in range(3)]
        bookmark = await _next(stream)
        await configmaps.create(configmap("late"), namespace=apiserver.namespace)
        late = await _next(stream)
    assert sorted((e.type, e.object["metadata"]["name"]) for e in initial) == [
        ("ADDED", "c0"), ("ADDED", "c1"), ("ADDED", "c2")]
    assert bookmark.type == "BOOKMARK"
    assert bookmark.object["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(bookmark.object["metadata"]["resourceVersion"]) >= max(
        int(e.object["metadata"]["resourceVersion"]) for e in initial)
    assert (late.type, late.object["metadata"]["name"]) == ("ADDED", "late")


async def test_a_bookmark_carries_only_kind_api_version_and_resource_version(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    async with configmaps.watch(namespace=apiserver.namespace, send_initial_events=True,
                                resource_version_match="NotOlderThan",
                                allow_watch_bookmarks=True) as stream:
        bookmark = await _next(stream)
    assert bookmark.type == "BOOKMARK"
    assert set(bookmark.object) == {"kind", "apiVersion", "metadata"}
    assert (bookmark.object["kind"], bookmark.object["apiVersion"]) == ("ConfigMap", "v1")
    assert set(bookmark.object["metadata"]) == {"resourceVersion", "annotations"}
