from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from kubeflow_informer.cache import (
    DeletedFinalStateUnknown,
    FuncHandler,
    ResourceEventHandler,
    SharedIndexInformer,
    strip_managed_fields,
)
from kubeflow_informer.errors import Expired, InternalError

from .cache_fakes import FakeListerWatcher, eventually, pod

pytestmark = pytest.mark.timeout(20)


class Recorder(ResourceEventHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any, Any]] = []

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> None:
        self.events.append(("add", obj["metadata"]["name"], is_initial_list))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"], old is new))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("delete", obj.key, "tombstone"))
        else:
            self.events.append(("delete", obj["metadata"]["name"], "object"))


@pytest.fixture
def lw() -> FakeListerWatcher:
    fake = FakeListerWatcher()
    for i in range(3):
        fake.create(pod(f"p{i}", app="web"))
    return fake


def informer(lw: FakeListerWatcher, **options: Any) -> SharedIndexInformer:
    options.setdefault("manage_gc", False)
    return SharedIndexInformer(lw, **options)


async def test_initial_list_is_delivered_as_initial_adds(lw: FakeListerWatcher) -> None:
    rec = Recorder()
    inf = informer(lw)
    reg = inf.add_event_handler(rec)
    async with inf:
        assert await inf.wait_for_cache_sync(5)
        await eventually(lambda: reg.has_synced)
    assert sorted(rec.events) == [("add", f"p{i}", True) for i in range(3)]


async def test_watch_changes_update_the_cache_before_handlers_see_them(
    lw: FakeListerWatcher,
) -> None:
    seen_in_cache: list[bool] = []
    inf = informer(lw)

    def on_update(old: dict[str, Any], new: dict[str, Any]) -> None:
        cached = inf.lister().get("default", new["metadata"]["name"])
        seen_in_cache.append(cached is new)

    rec = Recorder()
    inf.add_event_handler(rec)
    inf.add_event_handler(FuncHandler(on_update=on_update))
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        lw.create(pod("new"))
        lw.update(lw.objects["default/p0"])
        lw.delete("default/p1")
        await eventually(lambda: len(rec.events) == 6)
        assert inf.lister().get("default", "p1") is None
        assert inf.lister().get("default", "new") is not None
    assert rec.events[3:] == [
        ("add", "new", False),
        ("update", "p0", False),
        ("delete", "p1", "object"),
    ]
    assert seen_in_cache == [True]


async def test_relist_after_gone_emits_tombstones_and_updates(lw: FakeListerWatcher) -> None:
    rec = Recorder()
    inf = informer(lw)
    inf.add_event_handler(rec)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        lw.silently_delete("default/p1")
        changed = dict(lw.objects["default/p2"])
        lw.rv += 1
        changed["metadata"] = {**changed["metadata"], "resourceVersion": str(lw.rv)}
        lw.objects["default/p2"] = changed
        lw.compact()
        lw.fail_watches(Expired(410, "Expired", "too old resource version"))
        await eventually(lambda: len(rec.events) == 5)
    # p0 did not change: a relist of an unchanged object is a resync nobody asked for.
    assert sorted(rec.events[3:]) == [
        ("delete", "default/p1", "tombstone"),
        ("update", "p2", False),
    ]


async def test_handler_added_after_sync_gets_the_current_cache(lw: FakeListerWatcher) -> None:
    inf = informer(lw)
    async with inf:
        await inf.wait_for_cache_sync(5)
        late = Recorder()
        reg = inf.add_event_handler(late)
        await eventually(lambda: reg.has_synced)
        assert sorted(late.events) == [("add", f"p{i}", True) for i in range(3)]


async def test_registration_is_not_synced_until_its_handler_got_the_initial_list(
    lw: FakeListerWatcher,
) -> None:
    gate = asyncio.Event()

    async def slow_add(obj: dict[str, Any], is_initial_list: bool) -> None:
        await gate.wait()

    inf = informer(lw)
    reg = inf.add_event_handler(FuncHandler(on_add=slow_add))
    async with inf:
        await inf.wait_for_cache_sync(5)
        assert inf.has_synced and not reg.has_synced
        gate.set()
        await eventually(lambda: reg.has_synced)


async def test_removed_handler_gets_nothing_more(lw: FakeListerWatcher) -> None:
    rec, other = Recorder(), Recorder()
    inf = informer(lw)
    reg = inf.add_event_handler(rec)
    inf.add_event_handler(other)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await eventually(lambda: len(rec.events) == 3)
        reg.remove()
        lw.create(pod("after"))
        await eventually(lambda: len(other.events) == 4)
    assert len(rec.events) == 3


async def test_a_slow_handler_does_not_delay_another(lw: FakeListerWatcher) -> None:
    release = asyncio.Event()

    async def stuck(obj: dict[str, Any], is_initial_list: bool) -> None:
        await release.wait()

    fast = Recorder()
    inf = informer(lw)
    inf.add_event_handler(FuncHandler(on_add=stuck))
    inf.add_event_handler(fast)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        lw.create(pod("new"))
        await eventually(lambda: len(fast.events) == 4)
        release.set()


async def test_a_failing_handler_is_logged_counted_and_isolated(
    lw: FakeListerWatcher, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(obj: dict[str, Any], is_initial_list: bool) -> None:
        raise RuntimeError("handler bug")

    ok = Recorder()
    inf = informer(lw)
    bad = inf.add_event_handler(FuncHandler(on_add=boom))
    inf.add_event_handler(ok)
    with caplog.at_level(logging.ERROR):
        async with inf:
            await inf.wait_for_cache_sync(5)
            await eventually(lambda: bad.errors == 3 and len(ok.events) == 3)
            assert bad.has_synced  # a failed delivery still counts as delivered
    assert "handler bug" in caplog.text


async def test_resync_is_delivered_as_update_with_the_same_object(lw: FakeListerWatcher) -> None:
    rec = Recorder()
    inf = informer(lw, min_resync_period=0.01)
    inf.add_event_handler(rec, resync_period=0.02)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await eventually(lambda: any(e[0] == "update" for e in rec.events))
    assert all(e[2] is True for e in rec.events if e[0] == "update")


async def test_resync_goes_only_to_handlers_whose_period_is_due(lw: FakeListerWatcher) -> None:
    syncing, quiet = Recorder(), Recorder()
    inf = informer(lw, min_resync_period=0.01)
    inf.add_event_handler(syncing, resync_period=0.02)
    inf.add_event_handler(quiet, resync_period=0)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await eventually(lambda: sum(e[0] == "update" for e in syncing.events) >= 6)
    assert [e[0] for e in quiet.events] == ["add"] * 3


async def test_transform_strips_managed_fields_before_caching(lw: FakeListerWatcher) -> None:
    obj = pod("managed")
    obj["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    lw.create(obj)
    inf = informer(lw, transform=strip_managed_fields)
    async with inf:
        await inf.wait_for_cache_sync(5)
        cached = inf.lister().get("default", "managed")
    assert cached is not None and "managedFields" not in cached["metadata"]


async def test_lister_filters_by_namespace_and_labels(lw: FakeListerWatcher) -> None:
    lw.create(pod("other", "ns2", app="db"))
    inf = informer(lw)
    async with inf:
        await inf.wait_for_cache_sync(5)
        lister = inf.lister()
        assert len(lister.list()) == 4
        assert [o["metadata"]["name"] for o in lister.list("ns2")] == ["other"]
        assert len(lister.list(label_selector="app=web")) == 3
        assert lister.list("default", label_selector={"app": "db"}) == []
        assert lister.get("ns2", "other") is not None


async def test_wait_for_cache_sync_gives_up_after_the_timeout() -> None:
    lw = FakeListerWatcher()
    lw.list_errors.extend(InternalError(500, "InternalError", "down") for _ in range(1000))
    inf = informer(lw)
    async with inf:
        assert await inf.wait_for_cache_sync(0.05) is False


async def test_stop_cancels_and_awaits_every_task(lw: FakeListerWatcher) -> None:
    inf = informer(lw)
    inf.add_event_handler(Recorder())
    before = asyncio.all_tasks()
    await inf.start()
    await inf.wait_for_cache_sync(5)
    started = asyncio.all_tasks() - before
    assert len(started) == 4  # reflector, processing, resync, one handler
    await inf.stop()
    assert all(task.done() for task in started)


async def test_a_stopped_informer_takes_no_handlers_and_cannot_restart(
    lw: FakeListerWatcher,
) -> None:
    inf = informer(lw)
    async with inf:
        pass
    with pytest.raises(RuntimeError):
        inf.add_event_handler(Recorder())
    with pytest.raises(RuntimeError):
        await inf.start()


async def test_run_task_stops_everything_when_cancelled(lw: FakeListerWatcher) -> None:
    inf = informer(lw)
    task = asyncio.create_task(inf.run())
    assert await inf.wait_for_cache_sync(5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert inf._tasks == set()


async def test_custom_indexers_are_queryable(lw: FakeListerWatcher) -> None:
    inf = informer(lw, indexers={"app": lambda o: [o["metadata"]["labels"].get("app", "")]})
    async with inf:
        await inf.wait_for_cache_sync(5)
        assert len(inf.indexer.by_index("app", "web")) == 3
        inf.add_indexers({"node": lambda o: [o["spec"]["nodeName"]]})
        assert len(inf.indexer.by_index("node", "node-1")) == 3


async def test_async_and_sync_handlers_see_a_burst_in_order(lw: FakeListerWatcher) -> None:
    # Sync handlers are called inline when idle, async ones hand their coroutine to their task;
    # either way every handler sees every change, in order.
    seen_async: list[str] = []
    seen_sync: list[str] = []

    async def slow(old: dict[str, Any], new: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        seen_async.append(new["metadata"]["resourceVersion"])

    def fast(old: dict[str, Any], new: dict[str, Any]) -> None:
        seen_sync.append(new["metadata"]["resourceVersion"])

    inf = informer(lw)
    slow_reg = inf.add_event_handler(FuncHandler(on_update=slow))
    inf.add_event_handler(FuncHandler(on_update=fast))
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        expected = []
        for round_ in range(20):
            for i in range(3):
                expected.append(
                    lw.update(lw.objects[f"default/p{i}"])["metadata"]["resourceVersion"]
                )
            if round_ % 5 == 0:
                await asyncio.sleep(0)  # let some go inline, some queue behind the async ones
        await eventually(lambda: len(seen_async) == 60 and len(seen_sync) == 60)
        assert slow_reg.pending == 0
    assert seen_sync == expected
    assert seen_async == expected


async def test_a_handler_added_by_a_handler_gets_each_object_once(lw: FakeListerWatcher) -> None:
    late = Recorder()
    inf = informer(lw)

    def on_add(obj: dict[str, Any], is_initial_list: bool) -> None:
        if obj["metadata"]["name"] == "trigger":
            inf.add_event_handler(late)

    inf.add_event_handler(FuncHandler(on_add=on_add))
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        lw.create(pod("trigger"))
        lw.create(pod("after"))
        await eventually(lambda: len(late.events) == 5)
        await asyncio.sleep(0.05)
    assert sorted(late.events) == [
        ("add", "after", False),
        *[("add", name, True) for name in ("p0", "p1", "p2", "trigger")],
    ]


async def test_an_index_function_that_raises_leaves_the_object_cached_and_out_of_the_index(
    lw: FakeListerWatcher, caplog: pytest.LogCaptureFixture
) -> None:
    def by_team(obj: dict[str, Any]) -> list[str]:
        return [obj["metadata"]["labels"]["team"]]  # KeyError for pods without a team

    rec = Recorder()
    inf = informer(lw, indexers={"team": by_team})
    inf.add_event_handler(rec)
    with caplog.at_level(logging.ERROR):
        async with inf:
            await inf.wait_for_cache_sync(5)
            await lw.wait_for_watch()
            lw.create(pod("teamed", team="blue"))
            lw.update(pod("p0", team="red"))
            await eventually(lambda: len(rec.events) == 5)
            assert inf.indexer.index_keys("team", "blue") == ["default/teamed"]
            assert inf.indexer.index_keys("team", "red") == ["default/p0"]
            lw.update(pod("p0"))  # loses its team: leaves the index
            lw.create(pod("later"))
            await eventually(lambda: len(rec.events) == 7)
            assert inf.indexer.list_index_values("team") == ["blue"]
            assert len(inf.lister().list()) == 5
    assert "index function 'team' failed on default/p1" in caplog.text


async def test_a_sync_handler_raising_cancelled_error_does_not_stop_the_informer(
    lw: FakeListerWatcher,
) -> None:
    def cancelled(old: dict[str, Any], new: dict[str, Any]) -> None:
        raise asyncio.CancelledError

    rec = Recorder()
    inf = informer(lw)
    bad = inf.add_event_handler(FuncHandler(on_update=cancelled))
    inf.add_event_handler(rec)
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        lw.update(lw.objects["default/p0"])
        await eventually(lambda: bad.errors == 1)
        lw.update(lw.objects["default/p1"])
        await eventually(lambda: bad.errors == 2 and len(rec.events) == 5)


async def test_a_handler_removed_by_a_handler_gets_nothing_more_even_mid_dispatch(
    lw: FakeListerWatcher,
) -> None:
    victim = Recorder()
    inf = informer(lw)
    registrations: list[Any] = []

    def remover(old: dict[str, Any], new: dict[str, Any]) -> None:
        registrations[0].remove()

    inf.add_event_handler(FuncHandler(on_update=remover))
    registrations.append(inf.add_event_handler(victim))
    async with inf:
        await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        await eventually(lambda: len(victim.events) == 3)
        lw.update(lw.objects["default/p0"])
        await asyncio.sleep(0.05)
    assert [e[0] for e in victim.events] == ["add", "add", "add"]
