"""Bulk seeding, statistics, and the history window bound."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage

from .conftest import configmap, pod


def test_bulk_load_stores_every_object(storage: Storage, pods: ResourceInfo) -> None:
    count = storage.bulk_load(pods, (pod(f"p{i}") for i in range(50)))
    assert count == 50
    assert storage.stats()["objects"]["pods"] == 50
    assert storage.get(pods, "default", "p7").obj["status"] == {"phase": "Pending"}


async def test_bulk_load_compacts_the_history(storage: Storage, pods: ResourceInfo) -> None:
    before = storage.resource_version
    storage.bulk_load(pods, [pod("a"), pod("b")])
    assert storage.history.compacted_rv == storage.resource_version == before + 2
    chunks = [chunk async for chunk in storage.watch(pods, resource_version=str(before))]
    assert b'"code":410' in b"".join(chunks)


async def test_bulk_load_with_an_open_watch_sends_events(
    storage: Storage, pods: ResourceInfo
) -> None:
    watcher = storage.watch(pods, resource_version=str(storage.resource_version))
    storage.bulk_load(pods, [pod("a"), pod("b")])
    chunk = await watcher.__anext__()
    assert chunk.count(b'"type":"ADDED"') == 2
    watcher.close()


def test_stats_reports_objects_history_and_watchers(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    watcher = storage.watch(configmaps)
    stats = storage.stats()
    assert stats["objects"]["configmaps"] == 1
    assert stats["objects"]["namespaces"] == 4
    assert stats["history"] == 5
    assert stats["watchers"] == 1
    assert stats["resource_version"] == storage.resource_version
    watcher.close()


def test_history_window_is_bounded(configmaps: ResourceInfo) -> None:
    storage = Storage(default_registry(), history_size=5)
    for i in range(20):
        storage.create(configmaps, configmap(f"c{i}"), namespace="default")
    assert len(storage.history) == 5
    assert storage.history.compacted_rv == storage.resource_version - 5


async def test_watch_just_inside_the_window_replays(configmaps: ResourceInfo) -> None:
    storage = Storage(default_registry(), history_size=5)
    for i in range(20):
        storage.create(configmaps, configmap(f"c{i}"), namespace="default")
    watcher = storage.watch(configmaps, resource_version=str(storage.history.compacted_rv))
    chunk = await watcher.__anext__()
    assert chunk.count(b'"type":"ADDED"') == 5
    watcher.close()


@pytest.mark.timeout(60)
def test_one_hundred_thousand_pods_are_listed_in_pages(pods: ResourceInfo) -> None:
    storage = Storage(default_registry())
    storage.bulk_load(pods, (pod(f"p{i:06d}") for i in range(100_000)))
    first = storage.list(pods, limit=500)
    assert first.remaining_item_count == 99_500
    seen, token = len(first.items), first.continue_token
    while token is not None:
        page = storage.list(pods, limit=500, continue_token=token)
        seen += len(page.items)
        token = page.continue_token
    assert seen == 100_000
