"""An in-memory ListerWatcher for the cache unit tests: resourceVersions, paging, watch history,
compaction (410), bookmarks, streaming lists and scripted failures."""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from typing import Any

from kubeflow_informer.errors import BadRequest, Expired
from kubeflow_informer.keys import object_key


def pod(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"nodeName": "node-1"},
    }


class Event:
    __slots__ = ("object", "type")

    def __init__(self, type: str, object: dict[str, Any]) -> None:
        self.type = type
        self.object = object


class FakeWatch:
    def __init__(self, owner: FakeListerWatcher, options: dict[str, Any]) -> None:
        self.owner = owner
        self.options = options
        self.queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        self.closed = False

    async def __aenter__(self) -> FakeWatch:
        self.owner._open_watch(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.closed = True
        if self in self.owner.watches:
            self.owner.watches.remove(self)

    def __aiter__(self) -> FakeWatch:
        return self

    async def __anext__(self) -> Event:
        item = await self.queue.get()
        if item is None:
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        return item

    def end(self) -> None:
        self.queue.put_nowait(None)

    def fail(self, error: BaseException) -> None:
        self.queue.put_nowait(error)


class FakeListerWatcher:
    """Objects with a resourceVersion counter; every served object is a fresh copy."""

    def __init__(self, *, supports_watch_list: bool = False) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.rv = 100
        self.history: list[tuple[int, str, dict[str, Any]]] = []
        self.compacted_rv = 0
        self.watches: list[FakeWatch] = []
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []
        self.list_errors: deque[BaseException | None] = deque()
        self.watch_errors: deque[BaseException] = deque()
        self.supports_watch_list = supports_watch_list
        self._snapshots: dict[int, list[dict[str, Any]]] = {}
        self.watch_opened = asyncio.Event()

    # -- mutations -------------------------------------------------------------------------------

    def _event(self, etype: str, obj: dict[str, Any]) -> None:
        self.history.append((self.rv, etype, obj))
        for watch in list(self.watches):
            watch.queue.put_nowait(Event(etype, copy.deepcopy(obj)))

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.objects[object_key(obj)] = obj
        self._event("ADDED", obj)
        return obj

    def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.objects[object_key(obj)] = obj
        self._event("MODIFIED", obj)
        return obj

    def delete(self, key: str) -> dict[str, Any]:
        self.rv += 1
        obj = self.objects.pop(key)
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self._event("DELETED", obj)
        return obj

    def silently_delete(self, key: str) -> None:
        """Delete without telling any watch (the watch 'missed' it)."""
        self.rv += 1
        del self.objects[key]

    def compact(self) -> None:
        self.rv += 1  # history up to here is gone; a watch from an older version gets 410
        self.compacted_rv = self.rv
        self.history.clear()

    def bookmark(self) -> None:
        for watch in list(self.watches):
            watch.queue.put_nowait(
                Event("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": str(self.rv)}})
            )

    def end_watches(self) -> None:
        for watch in list(self.watches):
            watch.end()

    def fail_watches(self, error: BaseException) -> None:
        for watch in list(self.watches):
            watch.fail(error)

    # -- ListerWatcher ---------------------------------------------------------------------------

    async def list(self, **options: Any) -> dict[str, Any]:
        self.list_calls.append(options)
        await asyncio.sleep(0)
        if self.list_errors:
            error = self.list_errors.popleft()
            if error is not None:  # None: let this call through
                raise error
        limit = options.get("limit")
        token = options.get("continue_token")
        if token:
            snap_rv, offset = (int(part) for part in token.split(":"))
            items = self._snapshots[snap_rv]
        else:
            snap_rv, offset = self.rv, 0
            items = [copy.deepcopy(o) for _, o in sorted(self.objects.items())]
            self._snapshots[snap_rv] = items
        end = len(items) if not limit else offset + limit
        metadata: dict[str, Any] = {"resourceVersion": str(snap_rv)}
        if end < len(items):
            metadata["continue"] = f"{snap_rv}:{end}"
        return {"kind": "PodList", "metadata": metadata, "items": items[offset:end]}

    def watch(self, **options: Any) -> FakeWatch:
        self.watch_calls.append(options)
        return FakeWatch(self, options)

    def _open_watch(self, watch: FakeWatch) -> None:
        if self.watch_errors:
            raise self.watch_errors.popleft()
        options = watch.options
        if options.get("send_initial_events"):
            if not self.supports_watch_list:
                raise BadRequest(400, "BadRequest", "sendInitialEvents is not supported")
            for _, obj in sorted(self.objects.items()):
                watch.queue.put_nowait(Event("ADDED", copy.deepcopy(obj)))
            watch.queue.put_nowait(
                Event(
                    "BOOKMARK",
                    {
                        "kind": "Pod",
                        "metadata": {
                            "resourceVersion": str(self.rv),
                            "annotations": {"k8s.io/initial-events-end": "true"},
                        },
                    },
                )
            )
        else:
            since = int(options.get("resource_version") or 0)
            if since < self.compacted_rv:
                raise Expired(410, "Expired", "too old resource version")
            for rv, etype, obj in self.history:
                if rv > since:
                    watch.queue.put_nowait(Event(etype, copy.deepcopy(obj)))
        self.watches.append(watch)
        self.watch_opened.set()

    async def wait_for_watch(self, count: int = 1) -> None:
        while len(self.watches) < count:
            self.watch_opened.clear()
            await self.watch_opened.wait()


async def eventually(predicate: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until ``predicate()`` is true (polling); fail the test if it never becomes true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.005)
