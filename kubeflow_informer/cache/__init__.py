"""Informer machinery: reflector, DeltaFIFO, indexer, shared informers, factory and listers.

The Python counterpart of client-go ``tools/cache``; see ``docs/informers.md`` for the contracts.
"""

from kubeflow_informer.cache.backoff import Backoff
from kubeflow_informer.cache.delta_fifo import (
    DeletedFinalStateUnknown,
    Delta,
    DeltaFIFO,
    DeltaType,
    FIFOClosedError,
)
from kubeflow_informer.cache.factory import InformerOptions, SharedInformerFactory
from kubeflow_informer.cache.handlers import FuncHandler, HandlerRegistration, ResourceEventHandler
from kubeflow_informer.cache.indexer import (
    NAMESPACE_INDEX,
    Indexer,
    IndexerConflictError,
    IndexFunc,
    namespace_index,
)
from kubeflow_informer.cache.informer import SharedIndexInformer
from kubeflow_informer.cache.lister import CacheNotSyncedError, Lister
from kubeflow_informer.cache.listwatch import ListerWatcher, WatchEventLike, WatchStreamLike
from kubeflow_informer.cache.metrics import collect_informer_metrics, informer_metrics_collector
from kubeflow_informer.cache.reflector import (
    INITIAL_EVENTS_END_ANNOTATION,
    Reflector,
    ReflectorMetrics,
    WatchInactiveError,
)
from kubeflow_informer.cache.transforms import intern_strings, lean_object, strip_managed_fields

__all__ = [
    "INITIAL_EVENTS_END_ANNOTATION",
    "NAMESPACE_INDEX",
    "Backoff",
    "CacheNotSyncedError",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "FIFOClosedError",
    "FuncHandler",
    "HandlerRegistration",
    "IndexFunc",
    "Indexer",
    "IndexerConflictError",
    "InformerOptions",
    "Lister",
    "ListerWatcher",
    "Reflector",
    "ReflectorMetrics",
    "ResourceEventHandler",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "WatchEventLike",
    "WatchInactiveError",
    "WatchStreamLike",
    "collect_informer_metrics",
    "informer_metrics_collector",
    "intern_strings",
    "lean_object",
    "namespace_index",
    "strip_managed_fields",
]
