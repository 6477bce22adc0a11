"""Rate limiters: how long an item waits before it is retried.

Small composable objects, as client-go ``util/workqueue`` rate limiters:

* :class:`ItemExponentialFailureRateLimiter` - per item ``base_delay * 2**failures``, capped at
  ``max_delay``; overflow-safe however many failures pile up.
* :class:`ItemFastSlowRateLimiter` - ``fast_delay`` for the first ``max_fast_attempts`` tries of an
  item, ``slow_delay`` afterwards.
* :class:`BucketRateLimiter` - one token bucket for all items (``qps`` refill, ``burst``
  capacity): ``when`` reserves a token and returns how long until it is available.
* :class:`MaxOfRateLimiter` - asks every limiter and returns the longest delay.
* :func:`default_controller_rate_limiter` - per-item exponential 5 ms .. 1000 s, combined with an
  overall 10 qps / burst 100 bucket: the client-go default for controllers.

``when(item)`` counts a failure (it is called on every rate-limited requeue); ``forget(item)``
resets the item's history once it succeeded; ``num_requeues(item)`` tells how many failures are
on record. Not thread-safe: call from the queue's event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Protocol, runtime_checkable

from kubeflow_informer.token_bucket import TokenBucket

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "default_controller_rate_limiter",
]


@runtime_checkable
class RateLimiter(Protocol):
    """What a rate-limiting queue needs of a limiter (delays in seconds)."""

    def when(self, item: Hashable) -> float:
        """Record a failure of ``item`` and return how long to wait before retrying it."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking ``item`` (it succeeded, or it is given up)."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many failures of ``item`` are on record."""
        ...


class ItemExponentialFailureRateLimiter:
    """Per-item exponential backoff: ``base_delay * 2**failures``, at most ``max_delay``."""

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        if base_delay <= 0 or max_delay < base_delay:
            raise ValueError("need 0 < base_delay <= max_delay")
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exponent = self._failures.get(item, 0)
        self._failures[item] = exponent + 1
        if exponent > 1000:  # 2.0**1024 overflows a float; long before that we are at max
            return self.max_delay
        return min(self.base_delay * 2.0**exponent, self.max_delay)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def __repr__(self) -> str:
        return f"ItemExponentialFailureRateLimiter({self.base_delay!r}, {self.max_delay!r})"


class ItemFastSlowRateLimiter:
    """``fast_delay`` for an item's first ``max_fast_attempts`` failures, then ``slow_delay``."""

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self.fast_delay = fast_delay
        self.slow_delay = slow_delay
        self.max_fast_attempts = max_fast_attempts
        self._attempts: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        attempts = self._attempts.get(item, 0) + 1
        self._attempts[item] = attempts
        return self.fast_delay if attempts <= self.max_fast_attempts else self.slow_delay

    def forget(self, item: Hashable) -> None:
        self._attempts.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._attempts.get(item, 0)

    def __repr__(self) -> str:
        return (
            f"ItemFastSlowRateLimiter({self.fast_delay!r}, {self.slow_delay!r}, "
            f"{self.max_fast_attempts!r})"
        )


class BucketRateLimiter:
    """An overall token bucket: ``qps`` tokens per second, at most ``burst`` saved up.

    ``when`` takes a token even when none is left (a reservation, as ``rate.Limiter.Reserve``):
    the delay is the time until the bucket will have refilled that far. ``forget`` does nothing
    and ``num_requeues`` is always 0 - the bucket does not track items. ``clock`` (monotonic
    seconds) can be injected for tests.
    """

    def __init__(
        self, qps: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("need qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        self._bucket = TokenBucket(qps, burst, clock=clock)

    def when(self, item: Hashable) -> float:
        return self._bucket.reserve()

    def forget(self, item: Hashable) -> None:
        return None

    def num_requeues(self, item: Hashable) -> int:
        return 0

    def __repr__(self) -> str:
        return f"BucketRateLimiter(qps={self.qps!r}, burst={self.burst!r})"


class MaxOfRateLimiter:
    """Combines limiters: every one records the failure, the longest delay wins."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        return max([limiter.when(item) for limiter in self.limiters])

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)

    def __repr__(self) -> str:
        return f"MaxOfRateLimiter({', '.join(repr(limiter) for limiter in self.limiters)})"


def default_controller_rate_limiter() -> MaxOfRateLimiter:
    """Exponential per item (5 ms .. 1000 s) combined with an overall 10 qps / burst 100 bucket."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(qps=10.0, burst=100)
    )
