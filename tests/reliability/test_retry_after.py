"""A throttled (429) watch is retried no sooner than the server's ``Retry-After``."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import Backoff, FuncHandler, SharedIndexInformer
from kubeflow_informer.client import ApiClient

pytestmark = pytest.mark.timeout(30)


async def test_a_429_on_rewatch_waits_for_retry_after_then_delivers_the_missed_event(
    server: EmbeddedApiServer,
) -> None:
    configmaps = server.registry.get("", "v1", "configmaps")
    assert configmaps is not None
    arrived = asyncio.Event()
    handler = FuncHandler(
        on_add=lambda obj, initial: arrived.set() if obj["metadata"]["name"] == "late" else None
    )
    async with ApiClient(server.config, qps=0) as api:  # the default retry policy
        informer = SharedIndexInformer(
            api.resource("v1", "configmaps"), namespace="default",
            backoff=Backoff(0.01, 0.1), watch_inactivity_timeout=10.0,
        )
        informer.add_event_handler(handler)
        async with informer:
            assert await informer.wait_for_cache_sync(10)
            loop = asyncio.get_running_loop()
            server.faults.throttle(1, retry_after=1)
            started = loop.time()
            await server.restart()  # the re-watch meets the 429
            server.storage.create(
                configmaps, {"metadata": {"name": "late", "namespace": "default"}},
                namespace="default",
            )
            async with asyncio.timeout(10):
                await arrived.wait()
            waited = loop.time() - started
    assert server.faults.stats().get("throttle") == 1
    assert waited >= 0.95  # not before Retry-After: 1
