"""Watch: initial events, replay, expiry, bookmarks, selectors, buffering, closing."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.apiserver.watch import Watcher
from kubeflow_informer.errors import Invalid
from kubeflow_informer.selectors import LabelSelector

from .conftest import configmap, modified, pod

pytestmark = pytest.mark.timeout(10)


async def events(watcher: Watcher, count: int) -> list[dict[str, Any]]:
    """Read exactly ``count`` events (lines may arrive batched in one item)."""
    out: list[dict[str, Any]] = []
    buffer = b""
    async for chunk in watcher:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        out += [orjson.loads(line) for line in lines]
        if len(out) >= count:
            break
    assert buffer == b""
    return out


def kinds(evts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in evts]


async def test_unset_resource_version_sends_current_state_then_changes(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(configmaps)
    storage.create(configmaps, configmap("b"), namespace="default")
    storage.delete(configmaps, "default", "a")
    assert kinds(await events(watcher, 3)) == [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]


async def test_resource_version_zero_also_sends_current_state(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(configmaps, resource_version="0")
    assert kinds(await events(watcher, 1)) == [("ADDED", "a")]


async def test_event_lines_are_the_stored_bytes(storage: Storage, configmaps: ResourceInfo) -> None:
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    stored = storage.create(configmaps, configmap("a"), namespace="default")
    chunk = await watcher.__anext__()
    assert chunk == b'{"type":"ADDED","object":' + stored.raw + b"}\n"


async def test_specific_resource_version_replays_later_changes(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    start = storage.resource_version
    storage.update(configmaps, configmap("a", k="v"), namespace="default", name="a")
    storage.create(configmaps, configmap("b"), namespace="default")
    watcher = storage.watch(configmaps, resource_version=str(start))
    evts = await events(watcher, 2)
    assert kinds(evts) == [("MODIFIED", "a"), ("ADDED", "b")]
    assert evts[0]["object"]["data"] == {"k": "v"}


async def test_resource_version_ahead_of_the_storage_gets_only_newer_changes(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    ahead = storage.resource_version + 2
    watcher = storage.watch(configmaps, resource_version=str(ahead))
    assert storage.hub.count() == 1
    for name in ("a", "b", "c", "d"):
        storage.create(configmaps, configmap(name), namespace="default")
    evts = await events(watcher, 2)
    assert kinds(evts) == [("ADDED", "c"), ("ADDED", "d")]
    assert [int(e["object"]["metadata"]["resourceVersion"]) for e in evts] == [ahead + 1, ahead + 2]


async def test_watch_ahead_of_the_storage_that_is_closed_is_forgotten(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version + 5))
    watcher.close()
    assert storage.hub.count() == 0
    assert not storage.hub.has_watchers(configmaps.group_resource)


def _create_a_and_b_then_compact(storage: Storage, configmaps: ResourceInfo) -> int:
    """The resourceVersion of ``a``, written just before ``b`` and the compaction."""
    storage.create(configmaps, configmap("a"), namespace="default")
    a_rv = storage.resource_version
    storage.create(configmaps, configmap("b"), namespace="default")
    storage.compact()  # as etcd at revision R: the change at R stays watchable
    return a_rv


async def test_too_old_resource_version_is_an_error_event(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    old = _create_a_and_b_then_compact(storage, configmaps)
    watcher = storage.watch(configmaps, resource_version=str(old - 1))
    chunks = [chunk async for chunk in watcher]
    assert len(chunks) == 1
    event = orjson.loads(chunks[0])
    assert event["type"] == "ERROR"
    assert event["object"] == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        # the cacher's wording: the lowest resourceVersion a watch may start from
        "message": f"too old resource version: {old - 1} ({storage.resource_version - 1})",
        "reason": "Expired",
        "code": 410,
    }


async def test_after_compaction_a_watch_from_the_previous_revision_gets_the_last_change(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    before_last = _create_a_and_b_then_compact(storage, configmaps)
    watcher = storage.watch(configmaps, resource_version=str(before_last))
    first = orjson.loads(await anext(aiter(watcher)))
    watcher.close()
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "b")


async def test_deleted_event_carries_the_deletion_resource_version(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    storage.delete(configmaps, "default", "a")
    (event,) = await events(watcher, 1)
    assert event["object"]["metadata"]["resourceVersion"] == str(storage.resource_version)


async def test_send_initial_events_ends_with_an_annotated_bookmark(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(
        configmaps,
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_bookmarks=True,
    )
    evts = await events(watcher, 2)
    assert evts[0]["type"] == "ADDED"
    assert evts[1] == {
        "type": "BOOKMARK",
        "object": {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {
                "resourceVersion": str(storage.resource_version),
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        },
    }


async def test_send_initial_events_requires_not_older_than(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(Invalid):
        storage.watch(configmaps, send_initial_events=True, allow_bookmarks=True)


async def test_send_initial_events_without_bookmarks_is_valid_and_sends_no_end_bookmark(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(
        configmaps, send_initial_events=True, resource_version_match="NotOlderThan"
    )
    storage.create(configmaps, configmap("b"), namespace="default")
    assert kinds(await events(watcher, 2)) == [("ADDED", "a"), ("ADDED", "b")]


async def test_send_initial_events_error_names_resource_version_match_as_forbidden(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(Invalid) as caught:
        storage.watch(configmaps, send_initial_events=True, allow_bookmarks=True)
    (cause,) = caught.value.status_object["details"]["causes"]
    assert cause == {
        "reason": "FieldValueForbidden",
        "field": "resourceVersionMatch",
        "message": "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
        "NotOlderThan",
    }


async def test_watch_takes_only_not_older_than_as_resource_version_match(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(Invalid) as caught:
        storage.watch(configmaps, send_initial_events=False, resource_version_match="Exact")
    causes = caught.value.status_object["details"]["causes"]
    assert [(c["reason"], c["field"]) for c in causes] == [
        ("FieldValueForbidden", "resourceVersionMatch"),
        ("FieldValueNotSupported", "resourceVersionMatch"),
    ]
    assert causes[1]["message"] == 'Unsupported value: "Exact": supported values: "NotOlderThan"'


async def test_send_initial_events_false_starts_from_now(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(
        configmaps,
        send_initial_events=False,
        resource_version_match="NotOlderThan",
        allow_bookmarks=True,
    )
    storage.create(configmaps, configmap("b"), namespace="default")
    assert kinds(await events(watcher, 1)) == [("ADDED", "b")]


async def test_periodic_bookmark_carries_the_current_resource_version(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    watcher = storage.watch(
        configmaps,
        resource_version=str(storage.resource_version),
        allow_bookmarks=True,
        bookmark_interval=0.01,
    )
    (event,) = await events(watcher, 1)
    assert event == {
        "type": "BOOKMARK",
        "object": {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": str(storage.resource_version)},
        },
    }


async def test_namespace_watch_sees_only_its_namespace(
    storage: Storage, configmaps: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "other"}}, namespace=None)
    watcher = storage.watch(configmaps, namespace="default", resource_version=None)
    storage.create(configmaps, configmap("x", namespace="other"), namespace="other")
    storage.create(configmaps, configmap("y"), namespace="default")
    assert kinds(await events(watcher, 1)) == [("ADDED", "y")]


async def test_object_that_stops_matching_is_sent_as_deleted_with_old_content(
    storage: Storage, pods: ResourceInfo
) -> None:
    first = storage.create(pods, pod("a", app="web"), namespace="default")
    watcher = storage.watch(
        pods,
        label_selector=LabelSelector.parse("app=web"),
        resource_version=str(storage.resource_version),
    )
    body = modified(first.obj)
    body["metadata"]["labels"] = {"app": "db"}
    changed = storage.update(pods, body, namespace="default", name="a")
    (event,) = await events(watcher, 1)
    assert event["type"] == "DELETED"
    assert event["object"]["metadata"]["labels"] == {"app": "web"}
    assert event["object"]["metadata"]["resourceVersion"] == str(changed.rv)


async def test_object_that_starts_matching_is_sent_as_added(
    storage: Storage, pods: ResourceInfo
) -> None:
    first = storage.create(pods, pod("a", app="db"), namespace="default")
    watcher = storage.watch(
        pods,
        label_selector=LabelSelector.parse("app=web"),
        resource_version=str(storage.resource_version),
    )
    body = modified(first.obj)
    body["metadata"]["labels"] = {"app": "web"}
    storage.update(pods, body, namespace="default", name="a")
    assert kinds(await events(watcher, 1)) == [("ADDED", "a")]


async def test_non_matching_changes_are_not_sent(storage: Storage, pods: ResourceInfo) -> None:
    watcher = storage.watch(pods, label_selector=LabelSelector.parse("app=web"))
    storage.create(pods, pod("other", app="db"), namespace="default")
    storage.create(pods, pod("mine", app="web"), namespace="default")
    assert kinds(await events(watcher, 1)) == [("ADDED", "mine")]


async def test_ready_lines_are_batched_into_one_item(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    for name in ("a", "b", "c"):
        storage.create(configmaps, configmap(name), namespace="default")
    chunk = await watcher.__anext__()
    assert watcher.last_batch_lines == chunk.count(b"\n") == 3


async def test_overflowing_watcher_is_ended_after_its_buffer(
    registry: Any, configmaps: ResourceInfo
) -> None:
    small = Storage(registry, watch_buffer=2)
    watcher = small.watch(configmaps, resource_version=str(small.resource_version))
    for name in ("a", "b", "c", "d"):
        small.create(configmaps, configmap(name), namespace="default")
    chunks = [chunk async for chunk in watcher]
    assert b"".join(chunks).count(b"\n") == 2
    assert watcher.overflowed
    assert small.stats()["watchers"] == 0


async def test_close_ends_the_iteration(storage: Storage, configmaps: ResourceInfo) -> None:
    watcher = storage.watch(configmaps)

    async def consume() -> list[bytes]:
        return [chunk async for chunk in watcher]

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    watcher.close()
    assert await task == []
    assert storage.stats()["watchers"] == 0


async def test_close_all_watchers_ends_every_watch(
    storage: Storage, configmaps: ResourceInfo, pods: ResourceInfo
) -> None:
    watchers = [storage.watch(configmaps), storage.watch(pods, namespace="default")]
    assert storage.stats()["watchers"] == 2
    storage.close_all_watchers()
    for watcher in watchers:
        assert [chunk async for chunk in watcher] == []


async def test_deleting_a_crd_ends_its_watches_after_deleted_events(
    storage: Storage, registry: Any
) -> None:
    from .test_crd import tfjob, tfjob_crd

    crds = registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    storage.create(crds, tfjob_crd(), namespace=None)
    tfjobs = registry.get("kubeflow.org", "v1", "tfjobs")
    storage.create(tfjobs, tfjob(), namespace="default")
    watcher = storage.watch(tfjobs, resource_version=str(storage.resource_version))
    storage.delete(crds, None, "tfjobs.kubeflow.org")
    chunks = [chunk async for chunk in watcher]
    assert [orjson.loads(line)["type"] for line in b"".join(chunks).splitlines()] == ["DELETED"]


async def test_emptying_finalizers_sends_one_deleted_event(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    body = configmap("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    storage.create(configmaps, body, namespace="default")
    deleting = storage.delete(configmaps, "default", "a")
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    release = modified(deleting.obj)
    release["metadata"]["finalizers"] = []
    storage.update(configmaps, release, namespace="default", name="a")
    storage.create(configmaps, configmap("b"), namespace="default")
    assert kinds(await events(watcher, 2)) == [("DELETED", "a"), ("ADDED", "b")]


async def test_watch_of_all_namespaces_sees_every_namespace(
    storage: Storage, configmaps: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "other"}}, namespace=None)
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    storage.create(configmaps, configmap("x", namespace="other"), namespace="other")
    storage.create(configmaps, configmap("y"), namespace="default")
    assert kinds(await events(watcher, 2)) == [("ADDED", "x"), ("ADDED", "y")]
