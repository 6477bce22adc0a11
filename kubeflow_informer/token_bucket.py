"""The token bucket: the one rate-limiting mechanism of the package.

``qps`` tokens are added per second up to ``burst``. Three users, three ways to take a token:

* the API client's request limiter (client-go ``flowcontrol``) *reserves* one and sleeps until
  it is due (:meth:`TokenBucket.acquire`), so waiting callers are served in arrival order
  without a background task; ``qps <= 0`` disables it;
* the workqueue's ``BucketRateLimiter`` reserves one and hands the delay to the queue
  (:meth:`TokenBucket.reserve`, ``rate.Limiter.Reserve``);
* the event recorder's spam filter takes one only if one is there (:meth:`TokenBucket.try_take`,
  client-go's ``EventSourceObjectSpamFilter``), and drops the event otherwise.

Time comes from ``clock`` (monotonic seconds by default), or as ``now`` from callers that keep
their own clock. Not thread-safe: one event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """A token bucket; see the module docstring for its three uses."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "qps")

    def __init__(
        self,
        qps: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: float | None = None,
    ) -> None:
        """A full bucket; ``now`` (in ``clock``'s unit) is the moment it starts filling."""
        if qps > 0 and burst < 1:
            raise ValueError("burst must be at least 1 when qps is positive")
        self.qps = qps
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock() if now is None else now

    def __repr__(self) -> str:
        return f"TokenBucket(qps={self.qps!r}, burst={self.burst!r})"

    @property
    def enabled(self) -> bool:
        """False when ``qps <= 0``: every reservation is free."""
        return self.qps > 0

    def _refill(self, now: float | None) -> None:
        if now is None:
            now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now

    def reserve(self, now: float | None = None) -> float:
        """Take a token now (possibly going into debt); return how long until it is due."""
        if self.qps <= 0:
            return 0.0
        self._refill(now)
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.qps

    def try_take(self, now: float | None = None) -> bool:
        """Take a token if one is available now; never goes into debt."""
        if self.qps <= 0:
            return True
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def give_back(self) -> None:
        """Return a reserved token that will not be used (a cancelled wait)."""
        self._tokens += 1.0

    async def acquire(self) -> None:
        """Wait for a token. A cancelled wait gives its reservation back."""
        delay = self.reserve()
        if delay <= 0:
            return
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.give_back()
            raise
