"""Property-style checks over seeded random sequences of writes."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import NotFound

from .conftest import configmap

pytestmark = pytest.mark.timeout(30)


def _random_write(storage: Storage, cms: ResourceInfo, rng: random.Random) -> None:
    name = f"cm-{rng.randrange(30):02d}"
    action = rng.random()
    try:
        current = storage.get(cms, "default", name)
    except NotFound:
        storage.create(cms, configmap(name, v=str(rng.random())), namespace="default")
        return
    if action < 0.6:
        body = dict(current.obj)
        body["data"] = {"v": str(rng.random())}
        storage.update(cms, body, namespace="default", name=name)
    else:
        storage.delete(cms, "default", name)


def _setup(seed: int) -> tuple[Storage, ResourceInfo, random.Random]:
    registry = default_registry()
    storage = Storage(registry, seed=seed)
    cms = registry.get("", "v1", "configmaps")
    assert cms is not None
    return storage, cms, random.Random(seed)


@pytest.mark.parametrize("seed", range(5))
async def test_watch_from_a_resource_version_replays_exactly_the_later_changes(seed: int) -> None:
    storage, cms, rng = _setup(seed)
    for _ in range(60):
        _random_write(storage, cms, rng)
    start = storage.resource_version
    # record what a live watcher from `start` sees
    live = storage.watch(cms, resource_version=str(start))
    expected: list[tuple[str, str, str]] = []
    for _ in range(120):
        before = storage.resource_version
        _random_write(storage, cms, rng)
        for event in storage.history.after(before):
            expected.append(
                (event.type, event.new.key, event.new.obj["metadata"]["resourceVersion"])
            )
    replay = storage.watch(cms, resource_version=str(start))
    for watcher in (live, replay):
        seen: list[tuple[str, str, str]] = []
        while len(seen) < len(expected):
            chunk = await watcher.__anext__()
            for line in chunk.splitlines():
                event = orjson.loads(line)
                meta = event["object"]["metadata"]
                seen.append(
                    (event["type"], f"{meta['namespace']}/{meta['name']}", meta["resourceVersion"])
                )
        assert seen == expected
        watcher.close()


def _full_state(storage: Storage, cms: ResourceInfo, rv: int) -> list[tuple[str, Any]]:
    result = storage.list(cms, resource_version=str(rv), resource_version_match="Exact")
    return [(s.key, s.obj["data"]) for s in result.items]


@pytest.mark.parametrize("seed", range(5))
def test_paginated_list_equals_a_full_list_at_the_same_snapshot(seed: int) -> None:
    storage, cms, rng = _setup(seed)
    for _ in range(80):
        _random_write(storage, cms, rng)
    first = storage.list(cms, limit=4)
    snapshot = first.resource_version
    pages = [(s.key, s.obj["data"]) for s in first.items]
    token = first.continue_token
    while token is not None:
        for _ in range(rng.randrange(6)):
            _random_write(storage, cms, rng)
        page = storage.list(cms, limit=4, continue_token=token)
        assert page.resource_version == snapshot
        pages += [(s.key, s.obj["data"]) for s in page.items]
        token = page.continue_token
    assert pages == _full_state(storage, cms, snapshot)


@pytest.mark.parametrize("seed", range(3))
def test_exact_list_matches_the_state_recorded_at_that_time(seed: int) -> None:
    storage, cms, rng = _setup(seed)
    recorded: dict[int, list[tuple[str, Any]]] = {}
    for step in range(100):
        _random_write(storage, cms, rng)
        if step % 10 == 0:
            recorded[storage.resource_version] = [
                (s.key, s.obj["data"]) for s in storage.list(cms).items
            ]
    for rv, state in recorded.items():
        assert _full_state(storage, cms, rv) == state


@pytest.mark.parametrize("seed", range(3))
def test_remaining_item_count_counts_the_rest_of_the_snapshot(seed: int) -> None:
    storage, cms, rng = _setup(seed)
    for _ in range(80):
        _random_write(storage, cms, rng)
    first = storage.list(cms, limit=3)
    total = len(storage.list(cms).items)
    for _ in range(10):
        _random_write(storage, cms, rng)
    if first.continue_token is None:
        assert total <= 3
        return
    assert first.remaining_item_count == total - 3
    second = storage.list(cms, limit=3, continue_token=first.continue_token)
    if second.continue_token is not None:
        assert second.remaining_item_count == total - 6
