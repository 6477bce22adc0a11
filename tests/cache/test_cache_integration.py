"""The informer machinery end to end over HTTP: list, watch, resync, relists, the streaming list.

Tests taking ``apiserver`` run on the embedded and on the real server, each in a namespace of its
own; those taking ``embedded_apiserver`` need the embedded server's fault injection.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import (
    NAMESPACE_INDEX,
    Backoff,
    DeletedFinalStateUnknown,
    FuncHandler,
    ResourceEventHandler,
    SharedIndexInformer,
    SharedInformerFactory,
    strip_managed_fields,
)
from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from tests.custom_resources import CrdFactory
from tests.markers import uncached

from .cache_fakes import eventually
from .proxy import PausableProxy

pytestmark = [pytest.mark.timeout(60), pytest.mark.embedded_apiserver(bookmark_interval=0.2)]


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


def informer(api: ApiClient, namespace: str, **options: Any) -> SharedIndexInformer:
    options.setdefault("manage_gc", False)
    return SharedIndexInformer(api.resource("v1", "pods"), namespace=namespace, **options)


async def server_state(api: ApiClient, namespace: str) -> dict[str, str]:
    listed = await api.resource("v1", "pods").list(namespace=namespace)
    return {
        f"{namespace}/{o['metadata']['name']}": o["metadata"]["resourceVersion"]
        for o in listed["items"]
    }


def cache_state(inf: SharedIndexInformer) -> dict[str, str]:
    return {key: obj["metadata"]["resourceVersion"] for key, obj in inf.indexer._items.items()}


async def converge(api: ApiClient, inf: SharedIndexInformer) -> dict[str, str]:
    assert inf.reflector.namespace is not None
    expected = await server_state(api, inf.reflector.namespace)
    await eventually(lambda: cache_state(inf) == expected, timeout=15)
    return expected


async def random_operations(api: ApiClient, namespace: str, rng: random.Random, count: int,
                            prefix: str) -> None:
    pods = api.resource("v1", "pods")
    live: list[str] = []
    serial = 0
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45 or not live:
            serial += 1
            name = f"{prefix}{serial}"
            await pods.create(pod_body(name, gen="0"), namespace=namespace)
            live.append(name)
        elif roll < 0.8:
            name = rng.choice(live)
            patch = {"metadata": {"labels": {"gen": str(rng.randrange(1000))}}}
            await pods.patch(name, patch, namespace=namespace)
        else:
            name = live.pop(rng.randrange(len(live)))
            await pods.delete(name, namespace=namespace, grace_period_seconds=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_cache_converges_and_handlers_see_final_states_in_order(
    apiserver: ApiServer, apiserver_client: ApiClient, seed: int
) -> None:
    api, ns = apiserver_client, apiserver.namespace
    rng = random.Random(seed)
    await random_operations(api, ns, rng, 30, "early")  # some state before the informer starts
    history = History()
    inf = informer(api, ns)
    inf.add_event_handler(history)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await random_operations(api, ns, rng, 120, "late")
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


async def test_deleting_a_pod_is_seen_as_an_update_marking_it_then_a_delete(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    await pods.create(pod_body("p"), namespace=apiserver.namespace)
    history = History()
    inf = informer(apiserver_client, apiserver.namespace)
    inf.add_event_handler(history)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await pods.delete("p", namespace=apiserver.namespace)
        key = f"{apiserver.namespace}/p"
        await eventually(lambda: history.by_key[key][-1][0] == "delete")
    assert [kind for kind, _ in history.by_key[key]] == ["add", "update", "delete"]


@uncached
async def test_a_watch_resumed_after_a_compaction_relists_with_tombstones_and_updates(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    api, ns = apiserver_client, apiserver.namespace
    pods = api.resource("v1", "pods")
    configmaps = api.resource("v1", "configmaps")
    for name in ("a", "b", "c"):
        await pods.create(pod_body(name), namespace=ns)
    history = History()
    async with PausableProxy(apiserver.config) as proxy, ApiClient(proxy.config) as behind:
        inf = informer(behind, ns, backoff=Backoff(0.01, 0.05))
        inf.add_event_handler(history)
        async with inf:
            assert await inf.wait_for_cache_sync(10)
            await eventually(lambda: inf.reflector.metrics.watches >= 1)
            watching = proxy.connections
            proxy.pause()  # the informer misses what follows
            await pods.delete("a", namespace=ns, grace_period_seconds=0)
            await pods.patch("b", {"metadata": {"labels": {"x": "1"}}}, namespace=ns)
            await configmaps.create({"metadata": {"name": "after"}}, namespace=ns)
            apiserver.compact()  # the missed changes are gone from the storage's history
            proxy.cut()
            proxy.resume()
            expected = await converge(api, inf)
            assert proxy.connections > watching
    assert f"{ns}/a" not in expected
    assert history.by_key[f"{ns}/a"][-1] == ("tombstone", -1)
    assert history.by_key[f"{ns}/b"][-1] == ("update", int(expected[f"{ns}/b"]))
    assert [kind for kind, _ in history.by_key[f"{ns}/c"]] == ["add"]  # unchanged: no event
    assert inf.reflector.metrics.relists_after_gone >= 1


async def test_relist_after_forced_410_emits_tombstones_and_updates(
    api_client: ApiClient, embedded_apiserver: EmbeddedApiServer
) -> None:
    api, server = api_client, embedded_apiserver
    pods = api.resource("v1", "pods")
    for name in ("a", "b", "c"):
        await pods.create(pod_body(name), namespace="default")
    history = History()
    inf = informer(api, "default")
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


async def test_rewatch_after_timeout_loses_nothing_and_relists_nothing(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    inf = informer(apiserver_client, apiserver.namespace, min_watch_timeout=1.0)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        created = 0
        while inf.reflector.metrics.watches < 3:  # at least two server-side timeouts
            created += 1
            await pods.create(pod_body(f"t{created}"), namespace=apiserver.namespace)
            await asyncio.sleep(0.05)
        await converge(apiserver_client, inf)
    assert len(inf.indexer) == created
    assert inf.reflector.metrics.lists == 1


async def test_watch_streams_that_break_are_resumed_without_loss(
    api_client: ApiClient, embedded_apiserver: EmbeddedApiServer
) -> None:
    api, server = api_client, embedded_apiserver
    pods = api.resource("v1", "pods")
    inf = informer(api, "default", backoff=Backoff(0.01, 0.05))
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


async def test_bookmarks_advance_the_resource_version(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    # The real server sends a watcher a bookmark 2 s before its timeout (and every minute): a
    # short watch timeout makes one come quickly.
    inf = informer(apiserver_client, apiserver.namespace, min_watch_timeout=3.0)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        before = int(inf.last_sync_resource_version)
        cm = await apiserver_client.resource("v1", "configmaps").create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            namespace=apiserver.namespace,
        )
        target = int(cm["metadata"]["resourceVersion"])
        await eventually(lambda: int(inf.last_sync_resource_version) >= target, timeout=15)
    assert target > before
    assert inf.reflector.metrics.bookmarks >= 1
    assert len(inf.indexer) == 0


async def test_streaming_list_gives_the_same_cache_as_list_and_watch(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    api, ns = apiserver_client, apiserver.namespace
    pods = api.resource("v1", "pods")
    for i in range(25):
        await pods.create(pod_body(f"s{i}"), namespace=ns)
    streaming = informer(api, ns, use_watch_list=True, page_size=10)
    classic = informer(api, ns, page_size=10)
    async with streaming, classic:
        assert await streaming.wait_for_cache_sync(10)
        assert await classic.wait_for_cache_sync(10)
        await pods.delete("s3", namespace=ns, grace_period_seconds=0)
        await pods.create(pod_body("late"), namespace=ns)
        expected = await converge(api, streaming)
        await converge(api, classic)
    assert cache_state(streaming) == cache_state(classic) == expected
    assert streaming.reflector.metrics.lists == 0  # the server streamed the initial list
    assert classic.reflector.metrics.lists == 1


async def test_a_consistent_relist_reads_every_page(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    for i in range(5):
        await pods.create(pod_body(f"p{i}"), namespace=apiserver.namespace)
    inf = informer(apiserver_client, apiserver.namespace, page_size=2)
    inf.reflector._rv_unavailable = True  # as after a 410: a consistent read, paged
    async with inf:
        assert await inf.wait_for_cache_sync(10)
    assert len(inf.indexer) == 5
    assert inf.reflector.metrics.list_pages == 3


async def test_resync_delivers_every_cached_object_again_as_an_update(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    for name in ("a", "b"):
        await pods.create(pod_body(name), namespace=apiserver.namespace)
    resynced: list[tuple[str, bool]] = []
    handler = FuncHandler(on_update=lambda old, new: resynced.append(
        (new["metadata"]["name"], old is new or old == new)))
    inf = informer(apiserver_client, apiserver.namespace, min_resync_period=0.1)
    inf.add_event_handler(handler, resync_period=0.2)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await eventually(lambda: len(resynced) >= 4, timeout=10)
    assert {name for name, _ in resynced} == {"a", "b"}
    assert all(same for _, same in resynced)  # nothing changed: the same object twice


async def test_a_label_selected_informer_forgets_objects_leaving_the_selection(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    await pods.create(pod_body("a", team="x"), namespace=apiserver.namespace)
    await pods.create(pod_body("b", team="y"), namespace=apiserver.namespace)
    history = History()
    inf = informer(apiserver_client, apiserver.namespace, label_selector="team=x")
    inf.add_event_handler(history)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        assert sorted(inf.indexer.list_keys()) == [f"{apiserver.namespace}/a"]
        await pods.patch("a", {"metadata": {"labels": {"team": "z"}}},
                         namespace=apiserver.namespace)
        await pods.patch("b", {"metadata": {"labels": {"team": "x"}}},
                         namespace=apiserver.namespace)
        await eventually(lambda: sorted(inf.indexer.list_keys()) == [f"{apiserver.namespace}/b"])
    assert [kind for kind, _ in history.by_key[f"{apiserver.namespace}/a"]] == ["add", "delete"]


async def test_an_informer_on_custom_resources_lists_and_watches_them(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    served = await crds()
    tfjobs = served.resource(apiserver_client)
    await tfjobs.create(served.body("first", spec={"workers": 1}), namespace=apiserver.namespace)
    inf = SharedIndexInformer(tfjobs, namespace=apiserver.namespace, manage_gc=False)
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await tfjobs.create(served.body("second", spec={"workers": 2}),
                            namespace=apiserver.namespace)
        await tfjobs.delete("first", namespace=apiserver.namespace)
        await eventually(lambda: inf.indexer.list_keys() == [f"{apiserver.namespace}/second"])
    assert inf.indexer.list()[0]["spec"] == {"workers": 2}


async def test_slow_and_failing_handlers_do_not_delay_another(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    release = asyncio.Event()

    async def stuck(obj: dict[str, Any], is_initial_list: bool) -> None:
        await release.wait()

    def broken(obj: dict[str, Any], is_initial_list: bool) -> None:
        raise ValueError("broken handler")

    fast = History()
    inf = informer(apiserver_client, apiserver.namespace)
    slow_reg = inf.add_event_handler(FuncHandler(on_add=stuck))
    bad_reg = inf.add_event_handler(FuncHandler(on_add=broken))
    inf.add_event_handler(fast)
    pods = apiserver_client.resource("v1", "pods")
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        for i in range(10):
            await pods.create(pod_body(f"h{i}"), namespace=apiserver.namespace)
        await eventually(lambda: fast.count == 10)
        assert slow_reg.pending == 9  # still holding the first one
        assert bad_reg.errors == 10
        release.set()
        await eventually(lambda: slow_reg.pending == 0)


async def test_factory_shares_one_informer_per_resource(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    pods = apiserver_client.resource("v1", "pods")
    await pods.create(pod_body("f1", app="web"), namespace=ns)
    factory = SharedInformerFactory(apiserver_client, namespace=ns, manage_gc=False)
    first = factory.informer_for("v1", "pods")
    assert factory.informer_for("v1", "pods") is first
    assert factory.informer_for("v1", "pods", namespace=f"{ns}-other") is not first
    namespaces = factory.informer_for("v1", "namespaces", namespaced=False)
    lister = factory.lister_for("v1", "pods")
    async with factory:
        assert await factory.wait_for_cache_sync(10)
        assert lister.get(ns, "f1") is not None
        assert [o["metadata"]["name"] for o in lister.list(label_selector="app=web")] == ["f1"]
        assert namespaces.has_synced
    assert all(inf._stopped for inf in factory.informers)


async def test_a_custom_index_finds_cached_objects_by_label(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    for name, app in (("a", "web"), ("b", "db"), ("c", "web")):
        await pods.create(pod_body(name, app=app), namespace=apiserver.namespace)

    def by_app(obj: dict[str, Any]) -> list[str]:
        return [obj["metadata"].get("labels", {}).get("app", "")]

    inf = informer(apiserver_client, apiserver.namespace, indexers={"app": by_app})
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await pods.patch("b", {"metadata": {"labels": {"app": "web"}}},
                         namespace=apiserver.namespace)
        await eventually(lambda: len(inf.indexer.by_index("app", "web")) == 3)
        assert inf.indexer.by_index("app", "db") == []
        in_namespace = inf.indexer.by_index(NAMESPACE_INDEX, apiserver.namespace)
    assert sorted(o["metadata"]["name"] for o in in_namespace) == ["a", "b", "c"]


async def test_a_transform_shapes_what_the_cache_and_the_handlers_hold(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    created = await pods.create(pod_body("a"), namespace=apiserver.namespace)
    assert created["metadata"]["managedFields"]  # both servers record field ownership
    seen: list[dict[str, Any]] = []
    inf = informer(apiserver_client, apiserver.namespace, transform=strip_managed_fields)
    inf.add_event_handler(FuncHandler(on_add=lambda obj, initial: seen.append(obj),
                                      on_update=lambda old, new: seen.append(new)))
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        await pods.patch("a", {"metadata": {"labels": {"x": "1"}}}, namespace=apiserver.namespace)
        await eventually(lambda: len(seen) == 2)
    assert all("managedFields" not in obj["metadata"] for obj in [*seen, *inf.indexer.list()])


async def test_a_cluster_scoped_informer_follows_the_selected_namespaces(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    namespaces = apiserver_client.resource("v1", "namespaces", namespaced=False)
    selector = f"informer-test={apiserver.namespace}"  # cluster-scoped: labels of the test's own
    inf = SharedIndexInformer(namespaces, label_selector=selector, manage_gc=False)
    names = [f"{apiserver.namespace}-{suffix}" for suffix in ("x", "y")]
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        assert inf.indexer.list_keys() == []
        try:
            for name in names:
                await namespaces.create({"metadata": {"name": name, "labels": {
                    "informer-test": apiserver.namespace}}})
            await eventually(lambda: sorted(inf.indexer.list_keys()) == names)
            cached = inf.indexer.get_by_key(names[0])
        finally:
            for name in names:
                await namespaces.delete(name)
    assert cached is not None and cached["status"]["phase"] == "Active"
    assert cached["metadata"]["labels"]["kubernetes.io/metadata.name"] == names[0]


async def test_a_field_selected_informer_caches_only_the_pods_of_one_node(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    for name, node in (("a", "node-1"), ("b", "node-2"), ("c", "node-1")):
        body = pod_body(name)
        body["spec"]["nodeName"] = node
        await pods.create(body, namespace=apiserver.namespace)
    inf = informer(apiserver_client, apiserver.namespace, field_selector="spec.nodeName=node-1")
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        keys = sorted(inf.indexer.list_keys())
    assert keys == [f"{apiserver.namespace}/a", f"{apiserver.namespace}/c"]


async def test_a_handler_added_after_the_sync_gets_the_cache_as_initial_adds(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = apiserver_client.resource("v1", "pods")
    for name in ("a", "b"):
        await pods.create(pod_body(name), namespace=apiserver.namespace)
    inf = informer(apiserver_client, apiserver.namespace)
    late: list[tuple[str, bool]] = []
    async with inf:
        assert await inf.wait_for_cache_sync(10)
        inf.add_event_handler(FuncHandler(
            on_add=lambda obj, initial: late.append((obj["metadata"]["name"], initial))))
        await pods.create(pod_body("c"), namespace=apiserver.namespace)
        await eventually(lambda: len(late) == 3)
    assert sorted(late) == [("a", True), ("b", True), ("c", False)]
