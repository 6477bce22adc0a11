"""kubeflow_informer: an asyncio framework for writing Kubernetes controllers.

The public API, re-exported from the layer that owns each name (see ``docs/architecture.md``):
configuration and the async client, the informer machinery (cache), the workqueue, the
controller layer, and the embedded API server for tests. Modules inside the package never import
from this file.

Every name loads on first use (PEP 562 ``__getattr__``): ``import kubeflow_informer`` costs
almost nothing, and importing the client or the cache never loads the controller layer, the
embedded API server or ``aiohttp.web``. Type checkers see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kubeflow_informer._version import __version__

if TYPE_CHECKING:
    from kubeflow_informer.apiserver import (
        EmbeddedApiServer,
        Faults,
    )
    from kubeflow_informer.cache import (
        DeletedFinalStateUnknown,
        Delta,
        DeltaFIFO,
        DeltaType,
        FIFOClosedError,
        FuncHandler,
        HandlerRegistration,
        Indexer,
        IndexerConflictError,
        Lister,
        ListerWatcher,
        Reflector,
        ResourceEventHandler,
        SharedIndexInformer,
        SharedInformerFactory,
        intern_strings,
        lean_object,
        namespace_index,
        strip_managed_fields,
    )
    from kubeflow_informer.client import (
        ApiClient,
        Resource,
        WatchEvent,
        WatchStream,
    )
    from kubeflow_informer.config import (
        Config,
        load_config,
        load_incluster_config,
        load_kubeconfig,
    )
    from kubeflow_informer.controller import (
        AnnotationChangedPredicate,
        CacheSyncTimeout,
        Controller,
        EventRecorder,
        Finalizer,
        FinalizerOutcome,
        For,
        FuncPredicate,
        GenerationChangedPredicate,
        LabelChangedPredicate,
        LeaderElectionConfig,
        LeaderElectionLost,
        Manager,
        Owns,
        Predicate,
        Reconciler,
        Request,
        ResourceVersionChangedPredicate,
        Result,
        TerminalError,
        Watches,
        all_of,
        any_of,
        is_deleting,
        not_,
        object_predicate,
    )
    from kubeflow_informer.errors import (
        AlreadyExists,
        ApiError,
        BadRequest,
        ConfigError,
        Conflict,
        Expired,
        Forbidden,
        Gone,
        Invalid,
        KubeflowInformerError,
        NotFound,
        ProtocolError,
        ServerError,
        TooManyRequests,
        TransportError,
        Unauthorized,
    )
    from kubeflow_informer.keys import (
        make_key,
        object_key,
        split_key,
    )
    from kubeflow_informer.metrics import (
        Registry,
    )
    from kubeflow_informer.selectors import FieldSelector, LabelSelector, SelectorError
    from kubeflow_informer.testing import (
        ControlPlane,
        eventually,
    )
    from kubeflow_informer.workqueue import (
        RateLimitingQueue,
        ShutDown,
        default_controller_rate_limiter,
    )

#: Where each public name lives: loaded from there on first access.
_WHERE: dict[str, str] = {
    "EmbeddedApiServer": "kubeflow_informer.apiserver",
    "Faults": "kubeflow_informer.apiserver",
    "DeletedFinalStateUnknown": "kubeflow_informer.cache",
    "Delta": "kubeflow_informer.cache",
    "DeltaFIFO": "kubeflow_informer.cache",
    "DeltaType": "kubeflow_informer.cache",
    "FIFOClosedError": "kubeflow_informer.cache",
    "FuncHandler": "kubeflow_informer.cache",
    "HandlerRegistration": "kubeflow_informer.cache",
    "Indexer": "kubeflow_informer.cache",
    "IndexerConflictError": "kubeflow_informer.cache",
    "Lister": "kubeflow_informer.cache",
    "ListerWatcher": "kubeflow_informer.cache",
    "Reflector": "kubeflow_informer.cache",
    "ResourceEventHandler": "kubeflow_informer.cache",
    "SharedIndexInformer": "kubeflow_informer.cache",
    "SharedInformerFactory": "kubeflow_informer.cache",
    "intern_strings": "kubeflow_informer.cache",
    "lean_object": "kubeflow_informer.cache",
    "namespace_index": "kubeflow_informer.cache",
    "strip_managed_fields": "kubeflow_informer.cache",
    "ApiClient": "kubeflow_informer.client",
    "Resource": "kubeflow_informer.client",
    "WatchEvent": "kubeflow_informer.client",
    "WatchStream": "kubeflow_informer.client",
    "Config": "kubeflow_informer.config",
    "load_config": "kubeflow_informer.config",
    "load_incluster_config": "kubeflow_informer.config",
    "load_kubeconfig": "kubeflow_informer.config",
    "AnnotationChangedPredicate": "kubeflow_informer.controller",
    "CacheSyncTimeout": "kubeflow_informer.controller",
    "Controller": "kubeflow_informer.controller",
    "EventRecorder": "kubeflow_informer.controller",
    "Finalizer": "kubeflow_informer.controller",
    "FinalizerOutcome": "kubeflow_informer.controller",
    "For": "kubeflow_informer.controller",
    "FuncPredicate": "kubeflow_informer.controller",
    "GenerationChangedPredicate": "kubeflow_informer.controller",
    "LabelChangedPredicate": "kubeflow_informer.controller",
    "LeaderElectionConfig": "kubeflow_informer.controller",
    "LeaderElectionLost": "kubeflow_informer.controller",
    "Manager": "kubeflow_informer.controller",
    "Owns": "kubeflow_informer.controller",
    "Predicate": "kubeflow_informer.controller",
    "Reconciler": "kubeflow_informer.controller",
    "Request": "kubeflow_informer.controller",
    "ResourceVersionChangedPredicate": "kubeflow_informer.controller",
    "Result": "kubeflow_informer.controller",
    "TerminalError": "kubeflow_informer.controller",
    "Watches": "kubeflow_informer.controller",
    "all_of": "kubeflow_informer.controller",
    "any_of": "kubeflow_informer.controller",
    "is_deleting": "kubeflow_informer.controller",
    "not_": "kubeflow_informer.controller",
    "object_predicate": "kubeflow_informer.controller",
    "AlreadyExists": "kubeflow_informer.errors",
    "ApiError": "kubeflow_informer.errors",
    "BadRequest": "kubeflow_informer.errors",
    "ConfigError": "kubeflow_informer.errors",
    "Conflict": "kubeflow_informer.errors",
    "Expired": "kubeflow_informer.errors",
    "Forbidden": "kubeflow_informer.errors",
    "Gone": "kubeflow_informer.errors",
    "Invalid": "kubeflow_informer.errors",
    "KubeflowInformerError": "kubeflow_informer.errors",
    "NotFound": "kubeflow_informer.errors",
    "ProtocolError": "kubeflow_informer.errors",
    "ServerError": "kubeflow_informer.errors",
    "TooManyRequests": "kubeflow_informer.errors",
    "TransportError": "kubeflow_informer.errors",
    "Unauthorized": "kubeflow_informer.errors",
    "make_key": "kubeflow_informer.keys",
    "object_key": "kubeflow_informer.keys",
    "split_key": "kubeflow_informer.keys",
    "Registry": "kubeflow_informer.metrics",
    "FieldSelector": "kubeflow_informer.selectors",
    "LabelSelector": "kubeflow_informer.selectors",
    "SelectorError": "kubeflow_informer.selectors",
    "ControlPlane": "kubeflow_informer.testing",
    "eventually": "kubeflow_informer.testing",
    "RateLimitingQueue": "kubeflow_informer.workqueue",
    "ShutDown": "kubeflow_informer.workqueue",
    "default_controller_rate_limiter": "kubeflow_informer.workqueue",
}

__all__ = [
    "AlreadyExists",
    "AnnotationChangedPredicate",
    "ApiClient",
    "ApiError",
    "BadRequest",
    "CacheSyncTimeout",
    "Config",
    "ConfigError",
    "Conflict",
    "ControlPlane",
    "Controller",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "EmbeddedApiServer",
    "EventRecorder",
    "Expired",
    "FIFOClosedError",
    "Faults",
    "FieldSelector",
    "Finalizer",
    "FinalizerOutcome",
    "For",
    "Forbidden",
    "FuncHandler",
    "FuncPredicate",
    "GenerationChangedPredicate",
    "Gone",
    "HandlerRegistration",
    "Indexer",
    "IndexerConflictError",
    "Invalid",
    "KubeflowInformerError",
    "LabelChangedPredicate",
    "LabelSelector",
    "LeaderElectionConfig",
    "LeaderElectionLost",
    "Lister",
    "ListerWatcher",
    "Manager",
    "NotFound",
    "Owns",
    "Predicate",
    "ProtocolError",
    "RateLimitingQueue",
    "Reconciler",
    "Reflector",
    "Registry",
    "Request",
    "Resource",
    "ResourceEventHandler",
    "ResourceVersionChangedPredicate",
    "Result",
    "SelectorError",
    "ServerError",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "ShutDown",
    "TerminalError",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "WatchEvent",
    "WatchStream",
    "Watches",
    "__version__",
    "all_of",
    "any_of",
    "default_controller_rate_limiter",
    "eventually",
    "intern_strings",
    "is_deleting",
    "lean_object",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
    "make_key",
    "namespace_index",
    "not_",
    "object_key",
    "object_predicate",
    "split_key",
    "strip_managed_fields",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
