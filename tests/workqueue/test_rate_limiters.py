"""Rate limiters: exponential backoff, fast/slow, token bucket, max-of, the default."""

from __future__ import annotations

import pytest

from kubeflow_informer.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_exponential_backoff_doubles_per_failure() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000)
    assert [limiter.when("a") for _ in range(4)] == [0.005, 0.01, 0.02, 0.04]
    assert limiter.num_requeues("a") == 4
    assert limiter.when("b") == 0.005  # per item


def test_exponential_backoff_is_capped_and_overflow_safe() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000)
    delays = [limiter.when("a") for _ in range(5000)]
    assert max(delays) == 1000
    assert delays[-1] == 1000


def test_forget_resets_the_backoff() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000)
    limiter.when("a")
    limiter.when("a")
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.005


def test_fast_slow_switches_after_max_fast_attempts() -> None:
    limiter = ItemFastSlowRateLimiter(0.1, 5.0, 2)
    assert [limiter.when("a") for _ in range(4)] == [0.1, 0.1, 5.0, 5.0]
    limiter.forget("a")
    assert limiter.when("a") == 0.1


def test_bucket_allows_burst_then_spaces_by_qps() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=10, burst=3, clock=clock)
    assert [limiter.when(i) for i in range(3)] == [0, 0, 0]
    assert limiter.when(3) == pytest.approx(0.1)
    assert limiter.when(4) == pytest.approx(0.2)
    assert limiter.num_requeues(3) == 0


def test_bucket_refills_over_time_up_to_burst() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=10, burst=2, clock=clock)
    limiter.when("a")
    limiter.when("b")
    clock.now += 100
    assert [limiter.when(i) for i in range(2)] == [0, 0]
    assert limiter.when("c") == pytest.approx(0.1)


def test_max_of_returns_the_longest_delay_and_forgets_everywhere() -> None:
    fast_slow = ItemFastSlowRateLimiter(0.5, 2.0, 1)
    exponential = ItemExponentialFailureRateLimiter(0.1, 10)
    limiter = MaxOfRateLimiter(fast_slow, exponential)
    assert limiter.when("a") == 0.5
    assert limiter.when("a") == 2.0
    assert limiter.num_requeues("a") == 2
    limiter.forget("a")
    assert fast_slow.num_requeues("a") == 0
    assert exponential.num_requeues("a") == 0


def test_default_controller_rate_limiter_combines_exponential_and_bucket() -> None:
    limiter = default_controller_rate_limiter()
    assert isinstance(limiter, RateLimiter)
    assert limiter.when("a") == 0.005
    assert limiter.when("a") == 0.01
    kinds = {type(inner) for inner in limiter.limiters}
    assert kinds == {ItemExponentialFailureRateLimiter, BucketRateLimiter}
    bucket = next(i for i in limiter.limiters if isinstance(i, BucketRateLimiter))
    assert (bucket.qps, bucket.burst) == (10, 100)
