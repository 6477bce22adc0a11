"""Event handlers and their per-handler delivery (client-go ``processorListener``).

A handler is anything with ``on_add(obj, is_initial_list)``, ``on_update(old, new)`` and
``on_delete(obj_or_tombstone)``; each may be a plain function or a coroutine function. Subclass
:class:`ResourceEventHandler` to override only some of them, or wrap functions in
:class:`FuncHandler`.

Delivery contract:

* Every registered handler has its own unbounded buffer (a deque) and its own task. The informer
  only appends to buffers, so a slow handler delays nobody but itself, and its buffer grows
  instead (as client-go's ``processorListener`` ring buffer does).
* Notifications reach one handler in the order the informer applied them to the cache; an async
  handler is awaited before the next notification is delivered to it.
* A notification of the initial list is *pending* from the moment the informer hands it over
  until the handler has finished with it - returned, or, for an async handler, its coroutine
  completed (or raised). ``HandlerRegistration.has_synced`` is true once none is pending. The
  same holds whether the notification was buffered or called inline (see ``_Listener``).
* An exception in a handler is logged with its traceback and counted (``registration.errors``);
  the notification is dropped and delivery goes on.
* ``on_delete`` receives the deleted object, or a
  :class:`~kubeflow_informer.cache.delta_fifo.DeletedFinalStateUnknown` when the delete was only
  inferred from a relist.
* Resyncs arrive as ``on_update(obj, obj)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kubeflow_informer.cache.informer import SharedIndexInformer

__all__ = [
    "EventHandler",
    "FuncHandler",
    "HandlerRegistration",
    "ResourceEventHandler",
]

logger = logging.getLogger(__name__)

#: Notification kinds in a listener's buffer: ``(kind, first, second)`` tuples. ``AWAIT`` holds
#: the awaitable an async handler returned when it was called inline (see ``_Listener.deliver``),
#: with, as ``second``, whether it handles an initial-list add (as ``ADD``'s ``second`` says).
ADD, UPDATE, DELETE, AWAIT = 0, 1, 2, 3


def _is_initial(kind: int, second: Any) -> bool:
    """Whether a buffered notification is part of the initial list (counted as pending)."""
    return (kind == ADD or kind == AWAIT) and second is True


class EventHandler(Protocol):
    """The shape the informer accepts: three methods, each sync or async."""

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> Any: ...

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> Any: ...

    def on_delete(self, obj: Any) -> Any: ...


class ResourceEventHandler:
    """Base class with no-op handlers; override the ones you need (sync or ``async def``)."""

    def on_add(self, obj: dict[str, Any], is_initial_list: bool) -> Any:
        """An object appeared in the cache (``is_initial_list``: part of the initial state)."""
        return None

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> Any:
        """An object changed, or was resynced (then ``old is new`` or equal)."""
        return None

    def on_delete(self, obj: Any) -> Any:
        """An object left the cache: its last state, or a ``DeletedFinalStateUnknown``."""
        return None


class FuncHandler(ResourceEventHandler):
    """A handler built from optional functions; missing ones are no-ops."""

    def __init__(
        self,
        on_add: Callable[[dict[str, Any], bool], Any] | None = None,
        on_update: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> None:
        if on_add is not None:
            self.on_add = on_add  # type: ignore[method-assign,assignment]
        if on_update is not None:
            self.on_update = on_update  # type: ignore[method-assign,assignment]
        if on_delete is not None:
            self.on_delete = on_delete  # type: ignore[method-assign,assignment]


def _noop(*_args: Any) -> None:
    return None


class _Listener:
    """One handler's buffer and delivery task; owned by its informer.

    :meth:`deliver` calls the handler at once when nothing is waiting in the buffer and the task
    is idle: the notification would be the very next one the task delivers, so order is the same,
    and the informer (a single task on the loop, like every handler) is not held up any longer than
    by the task doing the same call a moment later. What it saves is real: the replaced object is
    released right after the handler saw it, while its memory is still in the CPU's cache, instead
    of after a whole batch of newer objects was decoded (measured: a third of the informer's cost
    per watch event). When the handler returns an awaitable it is handed to the task, which awaits
    it; from then on the task delivers, in order, until its buffer is empty again. Handing it over
    is buffering it, so an initial-list add stays pending until the awaitable completes: inline
    and buffered delivery keep one contract.
    """

    __slots__ = (
        "_on_add",
        "_on_delete",
        "_on_update",
        "buffer",
        "busy",
        "delivered",
        "errors",
        "handler",
        "next_resync",
        "pending_initial",
        "resync_period",
        "task",
        "wakeup",
    )

    def __init__(self, handler: EventHandler, resync_period: float) -> None:
        self.handler = handler
        self._on_add = getattr(handler, "on_add", None) or _noop
        self._on_update = getattr(handler, "on_update", None) or _noop
        self._on_delete = getattr(handler, "on_delete", None) or _noop
        self.buffer: deque[tuple[int, Any, Any]] = deque()
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        #: True while the task is delivering (including while it awaits an async handler).
        self.busy = False
        self.pending_initial = 0
        self.errors = 0
        self.delivered = 0
        self.resync_period = resync_period
        self.next_resync = 0.0

    def push(self, notification: tuple[int, Any, Any]) -> None:
        """Queue ``notification`` for the task (used before the task runs, and for replays)."""
        if _is_initial(notification[0], notification[2]):
            self.pending_initial += 1
        buffer = self.buffer
        buffer.append(notification)
        if len(buffer) == 1:
            self.wakeup.set()

    def deliver(self, kind: int, first: Any, second: Any) -> None:
        """Deliver one notification: inline when the task has nothing pending, else queued."""
        if self.buffer or self.busy or self.task is None:
            self.push((kind, first, second))
            return
        try:
            result = self._call(kind, first, second)
        except (Exception, asyncio.CancelledError):
            # A synchronous call cannot be cancelled from outside, so a CancelledError here came
            # from the handler itself (e.g. ``result()`` of a cancelled future): the handler's
            # error, which must not cancel the informer task that happened to make the call.
            self._failed()
            self.delivered += 1
            return
        if result is not None and hasattr(result, "__await__"):
            # An async handler: its task awaits the rest, and delivers what comes next.
            self.push((AWAIT, result, kind == ADD and second is True))
            return
        self.delivered += 1

    def _call(self, kind: int, first: Any, second: Any) -> Any:
        """Call the handler method for one ``ADD`` / ``UPDATE`` / ``DELETE`` notification."""
        if kind == UPDATE:
            return self._on_update(first, second)
        if kind == ADD:
            return self._on_add(first, second)
        return self._on_delete(first)

    def _failed(self) -> None:
        self.errors += 1
        logger.exception("event handler %r failed", self.handler)

    def should_resync(self, now: float) -> bool:
        period = self.resync_period
        # Timers may fire a hair early; a resync 1% early is still the one that was due.
        if period <= 0 or now < self.next_resync - 0.01 * period:
            return False
        self.next_resync = now + period
        return True

    async def run(self) -> None:
        buffer = self.buffer
        popleft = buffer.popleft
        wakeup = self.wakeup
        call = self._call
        try:
            while True:
                if not buffer:
                    self.busy = False
                    wakeup.clear()
                    await wakeup.wait()
                    continue
                self.busy = True
                kind, first, second = popleft()
                try:
                    # AWAIT holds an async handler's awaitable that deliver() already obtained.
                    result = first if kind == AWAIT else call(kind, first, second)
                    if result is not None and hasattr(result, "__await__"):
                        await result
                except Exception:
                    self._failed()
                finally:
                    if _is_initial(kind, second):
                        self.pending_initial -= 1
                self.delivered += 1
        finally:
            self.busy = False
            for kind, first, _second in buffer:
                close = getattr(first, "close", None) if kind == AWAIT else None
                if close is not None:
                    close()  # started by deliver() but never awaited: no warning at exit


class HandlerRegistration:
    """What :meth:`SharedIndexInformer.add_event_handler` returns.

    ``has_synced`` is true once the informer has synced *and* this handler has been given every
    object of the initial list (or, for a handler added later, of the cache at that moment).
    """

    def __init__(self, informer: SharedIndexInformer, listener: _Listener) -> None:
        self._informer = informer
        self._listener = listener
        self.removed = False

    def __repr__(self) -> str:
        return (
            f"HandlerRegistration(handler={self._listener.handler!r}, "
            f"has_synced={self.has_synced}, removed={self.removed})"
        )

    @property
    def handler(self) -> EventHandler:
        """The registered handler."""
        return self._listener.handler

    @property
    def has_synced(self) -> bool:
        """True once this handler has received the whole initial state."""
        return self._informer.has_synced and self._listener.pending_initial == 0

    @property
    def errors(self) -> int:
        """How many notifications this handler raised on."""
        return self._listener.errors

    @property
    def pending(self) -> int:
        """Notifications buffered for this handler and not yet delivered."""
        return len(self._listener.buffer)

    def remove(self) -> None:
        """Stop delivering to this handler; its task is cancelled (and awaited by the informer)."""
        self._informer.remove_event_handler(self)
