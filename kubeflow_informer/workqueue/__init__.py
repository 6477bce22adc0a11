"""Work queues for controllers, with the semantics of client-go ``util/workqueue``.

``Queue`` (deduplicating FIFO; an item is never handed to two workers at once),
``DelayingQueue`` (adds ``add_after``), ``RateLimitingQueue`` (adds per-item backoff) and the
composable rate limiters. All are asyncio objects used from one event loop.
"""

from kubeflow_informer.workqueue.delaying import DelayingQueue
from kubeflow_informer.workqueue.metrics import WorkqueueMetrics
from kubeflow_informer.workqueue.queue import Queue, ShutDown
from kubeflow_informer.workqueue.rate_limiters import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from kubeflow_informer.workqueue.rate_limiting import RateLimitingQueue

__all__ = [
    "BucketRateLimiter",
    "DelayingQueue",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "Queue",
    "RateLimiter",
    "RateLimitingQueue",
    "ShutDown",
    "WorkqueueMetrics",
    "default_controller_rate_limiter",
]
