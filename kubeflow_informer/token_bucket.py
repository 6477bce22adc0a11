"""A client-side token bucket, the asyncio counterpart of client-go's ``flowcontrol`` limiter.

``qps`` tokens are added per second up to ``burst``; each request takes one. Callers that find
the bucket empty *reserve* a future token and sleep until it is due, so waiting callers are
served in arrival order without a background task. ``qps <= 0`` disables limiting.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Token-bucket rate limiter; :meth:`acquire` waits until the caller may send a request."""

    __slots__ = ("_last", "_tokens", "burst", "qps")

    def __init__(self, qps: float, burst: int) -> None:
        if qps > 0 and burst < 1:
            raise ValueError("burst must be at least 1 when qps is positive")
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()

    def __repr__(self) -> str:
        return f"TokenBucket(qps={self.qps!r}, burst={self.burst!r})"

    @property
    def enabled(self) -> bool:
        """False when ``qps <= 0``: every acquire returns at once."""
        return self.qps > 0

    def reserve(self) -> float:
        """Take a token now (possibly going into debt) and return how long to wait for it."""
        if self.qps <= 0:
            return 0.0
        now = time.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.qps

    async def acquire(self) -> None:
        """Wait for a token. A cancelled wait gives its reservation back."""
        delay = self.reserve()
        if delay <= 0:
            return
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self._tokens += 1.0
            raise
