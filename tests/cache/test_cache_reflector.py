from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kubeflow_informer.cache import Backoff, DeltaFIFO, DeltaType, Indexer, Reflector
from kubeflow_informer.cache.reflector import VeryShortWatchError
from kubeflow_informer.errors import Expired, InternalError, TooManyRequests, TransportError

from .cache_fakes import FakeListerWatcher, eventually, pod

pytestmark = pytest.mark.timeout(20)


def fast_backoff() -> Backoff:
    return Backoff(0.001, 0.002, jitter=0.0)


class RecordingBackoff(Backoff):
    """A fast backoff that records each wait it was asked for (and the server's hint)."""

    def __init__(self) -> None:
        super().__init__(0.001, 0.002, jitter=0.0)
        self.hints: list[float | None] = []

    def next_delay(self, retry_after: float | None = None) -> float:
        self.hints.append(retry_after)
        return super().next_delay(retry_after)


class Harness:
    def __init__(self, lw: FakeListerWatcher, **options: Any) -> None:
        self.lw = lw
        self.known = Indexer()
        self.fifo = DeltaFIFO(known_objects=self.known)
        options.setdefault("backoff", fast_backoff())
        options.setdefault("manage_gc", False)
        self.reflector = Reflector(lw, self.fifo, **options)
        self.seen: list[tuple[DeltaType, str]] = []

    def drain(self) -> None:
        """Apply what is queued to the known objects, as an informer would."""
        while self.fifo.queued_keys():
            key = self.fifo.queued_keys()[0]
            batch = self.fifo._items.pop(key)
            self.fifo._queue.popleft()
            for delta in batch:
                self.seen.append((delta.type, key))
                if delta.type is DeltaType.DELETED:
                    self.known.delete(key)
                else:
                    self.known.update(delta.object, key)


@pytest.fixture
async def lw() -> FakeListerWatcher:
    fake = FakeListerWatcher()
    for i in range(5):
        fake.create(pod(f"p{i}"))
    return fake


async def running(harness: Harness) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(harness.reflector.run())
    try:
        yield task
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def start(harness: Harness) -> asyncio.Task[None]:
    return asyncio.create_task(harness.reflector.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_first_list_is_paginated_from_resource_version_zero(lw: FakeListerWatcher) -> None:
    h = Harness(lw, page_size=2)
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    calls = lw.list_calls
    assert [c["limit"] for c in calls] == [2, 2, 2]
    assert calls[0]["resource_version"] == "0" and calls[0]["continue_token"] is None
    assert all(c["resource_version"] is None and c["continue_token"] for c in calls[1:])
    assert len(h.fifo.queued_keys()) == 5


async def test_watch_starts_at_the_list_version_with_bookmarks_and_a_randomised_timeout(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw, min_watch_timeout=300.0)
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    call = lw.watch_calls[0]
    assert call["resource_version"] == "105"
    assert call["allow_watch_bookmarks"] is True
    assert 300 <= call["timeout_seconds"] < 600


async def test_watch_events_reach_the_fifo_and_advance_the_version(lw: FakeListerWatcher) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    h.drain()
    lw.update(lw.objects["default/p1"])
    lw.delete("default/p2")
    await eventually(lambda: h.reflector.last_sync_resource_version == "107")
    await stop(task)
    h.drain()
    assert h.seen[-2:] == [(DeltaType.UPDATED, "default/p1"), (DeltaType.DELETED, "default/p2")]
    assert h.reflector.metrics.events == 2


async def test_bookmarks_advance_the_last_synced_version(lw: FakeListerWatcher) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    lw.rv = 500  # versions moved on for other objects
    lw.bookmark()
    await eventually(lambda: h.reflector.last_sync_resource_version == "500")
    await stop(task)
    assert h.reflector.metrics.bookmarks == 1


async def test_a_watch_that_ends_cleanly_rewatches_without_relisting(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    lw.update(lw.objects["default/p0"])
    await eventually(lambda: h.reflector.last_sync_resource_version == "106")
    lw.end_watches()
    await eventually(lambda: len(lw.watch_calls) == 2 and len(lw.watches) == 1)
    await stop(task)
    assert len(lw.list_calls) == 1
    assert lw.watch_calls[1]["resource_version"] == "106"


async def test_gone_when_opening_a_watch_relists_with_a_consistent_read(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    lw.compact()
    lw.end_watches()
    await eventually(lambda: len(lw.list_calls) == 2 and len(lw.watches) == 1)
    await stop(task)
    assert lw.list_calls[1]["resource_version"] == ""
    assert h.reflector.metrics.relists_after_gone == 1


async def test_an_expired_error_event_relists_with_a_consistent_read(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    lw.fail_watches(Expired(410, "Expired", "too old resource version: 1 (105)"))
    await eventually(lambda: len(lw.list_calls) == 2)
    await stop(task)
    assert lw.list_calls[1]["resource_version"] == ""


async def test_a_relist_after_gone_waits_for_the_backoff_first(lw: FakeListerWatcher) -> None:
    backoff = RecordingBackoff()
    h = Harness(lw, backoff=backoff)
    task = await start(h)
    await lw.wait_for_watch()
    assert backoff.hints == []
    lw.fail_watches(Expired(410, "Expired", "too old resource version: 1 (105)"))
    await eventually(lambda: len(lw.list_calls) == 2)
    await stop(task)
    assert len(backoff.hints) == 1


async def test_a_watch_that_ends_at_once_without_events_is_an_error_and_backs_off(
    lw: FakeListerWatcher,
) -> None:
    backoff = RecordingBackoff()
    h = Harness(lw, backoff=backoff)
    task = await start(h)
    await lw.wait_for_watch()
    lw.end_watches()
    await eventually(lambda: len(lw.watch_calls) == 2 and len(lw.watches) == 1)
    await stop(task)
    assert isinstance(h.reflector.last_error, VeryShortWatchError)
    assert h.reflector.metrics.errors == 1
    assert len(backoff.hints) == 1
    assert len(lw.list_calls) == 1  # re-watched from the last version, not relisted


async def test_the_server_retry_after_hint_reaches_the_backoff(lw: FakeListerWatcher) -> None:
    backoff = RecordingBackoff()
    h = Harness(lw, backoff=backoff)
    lw.list_errors.append(TooManyRequests(429, "TooManyRequests", "slow", retry_after=0.0))
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    assert backoff.hints == [0.0]


async def test_relist_after_gone_tombstones_objects_deleted_meanwhile(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    h.drain()
    lw.silently_delete("default/p3")
    lw.compact()
    lw.fail_watches(Expired(410, "Expired", "too old"))
    await eventually(lambda: len(lw.list_calls) == 2 and len(lw.watches) == 1)
    await stop(task)
    deltas = h.fifo.get_deltas("default/p3") or []
    assert [d.type for d in deltas] == [DeltaType.DELETED]
    assert deltas[0].object.key == "default/p3"


@pytest.mark.parametrize(
    "error",
    [
        TransportError("connection reset"),
        TooManyRequests(429, "TooManyRequests", "slow down"),
        InternalError(500, "InternalError", "boom"),
    ],
)
async def test_transient_watch_errors_back_off_and_rewatch_from_the_last_version(
    lw: FakeListerWatcher, error: Exception
) -> None:
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    lw.update(lw.objects["default/p0"])
    await eventually(lambda: h.reflector.last_sync_resource_version == "106")
    lw.fail_watches(error)
    await eventually(lambda: len(lw.watch_calls) == 2 and len(lw.watches) == 1)
    await stop(task)
    assert len(lw.list_calls) == 1
    assert lw.watch_calls[1]["resource_version"] == "106"
    assert h.reflector.metrics.errors == 1


async def test_refused_watch_connections_are_retried_without_relisting(
    lw: FakeListerWatcher,
) -> None:
    lw.watch_errors.extend([TransportError("refused"), TransportError("refused")])
    h = Harness(lw)
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    assert len(lw.watch_calls) == 3
    assert len(lw.list_calls) == 1


async def test_list_failures_are_retried_with_backoff(lw: FakeListerWatcher) -> None:
    lw.list_errors.append(InternalError(500, "InternalError", "etcd down"))
    seen: list[BaseException] = []
    h = Harness(lw, watch_error_handler=lambda _r, err: seen.append(err))
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    assert len(lw.list_calls) == 2
    assert [type(e) for e in seen] == [InternalError]


async def test_a_silent_stream_is_declared_dead_and_rewatched(lw: FakeListerWatcher) -> None:
    h = Harness(lw, watch_inactivity_timeout=0.05)
    task = await start(h)
    await eventually(lambda: len(lw.watch_calls) >= 2)
    await stop(task)
    assert len(lw.list_calls) == 1
    assert h.reflector.metrics.errors >= 1


async def test_streaming_list_fills_the_store_and_keeps_watching() -> None:
    lw = FakeListerWatcher(supports_watch_list=True)
    for i in range(3):
        lw.create(pod(f"p{i}"))
    h = Harness(lw, use_watch_list=True)
    task = await start(h)
    await lw.wait_for_watch()
    await eventually(lambda: h.fifo.has_synced or len(h.fifo) == 3)
    lw.create(pod("late"))
    await eventually(lambda: h.fifo.get_deltas("default/late") is not None)
    await stop(task)
    assert lw.list_calls == []
    call = lw.watch_calls[0]
    assert call["send_initial_events"] is True
    assert call["resource_version_match"] == "NotOlderThan"
    assert h.reflector.last_sync_resource_version == "104"


async def test_streaming_list_falls_back_to_list_and_watch_when_unsupported(
    lw: FakeListerWatcher,
) -> None:
    h = Harness(lw, use_watch_list=True)
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    assert len(lw.list_calls) == 1
    assert lw.watch_calls[0]["send_initial_events"] is True
    assert "send_initial_events" not in lw.watch_calls[1]
    assert len(h.fifo.queued_keys()) == 5


async def test_metrics_count_lists_watches_and_events(lw: FakeListerWatcher) -> None:
    h = Harness(lw, page_size=2)
    task = await start(h)
    await lw.wait_for_watch()
    lw.create(pod("x"))
    await eventually(lambda: h.reflector.metrics.events == 1)
    await stop(task)
    m = h.reflector.metrics
    assert (m.lists, m.list_pages, m.watches) == (1, 3, 1)
    assert m.last_resource_version == "106"


async def test_an_expired_continue_token_relists_from_the_start(lw: FakeListerWatcher) -> None:
    lw.list_errors.extend([None, Expired(410, "Expired", "continue token expired")])
    h = Harness(lw, page_size=2)
    task = await start(h)
    await lw.wait_for_watch()
    await stop(task)
    starts = [c for c in lw.list_calls if c["continue_token"] is None]
    assert [c["resource_version"] for c in starts] == ["0", ""]
    assert len(h.fifo.queued_keys()) == 5
