"""Controllers: reconcilers, watches, predicates, finalizers, events, leader election, manager.

What users write against. A user subclasses :class:`Reconciler`, describes what it is for and
what it owns with a :class:`Controller`, adds it to a :class:`Manager` and runs the manager; the
framework does the queueing, deduplication, retries with backoff, concurrency, leader election,
health and metrics endpoints, and graceful shutdown. See ``docs/controllers.md``.
"""

from kubeflow_informer.controller.controller import Controller
from kubeflow_informer.controller.events import EventRecorder, object_reference
from kubeflow_informer.controller.finalizers import Finalizer, FinalizerOutcome, is_deleting
from kubeflow_informer.controller.leader_election import LeaderElectionConfig, LeaderElector
from kubeflow_informer.controller.manager import CacheSyncTimeout, LeaderElectionLost, Manager
from kubeflow_informer.controller.predicates import (
    AnnotationChangedPredicate,
    FuncPredicate,
    GenerationChangedPredicate,
    LabelChangedPredicate,
    Predicate,
    ResourceVersionChangedPredicate,
    all_of,
    any_of,
    not_,
    object_predicate,
)
from kubeflow_informer.controller.reconciler import (
    Reconciler,
    ReconcilerContext,
    Request,
    Result,
    TerminalError,
)
from kubeflow_informer.controller.sources import For, Owns, Watches

__all__ = [
    "AnnotationChangedPredicate",
    "CacheSyncTimeout",
    "Controller",
    "EventRecorder",
    "Finalizer",
    "FinalizerOutcome",
    "For",
    "FuncPredicate",
    "GenerationChangedPredicate",
    "LabelChangedPredicate",
    "LeaderElectionConfig",
    "LeaderElectionLost",
    "LeaderElector",
    "Manager",
    "Owns",
    "Predicate",
    "Reconciler",
    "ReconcilerContext",
    "Request",
    "ResourceVersionChangedPredicate",
    "Result",
    "TerminalError",
    "Watches",
    "all_of",
    "any_of",
    "is_deleting",
    "not_",
    "object_predicate",
    "object_reference",
]
