"""``EventRecorder``: core/v1 Events on objects, aggregated and rate-limited like client-go.

Recording never blocks and never raises: :meth:`EventRecorder.event` correlates the event in
memory and queues the write; a single sender task owned by the recorder writes them in order.
Events are best-effort diagnostics, so a failed write is logged and dropped, and a full queue
drops new events rather than slowing the caller (client-go drops too).

Correlation follows client-go's ``tools/record`` ``EventCorrelator`` with its defaults:

* **Counting**: an event identical to an earlier one (same source, object, type, reason and
  message) is not created again; the existing Event's ``count`` is incremented and its
  ``lastTimestamp`` (and message) updated with a patch. If that Event is gone (expired by the
  server's TTL), it is created afresh.
* **Aggregation**: once ``aggregate_max_events`` (10) events that differ only by message are seen
  for one source/object/type/reason within ``aggregate_interval`` (600 s) of each other, further
  ones are folded into a single Event whose message is prefixed ``(combined from similar events):``
  and whose count grows.
* **Spam filter**: each source+object pair has a token bucket of ``burst`` (25) events refilled at
  ``qps`` (one every 300 s); events beyond it are dropped, so a hot reconcile loop cannot flood the
  API server.

The caches of all three are LRUs of ``cache_size`` (4096) keys.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from kubeflow_informer.errors import NotFound
from kubeflow_informer.token_bucket import TokenBucket

logger = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
AGGREGATE_PREFIX = "(combined from similar events): "

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A size-bounded mapping evicting the least recently used key."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._size:
            self._data.popitem(last=False)


@dataclass
class _AggregateRecord:
    messages: set[str] = field(default_factory=set)
    last_seen: float = 0.0


@dataclass
class _Observation:
    count: int
    first_timestamp: str
    name: str


class EventSink(Protocol):
    """Where events are written: the ``v1/events`` :class:`~kubeflow_informer.client.Resource`."""

    async def create(self, body: Mapping[str, Any], *, namespace: str | None = ...) -> Any: ...

    async def patch(
        self, name: str, body: Any, *, namespace: str | None = ..., patch_type: Any = ...
    ) -> Any: ...


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_reference(
    obj: Mapping[str, Any],
    *,
    api_version: str | None = None,
    kind: str | None = None,
    field_path: str | None = None,
) -> dict[str, Any]:
    """The ``ObjectReference`` for ``obj`` (an Event's ``involvedObject``).

    Objects from a list (and so from the informer cache) often lack ``apiVersion`` / ``kind``;
    pass them here in that case. Raises ``ValueError`` when neither source has them.
    """
    meta = obj["metadata"]
    api_version = obj.get("apiVersion") or api_version
    kind = obj.get("kind") or kind
    if not api_version or not kind:
        raise ValueError(
            f"cannot build an event reference to {meta.get('name')!r}: the object has no "
            "apiVersion/kind; pass api_version= and kind="
        )
    ref: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "name": meta["name"]}
    for source, target in (
        ("namespace", "namespace"),
        ("uid", "uid"),
        ("resourceVersion", "resourceVersion"),
    ):
        if meta.get(source):
            ref[target] = meta[source]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class EventRecorder:
    """Records Events through ``sink`` as ``component`` (the Event ``source``).

    Use it as an async context manager, or call :meth:`start` and :meth:`aclose`; events
    recorded before :meth:`start` wait in the queue. ``clock`` returns wall-clock seconds and
    exists for tests.
    """

    def __init__(
        self,
        sink: EventSink,
        component: str,
        *,
        host: str = "",
        burst: int = 25,
        qps: float = 1.0 / 300.0,
        aggregate_max_events: int = 10,
        aggregate_interval: float = 600.0,
        cache_size: int = 4096,
        queue_size: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sink = sink
        self.component = component
        self.host = host
        self._burst = burst
        self._qps = qps
        self._aggregate_max = aggregate_max_events
        self._aggregate_interval = aggregate_interval
        self._spam: _Lru[tuple[Any, ...], TokenBucket] = _Lru(cache_size)
        self._aggregates: _Lru[tuple[Any, ...], _AggregateRecord] = _Lru(cache_size)
        self._observed: _Lru[tuple[Any, ...], _Observation] = _Lru(cache_size)
        self._queue: asyncio.Queue[tuple[dict[str, Any], bool]] = asyncio.Queue(queue_size)
        self._clock = clock
        self._sender: asyncio.Task[None] | None = None
        self.dropped = 0

    def __repr__(self) -> str:
        return f"EventRecorder({self.component!r}, pending={self._queue.qsize()})"

    async def __aenter__(self) -> EventRecorder:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Start the sender task (idempotent)."""
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_loop(), name=f"events-{self.component}")

    async def flush(self) -> None:
        """Wait until every event recorded so far has been written (or dropped)."""
        await self._queue.join()

    async def aclose(self, drain_seconds: float | None = 5.0) -> None:
        """Write what is queued (for up to ``drain_seconds``), then stop the sender."""
        sender, self._sender = self._sender, None
        if sender is None:
            return
        drained = asyncio.ensure_future(self._queue.join())
        try:
            done, _ = await asyncio.wait({drained}, timeout=drain_seconds)
            if not done:
                logger.warning("events: %d events not written at shutdown", self._queue.qsize())
        finally:
            drained.cancel()
            sender.cancel()
            await asyncio.wait({drained, sender})

    def event(
        self,
        obj: Mapping[str, Any],
        type: str,
        reason: str,
        message: str,
        *,
        api_version: str | None = None,
        kind: str | None = None,
        field_path: str | None = None,
    ) -> None:
        """Record an event of ``type`` (``"Normal"`` or ``"Warning"``) on ``obj``.

        Never blocks or raises for runtime conditions: an unsupported type, a spam-filtered
        event or a full queue is logged and dropped.
        """
        if type not in (NORMAL, WARNING):
            logger.error("events: unsupported event type %r (reason %r); dropped", type, reason)
            return
        ref = object_reference(obj, api_version=api_version, kind=kind, field_path=field_path)
        now = self._clock()
        body, is_update = self._correlate(ref, type, reason, message, now)
        if body is None:
            return
        try:
            self._queue.put_nowait((body, is_update))
        except asyncio.QueueFull:
            self.dropped += 1
            logger.warning("events: queue full, dropping event %s on %s", reason, ref["name"])

    def _correlate(
        self, ref: dict[str, Any], type: str, reason: str, message: str, now: float
    ) -> tuple[dict[str, Any] | None, bool]:
        obj_key = (
            self.component, self.host, ref["kind"], ref.get("namespace", ""), ref["name"],
            ref.get("uid", ""), ref["apiVersion"],
        )
        aggregate_key = (*obj_key, type, reason)
        record = self._aggregates.get(aggregate_key)
        if record is None or now - record.last_seen > self._aggregate_interval:
            record = _AggregateRecord()
        record.messages.add(message)
        record.last_seen = now
        self._aggregates.put(aggregate_key, record)
        if len(record.messages) >= self._aggregate_max:
            # Keep the set bounded, as client-go does, then fold into the aggregate event.
            record.messages.pop()
            message = AGGREGATE_PREFIX + message
            observe_key: tuple[Any, ...] = aggregate_key
        else:
            observe_key = (*aggregate_key, ref.get("fieldPath", ""), message)

        stamp = _timestamp(now)
        last = self._observed.get(observe_key)
        if last is None:
            name = f"{ref['name']}.{int(now * 1e9):x}"
            observation = _Observation(count=1, first_timestamp=stamp, name=name)
        else:
            observation = _Observation(last.count + 1, last.first_timestamp, last.name)
        self._observed.put(observe_key, observation)

        bucket = self._spam.get(obj_key)
        if bucket is None:
            bucket = TokenBucket(self._qps, self._burst, now=now)
            self._spam.put(obj_key, bucket)
        if not bucket.try_take(now):
            logger.debug("events: spam filter dropped %s on %s", reason, ref["name"])
            return None, False
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": observation.name,
                "namespace": ref.get("namespace") or "default",
            },
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type,
            "count": observation.count,
            "firstTimestamp": observation.first_timestamp,
            "lastTimestamp": stamp,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
        return body, last is not None

    async def _send_loop(self) -> None:
        while True:
            body, is_update = await self._queue.get()
            try:
                await self._write(body, is_update)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                logger.warning(
                    "events: could not write event %s on %s: %s",
                    body["reason"],
                    body["involvedObject"]["name"],
                    err,
                )
            finally:
                self._queue.task_done()

    async def _write(self, body: dict[str, Any], is_update: bool) -> None:
        namespace = body["metadata"]["namespace"]
        if is_update:
            patch = {
                "count": body["count"],
                "lastTimestamp": body["lastTimestamp"],
                "message": body["message"],
            }
            try:
                await self.sink.patch(
                    body["metadata"]["name"], patch, namespace=namespace, patch_type="merge"
                )
                return
            except NotFound:
                pass  # expired (or never written): create it afresh with the current count
        await self.sink.create(body, namespace=namespace)


__all__ = [
    "AGGREGATE_PREFIX",
    "NORMAL",
    "WARNING",
    "EventRecorder",
    "EventSink",
    "object_reference",
]
