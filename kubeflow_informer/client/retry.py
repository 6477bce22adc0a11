"""When a failed request is sent again, and after how long.

The rule, following client-go's ``rest.Request`` (``checkWait`` / ``IsRetryableErrorFunc``):

* **Any verb** is retried on 429 or 5xx **when the server sent ``Retry-After``** (or
  ``details.retryAfterSeconds``): the API server only sends it when it rejected the request
  before acting on it (max-in-flight and priority-and-fairness throttling, a starting server),
  so resending a POST or PATCH cannot apply it twice. The wait is the server's value, but never
  less than the exponential backoff below (``Retry-After: 0`` on every answer must not become a
  request storm) and never more than ``max_retry_after`` (a bogus ``Retry-After: 3600`` must not
  stall the caller for an hour).
* **GET** (and HEAD) requests are also retried on 429 / 5xx *without* ``Retry-After`` and on
  transport errors (refused or reset connections, timeouts), with exponential backoff: they
  change nothing. (client-go retries GETs only on connection resets; we also cover the other
  transient failures because reads are always safe to repeat.)
* Everything else - a POST/PUT/PATCH/DELETE that got a 5xx without ``Retry-After`` or lost its
  connection - is **not** retried: the server may have applied it; the caller (a reconciler,
  which is level-triggered) decides.

At most ``max_retries`` retries (default 5; client-go uses 10 with 1 s waits - ours are shorter
and grow). Backoff: ``base * 2**attempt`` capped at ``max_delay``, with up to 20% jitter.
``max_retry_after`` defaults to 30 s, the reflector's own backoff cap, so a reflector whose
request the client is retrying is never parked longer than its documented maximum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before resending; see the module docstring for when."""

    max_retries: int = 5
    base_delay: float = 0.1
    max_delay: float = 5.0
    max_retry_after: float = 30.0

    def backoff(self, attempt: int) -> float:
        """The exponential delay before retry number ``attempt`` (0-based), with jitter."""
        delay: float = min(self.max_delay, self.base_delay * 2.0**attempt)
        return delay * (1.0 + random.random() * 0.2)

    def delay_for_status(
        self, method: str, status: int, retry_after: float | None, attempt: int
    ) -> float | None:
        """Seconds to wait before resending after an HTTP error, or ``None`` to give up."""
        if attempt >= self.max_retries or not (status == 429 or status >= 500):
            return None
        if retry_after is not None:
            return min(max(retry_after, self.backoff(attempt)), self.max_retry_after)
        if method in SAFE_METHODS:
            return self.backoff(attempt)
        return None

    def delay_for_transport_error(self, method: str, attempt: int) -> float | None:
        """Seconds to wait before resending after a transport error, or ``None`` to give up."""
        if attempt >= self.max_retries or method not in SAFE_METHODS:
            return None
        return self.backoff(attempt)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds)
