"""A small, deliberately misbehaving API server: raw asyncio HTTP/1.1 on 127.0.0.1.

Written apart from the embedded server (``kubeflow_informer.apiserver``) on purpose: it shares no
code with the framework, so a bug in our own server cannot hide one in the client. It serves one
resource, ConfigMaps in namespace ``default`` (also listed and watched cluster-wide, as
``/api/v1/configmaps``), just well enough for an informer:

* **LIST** pages of ``limit`` objects from a snapshot taken by the first page; ``continue`` is
  an opaque token naming the snapshot and offset; ``resourceVersion`` is the snapshot's.
* **WATCH** (``?watch=true``): chunked JSON lines, every change after the requested
  ``resourceVersion`` (410 ``Expired`` when that is older than :attr:`HostileServer.compacted`),
  then live changes; a ``BOOKMARK`` every ``bookmark_interval`` when ``allowWatchBookmarks`` is
  set; the stream ends after ``timeoutSeconds``.

Every request is first offered to the current :class:`Behaviour`, which may answer it in any
hostile way (an error status, a repeated continue token, a stream that closes at once, a hang, a
reset connection...) or decline, in which case the healthy answer above is sent.
:meth:`HostileServer.set_behaviour` changes it and ends the healthy watches open at that moment,
so the next requests meet the new behaviour; ``set_behaviour(None)`` is the recovery. Every
request is recorded (time, kind, status) in :attr:`HostileServer.requests`, which the rate
budgets of the tests count.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

PATHS = frozenset({"/api/v1/namespaces/default/configmaps", "/api/v1/configmaps"})
_REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass
class Request:
    """One parsed request: ``kind`` is ``list``, ``watch`` or ``other``."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def kind(self) -> str:
        if self.path not in PATHS or self.method != "GET":
            return "other"
        return "watch" if self.query.get("watch") in ("true", "1") else "list"


@dataclass
class Recorded:
    at: float
    kind: str
    status: int
    query: dict[str, str]


class Connection:
    """The writing side of one client connection, with the few answers a behaviour needs."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.status = 0
        self.keep_alive = True

    async def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """A complete JSON answer with ``Content-Length`` (the connection stays open)."""
        self.status = status
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                "Content-Type: application/json", f"Content-Length: {len(data)}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self.writer.drain()

    async def status_error(self, code: int, reason: str, message: str = "", *,
                           retry_after: str | None = None,
                           details: dict[str, Any] | None = None) -> None:
        """A ``Status`` error answer, optionally with ``Retry-After`` and ``details``."""
        body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": message or reason,
                                "reason": reason, "code": code}
        if details is not None:
            body["details"] = details
        headers = {"Retry-After": retry_after} if retry_after is not None else None
        await self.json(code, body, headers)

    async def start_stream(self) -> None:
        """A 200 with chunked encoding: the start of a watch."""
        self.status = 200
        self.writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n")
        await self.writer.drain()

    async def line(self, event: Any) -> None:
        """One watch event (any JSON value, or raw bytes) as one chunk ending in a newline."""
        data = (event if isinstance(event, bytes) else orjson.dumps(event)) + b"\n"
        self.writer.write(b"%x\r\n%s\r\n" % (len(data), data))
        await self.writer.drain()

    async def end_stream(self) -> None:
        """End the watch cleanly (the terminating chunk; the connection may be reused)."""
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()

    def reset(self) -> None:
        """Drop the connection without an answer (or in the middle of one)."""
        self.keep_alive = False
        self.status = -1
        with contextlib.suppress(Exception):
            self.writer.transport.abort()


class Behaviour:
    """A hostile answer to some requests. ``respond`` returns False to let the healthy server
    answer instead. Subclasses keep their own counters; ``server`` gives access to the state."""

    description = ""

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@dataclass
class _Snapshot:
    rv: int
    items: list[dict[str, Any]]


@dataclass
class HostileServer:
    """The server; use as ``async with HostileServer() as server`` (binds a free port)."""

    behaviour: Behaviour | None = None
    bookmark_interval: float = 0.5
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    rv: int = 100
    compacted: int = 0
    requests: list[Recorded] = field(default_factory=list)
    history: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self._snapshots: dict[str, _Snapshot] = {}
        self._tokens = itertools.count(1)
        self._generation = 0
        self.port = 0

    def set_behaviour(self, behaviour: Behaviour | None) -> None:
        """Answer from now on with ``behaviour`` (``None``: healthy); ends open healthy watches."""
        self.behaviour = behaviour
        self._generation += 1
        self._wake()

    def _wake(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        tasks = list(self._handlers)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    # -- the truth --------------------------------------------------------------------------------

    async def write(self, name: str, data: dict[str, str] | None) -> None:
        """Create or update ``name`` (``data`` given) or delete it (``None``); wakes watches."""
        self.rv += 1
        if data is None:
            obj = self.objects.pop(name)
            obj = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(self.rv)}}
            kind = "DELETED"
        else:
            kind = "MODIFIED" if name in self.objects else "ADDED"
            obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": data,
                   "metadata": {"name": name, "namespace": "default",
                                "resourceVersion": str(self.rv), "uid": f"uid-{name}"}}
            self.objects[name] = obj
        self.history.append((self.rv, kind, obj))
        async with self._changed:
            self._changed.notify_all()

    def compact(self) -> None:
        """Forget the history: watches from any version before now get 410."""
        self.compacted = self.rv
        self.history.clear()

    def truth(self) -> dict[str, str]:
        """name -> resourceVersion of every object."""
        return {name: obj["metadata"]["resourceVersion"] for name, obj in self.objects.items()}

    # -- counting ---------------------------------------------------------------------------------

    def count(self, since: float, until: float | None = None, kind: str | None = None) -> int:
        """Requests received in ``[since, until)`` (of ``kind`` when given)."""
        end = until if until is not None else float("inf")
        return sum(1 for r in self.requests
                   if since <= r.at < end and (kind is None or r.kind == kind))

    # -- HTTP -------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        conn = Connection(writer)
        try:
            while conn.keep_alive:
                request = await _read_request(reader)
                if request is None:
                    break
                conn.status = 0
                record = Recorded(time.monotonic(), request.kind, 0, request.query)
                self.requests.append(record)
                try:
                    handled = self.behaviour is not None and await self.behaviour.respond(
                        self, request, conn)
                    if not handled:
                        await self._healthy(request, conn)
                finally:
                    record.status = conn.status
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _healthy(self, request: Request, conn: Connection) -> None:
        if request.kind == "list":
            await self.serve_list(request, conn)
        elif request.kind == "watch":
            await self.serve_watch(request, conn)
        else:
            await conn.status_error(404, "NotFound", f"{request.path} is not served here")

    async def serve_list(self, request: Request, conn: Connection) -> None:
        """The healthy paginated LIST."""
        token = request.query.get("continue")
        if token:
            snapshot = self._snapshots.get(token.split(":")[0])
            if snapshot is None:
                await conn.status_error(410, "Expired", "continue token expired")
                return
            offset = int(token.split(":")[1])
            snap_id = token.split(":")[0]
        else:
            snap_id = str(next(self._tokens))
            items = [self.objects[name] for name in sorted(self.objects)]
            snapshot = self._snapshots[snap_id] = _Snapshot(self.rv, items)
            offset = 0
        limit = int(request.query.get("limit") or 0) or len(snapshot.items) or 1
        page = snapshot.items[offset:offset + limit]
        metadata: dict[str, Any] = {"resourceVersion": str(snapshot.rv)}
        if offset + limit < len(snapshot.items):
            metadata["continue"] = f"{snap_id}:{offset + limit}"
        await conn.json(200, self.list_body(page, metadata))

    @staticmethod
    def list_body(items: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": metadata,
                "items": items}

    async def serve_watch(self, request: Request, conn: Connection) -> None:
        """The healthy WATCH from ``resourceVersion``, with bookmarks when asked for."""
        since = int(request.query.get("resourceVersion") or self.rv)
        if since < self.compacted:
            await conn.status_error(410, "Expired", f"too old resource version: {since}")
            return
        bookmarks = request.query.get("allowWatchBookmarks") == "true"
        timeout = float(request.query.get("timeoutSeconds") or 1800)
        deadline = time.monotonic() + timeout
        await conn.start_stream()
        sent = since
        next_bookmark = time.monotonic() + self.bookmark_interval
        generation = self._generation
        while generation == self._generation:
            for rv, kind, obj in self.history:
                if rv > sent:
                    await conn.line({"type": kind, "object": obj})
                    sent = rv
            now = time.monotonic()
            if now >= deadline:
                break
            if bookmarks and now >= next_bookmark:
                await conn.line({"type": "BOOKMARK", "object": {
                    "kind": "ConfigMap", "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(max(sent, self.rv))}}})
                next_bookmark = now + self.bookmark_interval
            wait = min(deadline, next_bookmark if bookmarks else deadline) - now
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), max(0.01, min(wait, 0.2)))
        if conn.keep_alive:
            await conn.end_stream()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    if length:
        await reader.readexactly(length)
    parts = urlsplit(target)
    return Request(method, parts.path, dict(parse_qsl(parts.query)), headers)
