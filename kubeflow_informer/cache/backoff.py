"""Exponential backoff with jitter, as client-go's reflector uses it.

client-go's reflector backs off with ``NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)``:
the first delay is 800 ms, each further one doubles up to 30 s, a jitter factor of 1.0 adds up to
100 % at random (so many clients that failed together do not retry together), and the sequence
starts over once no backoff was needed for 2 minutes (the connection was healthy). Unlike
client-go we cap the jittered delay at ``cap`` too, so the documented maximum really is one.

A server's hint (``Retry-After``, ``details.retryAfterSeconds``) can only lengthen a delay, and
only up to ``cap``: ``Retry-After: 0`` must not turn backoff off (a throttled server that says
"now" on every answer would get a request storm), and ``Retry-After: 3600`` must not park a
reflector for an hour after the server has long recovered.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

__all__ = ["Backoff"]


class Backoff:
    """Delays for retrying a failing operation; call :meth:`next_delay` before each retry."""

    def __init__(
        self,
        initial: float = 0.8,
        cap: float = 30.0,
        *,
        factor: float = 2.0,
        jitter: float = 1.0,
        reset_after: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or cap < initial or factor < 1.0 or jitter < 0:
            raise ValueError("backoff needs 0 < initial <= cap, factor >= 1 and jitter >= 0")
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.reset_after = reset_after
        self._clock = clock
        self._rng = rng or random.Random()
        self._current = initial
        self._last: float | None = None

    def __repr__(self) -> str:
        return f"Backoff(initial={self.initial}, cap={self.cap}, current={self._current})"

    def next_delay(self, retry_after: float | None = None) -> float:
        """The delay before the next retry; each call advances the sequence.

        ``retry_after`` (the server's hint, when it gave one) is honoured within bounds: the
        delay is the larger of the hint and the computed delay, and never more than ``cap``.
        """
        now = self._clock()
        if self._last is not None and now - self._last > self.reset_after:
            self._current = self.initial
        self._last = now
        base = self._current
        self._current = min(self.cap, base * self.factor)
        delay = min(self.cap, base * (1.0 + self.jitter * self._rng.random()))
        if retry_after is not None and retry_after > delay:
            delay = min(self.cap, float(retry_after))
        return delay

    def reset(self) -> None:
        """Start over from ``initial`` on the next failure."""
        self._current = self.initial
        self._last = None
