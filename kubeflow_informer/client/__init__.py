"""The async REST client: ``ApiClient``, dynamic ``Resource`` handles, watch streams, discovery.

Depends only on ``config`` and ``errors``; the cache layer uses it through ``Resource.list`` and
``Resource.watch``.
"""

from kubeflow_informer.client.api_client import ApiClient
from kubeflow_informer.client.discovery import ApiGroupInfo, Discovery, ResourceInfo
from kubeflow_informer.client.query import selector_text
from kubeflow_informer.client.resource import PATCH_CONTENT_TYPES, Resource
from kubeflow_informer.client.retry import RetryPolicy
from kubeflow_informer.client.watch import DEFAULT_MAX_LINE_BYTES, WatchEvent, WatchStream
from kubeflow_informer.token_bucket import TokenBucket  # the client's request limiter

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "PATCH_CONTENT_TYPES",
    "ApiClient",
    "ApiGroupInfo",
    "Discovery",
    "Resource",
    "ResourceInfo",
    "RetryPolicy",
    "TokenBucket",
    "WatchEvent",
    "WatchStream",
    "selector_text",
]
