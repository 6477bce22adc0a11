"""RateLimitingQueue behaviour and the workqueue metrics it reports."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.testing import metric_value
from kubeflow_informer.workqueue import (
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimitingQueue,
)

pytestmark = pytest.mark.timeout(10)


async def test_add_rate_limited_backs_off_and_counts_requeues() -> None:
    q: RateLimitingQueue[str] = RateLimitingQueue(ItemExponentialFailureRateLimiter(0.01, 1))
    q.add_rate_limited("a")
    assert len(q) == 0
    assert q.num_requeues("a") == 1
    assert await asyncio.wait_for(q.get(), 2) == "a"
    await q.aclose()


async def test_forget_resets_requeues_without_dequeuing() -> None:
    q: RateLimitingQueue[str] = RateLimitingQueue(ItemExponentialFailureRateLimiter(0.01, 1))
    q.add("a")
    q.add_rate_limited("b")
    q.add_rate_limited("b")
    q.forget("b")
    q.forget("a")
    assert q.num_requeues("b") == 0
    assert len(q) == 1
    await q.aclose()


async def test_default_rate_limiter_is_used_when_none_given() -> None:
    q: RateLimitingQueue[str] = RateLimitingQueue()
    assert isinstance(q.rate_limiter, MaxOfRateLimiter)
    await q.aclose()


async def test_metrics_are_exposed_with_client_go_names() -> None:
    registry = CollectorRegistry()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        ItemExponentialFailureRateLimiter(0.001, 0.01), name="pods", metrics_registry=registry
    )
    q.add("a")
    q.add("a")
    q.add("b")
    item = await q.get()
    assert metric_value(registry, "workqueue_depth", name="pods") == 1
    assert metric_value(registry, "workqueue_adds_total", name="pods") == 2
    assert metric_value(registry, "workqueue_queue_duration_seconds_count", name="pods") == 1
    assert metric_value(registry, "workqueue_longest_running_processor_seconds", name="pods") >= 0
    assert metric_value(registry, "workqueue_unfinished_work_seconds", name="pods") >= 0
    q.done(item)
    q.add_rate_limited("c")
    assert metric_value(registry, "workqueue_work_duration_seconds_count", name="pods") == 1
    assert metric_value(registry, "workqueue_retries_total", name="pods") == 1
    await q.aclose()


async def test_queues_share_one_registry_by_name_label() -> None:
    registry = CollectorRegistry()
    first: RateLimitingQueue[str] = RateLimitingQueue(name="one", metrics_registry=registry)
    second: RateLimitingQueue[str] = RateLimitingQueue(name="two", metrics_registry=registry)
    first.add("x")
    second.add("y")
    second.add("z")
    assert metric_value(registry, "workqueue_depth", name="one") == 1
    assert metric_value(registry, "workqueue_depth", name="two") == 2
    await first.aclose()
    await second.aclose()


async def test_queue_without_registry_reports_nothing() -> None:
    q: RateLimitingQueue[str] = RateLimitingQueue()
    q.add("a")
    assert q._metrics is None
    await q.aclose()
