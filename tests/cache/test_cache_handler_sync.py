"""One delivery contract for ``HandlerRegistration.has_synced``, whatever the handler's kind.

A registration is synced once its handler has *finished* with every object of the initial list:
a plain function returned, a coroutine completed. Inline delivery (the informer calls the
handler itself when nothing is buffered) and buffered delivery keep the same contract.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubeflow_informer.cache import (
    FuncHandler,
    HandlerRegistration,
    ResourceEventHandler,
    SharedIndexInformer,
)
from kubeflow_informer.testing import eventually

from .cache_fakes import FakeListerWatcher, pod

pytestmark = pytest.mark.timeout(20)


class SyncHandler(ResourceEventHandler):
    def __init__(self) -> None:
        self.done: list[str] = []

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> None:
        self.done.append(obj["metadata"]["name"])


class AsyncHandler(SyncHandler):
    async def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        self.done.append(obj["metadata"]["name"])


class SlowHandler(SyncHandler):
    """Finishes an add only when the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> None:  # type: ignore[override]
        await self.gate.wait()
        self.done.append(obj["metadata"]["name"])


HANDLERS = {"sync": SyncHandler, "async": AsyncHandler, "slow": SlowHandler}


def lister_watcher(pods: int) -> FakeListerWatcher:
    fake = FakeListerWatcher()
    for i in range(pods):
        fake.create(pod(f"p{i}"))
    return fake


async def first_synced_moment(registration: HandlerRegistration, handler: SyncHandler) -> int:
    """How many adds the handler had finished at the first moment ``has_synced`` was true."""
    while not registration.has_synced:
        if isinstance(handler, SlowHandler) and not handler.gate.is_set():
            await asyncio.sleep(0.05)  # has_synced must stay false while the gate is closed
            assert not registration.has_synced, "synced while the handler was still running"
            handler.gate.set()
        await asyncio.sleep(0)
    return len(handler.done)


@pytest.mark.parametrize("pods", [1, 3])
@pytest.mark.parametrize("kind", list(HANDLERS))
async def test_registration_is_synced_only_once_its_handler_finished_the_initial_list(
    kind: str, pods: int
) -> None:
    handler = HANDLERS[kind]()
    informer = SharedIndexInformer(lister_watcher(pods), manage_gc=False)
    registration = informer.add_event_handler(handler)
    async with informer:
        assert await informer.wait_for_cache_sync(5)
        assert await first_synced_moment(registration, handler) == pods


@pytest.mark.parametrize("kind", list(HANDLERS))
async def test_a_handler_added_after_sync_follows_the_same_contract(kind: str) -> None:
    informer = SharedIndexInformer(lister_watcher(2), manage_gc=False)
    async with informer:
        assert await informer.wait_for_cache_sync(5)
        handler = HANDLERS[kind]()
        registration = informer.add_event_handler(handler)
        assert not registration.has_synced
        assert await first_synced_moment(registration, handler) == 2


async def test_an_async_handler_that_raises_on_its_initial_add_still_counts_as_delivered() -> None:
    async def boom(obj: dict[str, Any], is_initial_list: bool) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("handler bug")

    informer = SharedIndexInformer(lister_watcher(1), manage_gc=False)
    registration = informer.add_event_handler(FuncHandler(on_add=boom))
    async with informer:
        assert await informer.wait_for_cache_sync(5)
        await eventually(lambda: registration.has_synced, what="registration synced")
        assert registration.errors == 1


async def test_the_informer_is_not_synced_while_handlers_still_receive_the_initial_list() -> None:
    informer = SharedIndexInformer(lister_watcher(3), manage_gc=False)
    seen: list[bool] = []
    informer.add_event_handler(FuncHandler(on_add=lambda obj, initial: seen.append(
        informer.has_synced)))
    async with informer:
        assert await informer.wait_for_cache_sync(5)
    assert seen == [False, False, False]


async def test_an_empty_initial_list_syncs_the_informer_and_its_handlers() -> None:
    informer = SharedIndexInformer(lister_watcher(0), manage_gc=False)
    registration = informer.add_event_handler(AsyncHandler())
    async with informer:
        assert await informer.wait_for_cache_sync(5)
        assert registration.has_synced
