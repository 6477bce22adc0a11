"""A delaying work queue whose retries are spaced by a rate limiter.

As client-go ``RateLimitingInterface``: ``add_rate_limited(item)`` adds the item after the delay
the limiter gives for it (each call counts one more failure), ``forget(item)`` clears the item's
failure history once it was processed successfully, ``num_requeues(item)`` reads it. ``forget``
does not remove the item from the queue - it only resets the backoff.
"""

from __future__ import annotations

from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.workqueue.delaying import DelayingQueue
from kubeflow_informer.workqueue.queue import T
from kubeflow_informer.workqueue.rate_limiters import RateLimiter, default_controller_rate_limiter

__all__ = ["RateLimitingQueue"]


class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` with per-item backoff; ``rate_limiter=None`` means
    :func:`default_controller_rate_limiter`."""

    def __init__(
        self,
        rate_limiter: RateLimiter | None = None,
        *,
        name: str = "",
        metrics_registry: CollectorRegistry | None = None,
    ) -> None:
        super().__init__(name=name, metrics_registry=metrics_registry)
        self.rate_limiter: RateLimiter = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter()
        )

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` once the rate limiter says it may be retried."""
        if self._shutting_down:
            return
        if self._metrics is not None:
            self._metrics.retry()
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Reset the backoff of ``item`` (after it was processed successfully)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many rate-limited requeues of ``item`` are on record."""
        return self.rate_limiter.num_requeues(item)
