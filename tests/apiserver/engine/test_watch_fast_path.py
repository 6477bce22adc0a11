"""The live path's shortcuts keep every watch semantic: line counts, shared lines, key reuse."""

from __future__ import annotations

import orjson
import pytest

from kubeflow_informer.apiserver.faults import Faults
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.apiserver.stored import StoredObject, event_line, event_parts
from kubeflow_informer.selectors import LabelSelector

from .conftest import configmap, modified, owner_ref, pod

pytestmark = pytest.mark.timeout(10)


async def test_last_batch_lines_counts_the_lines_of_an_initial_batch(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    for name in ("a", "b"):
        storage.create(configmaps, configmap(name), namespace="default")
    watcher = storage.watch(configmaps)
    chunk = await watcher.__anext__()
    assert watcher.last_batch_lines == chunk.count(b"\n") == 2


async def test_queued_counts_lines_not_their_pieces(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    for name in ("a", "b"):
        storage.create(configmaps, configmap(name), namespace="default")
    assert (watcher.queued, storage.hub.queued()) == (2, 2)
    await watcher.__anext__()
    assert (watcher.queued, storage.hub.queued()) == (0, 0)


async def test_a_live_line_is_the_event_type_around_the_stored_bytes(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    watcher = storage.watch(configmaps, resource_version=str(storage.resource_version))
    stored = storage.create(configmaps, configmap("a"), namespace="default")
    assert await watcher.__anext__() == event_line("ADDED", stored.raw)
    assert b"".join(event_parts("ADDED", stored.raw)) == event_line("ADDED", stored.raw)


async def test_plain_and_selector_watchers_each_see_their_own_view_of_one_change(
    storage: Storage, pods: ResourceInfo
) -> None:
    first = storage.create(pods, pod("a", app="web"), namespace="default")
    since = str(storage.resource_version)
    selected = storage.watch(pods, label_selector=LabelSelector.parse("app=web"),
                             resource_version=since)
    plain = storage.watch(pods, resource_version=since)
    body = modified(first.obj)
    body["metadata"]["labels"] = {"app": "db"}
    storage.update(pods, body, namespace="default", name="a")
    seen_plain = orjson.loads(await plain.__anext__())
    seen_selected = orjson.loads(await selected.__anext__())
    assert (seen_plain["type"], seen_plain["object"]["metadata"]["labels"]) == (
        "MODIFIED", {"app": "db"})
    assert (seen_selected["type"], seen_selected["object"]["metadata"]["labels"]) == (
        "DELETED", {"app": "web"})


def test_a_new_version_takes_its_key_from_the_previous_one_of_the_same_object() -> None:
    before = StoredObject({"metadata": {"name": "a", "namespace": "ns"}}, 2)
    after = StoredObject({"metadata": {"name": "a", "namespace": "ns"}}, 3, previous=before)
    assert after.key is before.key


def test_a_previous_version_of_another_object_does_not_lend_its_key() -> None:
    other = StoredObject({"metadata": {"name": "a", "namespace": "ns"}}, 2)
    moved = StoredObject({"metadata": {"name": "a", "namespace": "elsewhere"}}, 3, previous=other)
    assert (moved.key, moved.namespace) == ("elsewhere/a", "elsewhere")


def test_an_update_that_adds_an_owner_after_plain_updates_is_collected_with_it(
    storage: Storage, pods: ResourceInfo, configmaps: ResourceInfo
) -> None:
    owner = storage.create(configmaps, configmap("owner"), namespace="default").obj
    current = storage.create(pods, pod("p"), namespace="default").obj
    for value in ("1", "2"):  # updates that keep the (absent) owners: the indexes' fast path
        body = modified(current)
        body["metadata"]["annotations"] = {"n": value}
        current = storage.update(pods, body, namespace="default", name="p").obj
    body = modified(current)
    body["metadata"]["ownerReferences"] = [owner_ref(owner)]
    storage.update(pods, body, namespace="default", name="p")
    storage.delete(configmaps, "default", "owner")
    assert storage.stats()["objects"].get("pods", 0) == 0


def test_an_unarmed_stream_counts_the_lines_its_caller_gives_without_scanning() -> None:
    stream = Faults(seed=1).watch_stream()
    batch = b'{"a":1}\n{"b":2}\n'
    assert stream.plan(batch, 2) == (batch, None)
    assert stream.plan(batch) == (batch, None)  # no count given: the newlines are counted
    assert stream.sent == 4


def test_a_fault_armed_mid_stream_fires_after_its_own_event_count() -> None:
    faults = Faults(seed=1)
    stream = faults.watch_stream()
    stream.plan(b"x\n" * 3, 3)
    faults.close_watches_after(1)
    assert stream.plan(b"y\nz\n", 2) == (b"y\n", "close")
