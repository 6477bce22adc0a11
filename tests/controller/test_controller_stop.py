"""Controller.stop: grace periods, and a shorter concurrent stop still cancels."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubeflow_informer.controller import Controller, For, Request, Result

from .helpers import RecordingReconciler, succeed

pytestmark = pytest.mark.timeout(10)


class FakeInformer:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def add_event_handler(self, handler: Any) -> object:
        self.handlers.append(handler)
        return object()


class FakeFactory:
    def __init__(self) -> None:
        self.informer = FakeInformer()

    def informer_for(self, *_args: Any, **_kwargs: Any) -> FakeInformer:
        return self.informer


async def started_controller(behaviour: Any) -> tuple[Controller, FakeFactory]:
    factory = FakeFactory()
    controller = Controller(RecordingReconciler(behaviour), for_=For("v1", "configmaps"))
    controller.setup(factory)  # type: ignore[arg-type]
    await controller.start()
    return controller, factory


async def test_a_shorter_concurrent_stop_cancels_a_reconcile_a_graceful_stop_waits_for() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck(_request: Request, _attempt: int) -> Result | None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return None

    controller, factory = await started_controller(stuck)
    factory.informer.handlers[0].on_add({"metadata": {"name": "a", "namespace": "ns"}}, False)
    await started.wait()
    graceful = asyncio.create_task(controller.stop(None))  # would wait forever
    await asyncio.sleep(0)
    await controller.stop(0.0)  # e.g. the lease was lost meanwhile
    await asyncio.wait_for(graceful, 5)
    assert cancelled.is_set() and not controller.running


async def test_requests_added_after_stop_are_not_reconciled() -> None:
    controller, factory = await started_controller(succeed)
    await controller.stop(1.0)
    factory.informer.handlers[0].on_add({"metadata": {"name": "late", "namespace": "ns"}}, False)
    await asyncio.sleep(0.05)
    assert controller.reconciler.calls == []  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="stopped"):
        await controller.start()
