"""A reconciler that raises is retried with growing delays until it succeeds, end to end."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import SharedInformerFactory
from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller import Controller, For, Reconciler, Request, Result
from kubeflow_informer.workqueue import ItemExponentialFailureRateLimiter

pytestmark = pytest.mark.timeout(30)

BASE_DELAY = 0.02
FAILURES = 4


class FailsThenSucceeds(Reconciler):
    def __init__(self, failures: int) -> None:
        self.remaining = failures
        self.attempts: list[float] = []
        self.succeeded = asyncio.Event()

    async def reconcile(self, request: Request) -> Result | None:
        self.attempts.append(asyncio.get_running_loop().time())
        if self.remaining:
            self.remaining -= 1
            raise RuntimeError("transient failure")
        self.succeeded.set()
        return None


async def test_failing_reconcile_is_retried_with_doubling_delays_until_it_succeeds(
    server: EmbeddedApiServer, api: ApiClient
) -> None:
    await api.resource("v1", "configmaps").create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flaky"}},
        namespace="default",
    )
    reconciler = FailsThenSucceeds(FAILURES)
    controller = Controller(
        reconciler,
        for_=For("v1", "configmaps"),
        rate_limiter=ItemExponentialFailureRateLimiter(BASE_DELAY, 10.0),
    )
    factory = SharedInformerFactory(api)
    controller.setup(factory)
    try:
        await factory.start()
        assert await factory.wait_for_cache_sync(10)
        await controller.start()
        async with asyncio.timeout(10):
            await reconciler.succeeded.wait()
        request = Request("default", "flaky")
        requeues_after_success = controller.queue.num_requeues(request)
    finally:
        await controller.stop(grace_period=1.0)
        await factory.stop()
    assert len(reconciler.attempts) == FAILURES + 1
    gaps = [b - a for a, b in zip(reconciler.attempts, reconciler.attempts[1:], strict=False)]
    # The delaying queue never fires early, so each gap is at least the limiter's delay for that
    # failure, and those delays double: 20 ms, 40 ms, 80 ms, 160 ms.
    for failure, gap in enumerate(gaps):
        assert gap >= BASE_DELAY * 2**failure * 0.95, (failure, gaps)
    assert requeues_after_success == 0  # success made the queue forget the failures
