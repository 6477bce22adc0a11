"""The user contract: ``Reconciler.reconcile(Request) -> Result | None``.

A reconciler is *level-triggered*: it is told only *which* object to look at (a
:class:`Request`), never *what happened* to it. It reads the current state from the informer
cache through listers, compares it with the desired state and writes the difference through the
client. Several events for one object collapse into one request while it waits in the queue, so
a reconcile must never depend on seeing every event.

How the controller treats the outcome (the controller-runtime contract):

* returns ``None`` or ``Result()`` - success: the key's failure history is forgotten;
* returns ``Result(requeue_after=s)`` - success, reconcile again after ``s`` seconds (history
  forgotten first, so the delay is exactly ``s``);
* returns ``Result(requeue=True)`` - reconcile again after the rate limiter's next backoff;
* raises :class:`TerminalError` - logged and counted, not retried (a new event will bring the key
  back);
* raises anything else - logged with its traceback, counted, retried with the rate limiter's
  growing backoff.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.keys import make_key

if TYPE_CHECKING:
    from kubeflow_informer.cache import Lister
    from kubeflow_informer.client import ApiClient
    from kubeflow_informer.controller.events import EventRecorder


class Request(NamedTuple):
    """Which object to reconcile: its namespace (``None`` when cluster-scoped) and name.

    Hashable and comparable, so the workqueue deduplicates requests for the same object. A
    named tuple rather than a frozen dataclass: one is made and hashed for every event that
    reaches a controller, and a tuple's construction and hash run in C (measured: the frozen
    dataclass's ``__init__`` and generated ``__hash__`` were 4% of the event-to-reconcile path).
    """

    namespace: str | None
    name: str

    @classmethod
    def for_object(cls, obj: Mapping[str, Any]) -> Request:
        """The request naming ``obj`` (read from its ``metadata``)."""
        meta = obj["metadata"]
        return cls(meta.get("namespace") or None, meta["name"])

    @property
    def key(self) -> str:
        """The cache key, ``namespace/name`` or ``name``, as ``keys.object_key`` builds it."""
        return make_key(self.namespace, self.name)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Result:
    """What to do with the request after a successful reconcile.

    ``requeue_after`` (seconds, > 0) wins over ``requeue``, as in controller-runtime.
    """

    requeue: bool = False
    requeue_after: float | None = None

    def __post_init__(self) -> None:
        if self.requeue_after is not None and self.requeue_after < 0:
            raise ValueError(f"requeue_after must be >= 0, got {self.requeue_after!r}")


class TerminalError(KubeflowInformerError):
    """Raise from ``reconcile`` for an error that retrying cannot fix.

    The controller logs it and counts it in ``controller_runtime_terminal_reconcile_errors_total``
    and ``controller_runtime_reconcile_errors_total``, then forgets the key instead of requeueing.
    """


ListerFactory = Callable[..., "Lister"]


@dataclass(frozen=True, slots=True)
class ReconcilerContext:
    """What the manager injects into a reconciler when its controller is added.

    ``lister_for`` has the signature of ``SharedInformerFactory.lister_for``; ``recorder`` is an
    :class:`~kubeflow_informer.controller.events.EventRecorder` for this controller's name.
    """

    client: ApiClient
    lister_for: ListerFactory
    recorder: EventRecorder


class Reconciler(abc.ABC):
    """Subclass and implement :meth:`reconcile`.

    After its controller is added to a :class:`~kubeflow_informer.controller.manager.Manager`,
    the reconciler can reach the manager's :attr:`client`, informer-cache :meth:`lister` s and an
    :attr:`recorder` for Events. Using them before the manager has started raises
    :class:`RuntimeError`. ``reconcile`` may run concurrently for *different* requests (up to the
    controller's ``max_concurrent_reconciles``), never for the same one.
    """

    _context: ReconcilerContext | None = None

    @abc.abstractmethod
    async def reconcile(self, request: Request) -> Result | None:
        """Bring the object named by ``request`` to its desired state. See the module docstring."""

    def inject(self, context: ReconcilerContext) -> None:
        """Called by the manager once its client and informer factory exist."""
        self._context = context

    @property
    def context(self) -> ReconcilerContext:
        """The injected context; raises :class:`RuntimeError` before the manager starts."""
        if self._context is None:
            raise RuntimeError(
                f"{type(self).__name__} has no client yet: add its Controller to a Manager and "
                "start the manager before reconciling"
            )
        return self._context

    @property
    def client(self) -> ApiClient:
        """The manager's :class:`~kubeflow_informer.client.ApiClient` (writes go here)."""
        return self.context.client

    @property
    def recorder(self) -> EventRecorder:
        """Records core/v1 Events on objects, aggregated and rate-limited."""
        return self.context.recorder

    def lister(self, api_version: str, plural: str, **kwargs: Any) -> Lister:
        """A :class:`~kubeflow_informer.cache.Lister` over the manager's shared informer cache.

        Same arguments as ``SharedInformerFactory.lister_for``. Objects it returns are shared
        with the cache: copy before mutating. The cache has always synced: for a resource,
        namespace or selector no watch declared, the manager starts an informer, the reconcile
        waits for its first sync and runs again (``Manager.lister_for``).
        """
        return self.context.lister_for(api_version, plural, **kwargs)


__all__ = [
    "Reconciler",
    "ReconcilerContext",
    "Request",
    "Result",
    "TerminalError",
]
