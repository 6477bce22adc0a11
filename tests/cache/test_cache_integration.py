"""The informer machinery against the embedded API server, over real HTTP."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import (
    Backoff,
    DeletedFinalStateUnknown,
    FuncHandler,
    ResourceEventHandler,
    SharedIndexInformer,
    SharedInformerFactory,
)
from kubeflow_informer.client import ApiClient

from .cache_fakes import eventually

pytestmark = pytest.mark.timeout(60)


def pod_body(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


class History(ResourceEventHandler):
    """Every notification, with the resourceVersion it carried, per key."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[tuple[str, int]]] = {}
        self.count = 0

    def _record(self, kind: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        self.by_key.setdefault(key, []).append((kind, int(meta["resourceVersion"])))
        self.count += 1

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> None:
        self._record("add", obj)

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._record("update", new)

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.by_key.setdefault(obj.key, []).append(("tombstone", -1))
            self.count += 1
        else:
            self._record("delete", obj)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[EmbeddedApiServer]:
    async with EmbeddedApiServer(bookmark_interval=0.2) as srv:
        yield srv


@pytest_asyncio.fixture
async def api(server: EmbeddedApiServer) -> AsyncIterator[ApiClient]:
    async with ApiClient(server.config) as client:
        yield client


def informer(api: ApiClient, **options: Any) -> SharedIndexInformer:
    options.setdefault("manage_gc", False)
    return SharedIndexInformer(api.resource("v1", "pods"), namespace="default", **options)


async def server_state(api: ApiClient) -> dict[str, str]:
    listed = await api.resource("v1", "pods").list(namespace="default")
    return {
        f"default/{o['metadata']['name']}": o["metadata"]["resourceVersion"]
        for o in listed["items"]
    }


def cache_state(inf: SharedIndexInformer) -> dict[str, str]:
    return {key: obj["metadata"]["resourceVersion"] for key, obj in inf.indexer._items.items()}


async def converge(api: ApiClient, inf: SharedIndexInformer) -> dict[str, str]:
    expected = await server_state(api)
    await eventually(lambda: cache_state(inf) == expected, timeout=15)
    return expected


async def random_operations(api: ApiClient, rng: random.Random, count: int, prefix: str) -> None:
    pods = api.resource("v1", "pods")
    live: list[str] = []
    serial = 0
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45 or not live:
            serial += 1
            name = f"{prefix}{serial}"
            await pods.create(pod_body(name, gen="0"), namespace="default")
            live.append(name)
        elif roll < 0.8:
            name = rng.choice(live)
            patch = {"metadata": {"labels": {"gen": str(rng.randrange(1000))}}}
            await pods.patch(name, patch, namespace="default")
        else:
            name = live.pop(rng.randrange(len(live)))
            await pods.delete(name, namespace="default", grace_period_seconds=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_cache_converges_and_handlers_see_final_states_in_order(
    api: ApiClient, server: EmbeddedApiServer, seed: int
) -> None:
    rng = random.Random(seed)
    await random_operations(api, rng, 30, "early")  # some state before the informer starts
    history = History()
    inf = informer(api)
    inf.add_event_handler(history)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await random_operations(api, rng, 120, "late")
        expected = await converge(api, inf)
        await eventually(
            lambda: all(
                history.by_key.get(k, [("", -2)])[-1][1] == int(rv) for k, rv in expected.items()
            ),
            timeout=15,
        )
    for key, seen in history.by_key.items():
        versions = [rv for _, rv in seen]
        assert versions == sorted(versions), key  # resourceVersion order per key
        if key not in expected:
            assert seen[-1][0] == "delete", key  # its deletion reached the handler
    assert inf.reflector.metrics.lists == 1


async def test_relist_after_forced_410_emits_tombstones_and_updates(
    api: ApiClient, server: EmbeddedApiServer
) -> None:
    pods = api.resource("v1", "pods")
    for name in ("a", "b", "c"):
        await pods.create(pod_body(name), namespace="default")
    history = History()
    inf = informer(api)
    inf.add_event_handler(history)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await eventually(lambda: inf.reflector.metrics.bookmarks >= 1)  # the watch is open
        server.faults.silence_watches()  # the informer misses what follows
        await pods.delete("a", namespace="default", grace_period_seconds=0)
        await pods.patch("b", {"metadata": {"labels": {"x": "1"}}}, namespace="default")
        server.faults.reset()
        server.faults.compact()
        await server.restart()
        expected = await converge(api, inf)
    assert "default/a" not in expected
    assert history.by_key["default/a"][-1] == ("tombstone", -1)
    assert history.by_key["default/b"][-1] == ("update", int(expected["default/b"]))
    assert [kind for kind, _ in history.by_key["default/c"]] == ["add"]  # unchanged: no event
    assert inf.reflector.metrics.relists_after_gone >= 1


async def test_rewatch_after_timeout_loses_nothing_and_relists_nothing(api: ApiClient) -> None:
    pods = api.resource("v1", "pods")
    inf = informer(api, min_watch_timeout=1.0)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        created = 0
        while inf.reflector.metrics.watches < 3:  # at least two server-side timeouts
            created += 1
            await pods.create(pod_body(f"t{created}"), namespace="default")
            await asyncio.sleep(0.05)
        await converge(api, inf)
    assert len(inf.indexer) == created
    assert inf.reflector.metrics.lists == 1


async def test_watch_streams_that_break_are_resumed_without_loss(
    api: ApiClient, server: EmbeddedApiServer
) -> None:
    pods = api.resource("v1", "pods")
    inf = informer(api, backoff=Backoff(0.01, 0.05))
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        server.faults.cut_watch_mid_line(after_events=2, times=1)
        server.faults.malformed_line(after_events=2, times=1)
        server.faults.close_watches_after(3, times=1)
        for i in range(20):
            await pods.create(pod_body(f"w{i}"), namespace="default")
        await converge(api, inf)
    assert inf.reflector.metrics.lists == 1
    assert inf.reflector.metrics.watches >= 2


async def test_bookmarks_advance_the_resource_version(api: ApiClient) -> None:
    inf = informer(api)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        before = int(inf.last_sync_resource_version)
        cm = await api.resource("v1", "configmaps").create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            namespace="default",
        )
        target = int(cm["metadata"]["resourceVersion"])
        await eventually(lambda: int(inf.last_sync_resource_version) >= target)
    assert target > before
    assert inf.reflector.metrics.bookmarks >= 1
    assert len(inf.indexer) == 0


async def test_streaming_list_gives_the_same_cache_as_list_and_watch(api: ApiClient) -> None:
    pods = api.resource("v1", "pods")
    for i in range(25):
        await pods.create(pod_body(f"s{i}"), namespace="default")
    streaming = informer(api, use_watch_list=True, page_size=10)
    classic = informer(api, page_size=10)
    async with streaming, classic:
        assert await streaming.wait_for_cache_sync(10)
        assert await classic.wait_for_cache_sync(10)
        await pods.delete("s3", namespace="default", grace_period_seconds=0)
        await pods.create(pod_body("late"), namespace="default")
        expected = await converge(api, streaming)
        await converge(api, classic)
    assert cache_state(streaming) == cache_state(classic) == expected
    assert streaming.reflector.metrics.lists == 0
    assert classic.reflector.metrics.list_pages == 3


async def test_slow_and_failing_handlers_do_not_delay_another(api: ApiClient) -> None:
    release = asyncio.Event()

    async def stuck(obj: dict[str, Any], is_initial_list: bool) -> None:
        await release.wait()

    def broken(obj: dict[str, Any], is_initial_list: bool) -> None:
        raise ValueError("broken handler")

    fast = History()
    inf = informer(api)
    slow_reg = inf.add_event_handler(FuncHandler(on_add=stuck))
    bad_reg = inf.add_event_handler(FuncHandler(on_add=broken))
    inf.add_event_handler(fast)
    pods = api.resource("v1", "pods")
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        for i in range(10):
            await pods.create(pod_body(f"h{i}"), namespace="default")
        await eventually(lambda: fast.count == 10)
        assert slow_reg.pending == 9  # still holding the first one
        assert bad_reg.errors == 10
        release.set()
        await eventually(lambda: slow_reg.pending == 0)


async def test_factory_shares_one_informer_per_resource(api: ApiClient) -> None:
    pods = api.resource("v1", "pods")
    await pods.create(pod_body("f1", app="web"), namespace="default")
    factory = SharedInformerFactory(api, manage_gc=False)
    first = factory.informer_for("v1", "pods")
    assert factory.informer_for("v1", "pods") is first
    assert factory.informer_for("v1", "pods", namespace="other") is not first
    nodes = factory.informer_for("v1", "namespaces", namespaced=False)
    lister = factory.lister_for("v1", "pods")
    async with factory:
        assert await factory.wait_for_cache_sync(10)
        assert lister.get("default", "f1") is not None
        assert [o["metadata"]["name"] for o in lister.list(label_selector="app=web")] == ["f1"]
        assert nodes.has_synced
    assert all(inf._stopped for inf in factory.informers)
