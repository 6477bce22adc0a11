"""The watch stream: newline-delimited JSON events decoded incrementally from a chunked response.

Speed matters here (every informer event passes through :meth:`WatchStream.__anext__`), so the
hot path is: one ``readany()`` per network batch, one ``bytes.split(b"\\n")`` per batch, then
per event one ``deque.popleft`` of a line, one ``orjson.loads`` and one two-slot
:class:`WatchEvent`. No per-event logging or validation beyond what decoding needs.

Wire rules (the API server's ``watch`` encoding):

* Each event is one JSON line ``{"type": ..., "object": {...}}``; a line may span any number of
  network chunks and be many megabytes (no ``readline``: aiohttp caps lines at 64 KiB).
* A line longer than ``max_line_bytes`` raises :class:`ProtocolError` as soon as the buffered
  part exceeds the limit, so memory stays bounded by the limit plus one network batch.
* ``ERROR`` events carry a ``Status``; they raise the matching :class:`ApiError` (410 ->
  :class:`Expired` / :class:`Gone`), after every event decoded before them was delivered.
* A stream that ends exactly between lines ends the iteration; one that ends mid-line, or a line
  that is not a JSON event object, raises :class:`ProtocolError`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from kubeflow_informer.errors import (
    ProtocolError,
    TransportError,
    api_error_from_status,
)

DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024

_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


class WatchEvent:
    """One watch event: ``type`` (``ADDED``/``MODIFIED``/``DELETED``/``BOOKMARK``) and ``object``.

    ``object`` is the dict exactly as decoded; it is shared with whoever consumes it next and
    must not be mutated.
    """

    __slots__ = ("object", "type")

    def __init__(self, type: str, object: dict[str, Any]) -> None:
        self.type = type
        self.object = object

    def __repr__(self) -> str:
        meta = self.object.get("metadata") if isinstance(self.object, dict) else None
        name = meta.get("name") if isinstance(meta, dict) else None
        rv = meta.get("resourceVersion") if isinstance(meta, dict) else None
        return f"WatchEvent(type={self.type!r}, name={name!r}, resourceVersion={rv!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WatchEvent):
            return NotImplemented
        return self.type == other.type and self.object == other.object

    __hash__ = None  # type: ignore[assignment]


class LineSplitter:
    """Accumulates byte chunks and returns complete lines, refusing lines above ``max_line_bytes``.

    Partial lines are kept as a list of pieces and joined once, when their newline arrives, so a
    multi-megabyte line arriving in many small chunks costs one copy rather than one per chunk.
    """

    __slots__ = ("_pending", "_pending_len", "description", "max_line_bytes")

    def __init__(self, max_line_bytes: int, description: str) -> None:
        self.max_line_bytes = max_line_bytes
        self.description = description
        self._pending: list[bytes] = []
        self._pending_len = 0

    @property
    def has_partial_line(self) -> bool:
        """True while bytes of an unfinished line are buffered."""
        return self._pending_len > 0

    def _too_long(self, length: int) -> ProtocolError:
        return ProtocolError(
            f"{self.description}: a line exceeds max_line_bytes={self.max_line_bytes} "
            f"({length} bytes so far)"
        )

    def feed(self, chunk: bytes) -> list[bytes | memoryview]:
        """Add a chunk; return the complete lines it finished (without the newline).

        Lines that lie inside ``chunk`` come back as memoryviews of it, not copies: a copy per
        line cost more than finding the newlines (``orjson.loads`` and ``str(line, ...)`` take
        either). A line that began in an earlier chunk is joined into ``bytes``.
        """
        newline = chunk.find(b"\n")
        if newline < 0:
            self._pending_len += len(chunk)
            if self._pending_len > self.max_line_bytes:
                raise self._too_long(self._pending_len)
            self._pending.append(chunk)
            return []
        limit = self.max_line_bytes
        view = memoryview(chunk)
        lines: list[bytes | memoryview]
        if self._pending:
            first_len = self._pending_len + newline
            if first_len > limit:
                raise self._too_long(first_len)
            self._pending.append(chunk[:newline])
            lines = [b"".join(self._pending)]
        else:
            if newline > limit:
                raise self._too_long(newline)
            lines = [view[:newline]]
        append = lines.append
        find = chunk.find
        start = newline + 1
        end = find(b"\n", start)
        while end >= 0:
            if end - start > limit:
                raise self._too_long(end - start)
            append(view[start:end])
            start = end + 1
            end = find(b"\n", start)
        if start < len(chunk):
            tail = chunk[start:]
            self._pending = [tail]
            self._pending_len = len(tail)
            if self._pending_len > limit:
                raise self._too_long(self._pending_len)
        else:
            self._pending = []
            self._pending_len = 0
        return lines


class WatchStream:
    """An open (or lazily opened) watch: an async context manager and an async iterator.

    The connection opens on ``async with`` or on the first ``__anext__``; leaving the ``async
    with``, calling :meth:`close`, or the end of the stream closes it. Iterating a closed stream
    ends at once. Transport failures while reading raise :class:`TransportError` (a cut inside a
    line raises :class:`ProtocolError`).
    """

    __slots__ = (
        "__weakref__",
        "_closed",
        "_content",
        "_lines",
        "_on_close",
        "_opener",
        "_response",
        "_splitter",
        "description",
    )

    def __init__(
        self,
        opener: Callable[[], Awaitable[aiohttp.ClientResponse]],
        *,
        description: str,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        on_close: Callable[[WatchStream], None] | None = None,
    ) -> None:
        self._opener = opener
        self.description = description
        self._splitter = LineSplitter(max_line_bytes, description)
        self._lines: deque[bytes | memoryview] = deque()
        self._response: aiohttp.ClientResponse | None = None
        self._content: aiohttp.StreamReader | None = None
        self._closed = False
        self._on_close = on_close

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._response else "not opened")
        return f"WatchStream({self.description}, {state})"

    async def __aenter__(self) -> WatchStream:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> WatchStream:
        return self

    async def open(self) -> None:
        """Send the watch request (rate limited, retried like any GET) unless already open."""
        if self._response is None and not self._closed:
            response = await self._opener()
            if self._closed:  # closed while connecting
                response.close()
                return
            self._response = response
            self._content = response.content

    async def close(self) -> None:
        """Close the connection (idempotent). Buffered but undelivered events are dropped."""
        self._closed = True
        self._lines.clear()
        response = self._response
        if response is not None:
            self._response = None
            self._content = None
            response.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)

    async def __anext__(self) -> WatchEvent:
        # Lines are decoded one at a time, on demand: decoding a whole network batch up front
        # keeps ~100 events alive at once, which makes the cyclic GC far busier (measured: about
        # a third slower than decoding each line just before handing it out).
        lines = self._lines
        while not lines:
            await self._read_more()
        line = lines.popleft()
        try:
            event = _loads(line)
            kind = event["type"]
            obj = event["object"]
        except (_JSONDecodeError, KeyError, TypeError):
            await self.close()
            raise ProtocolError(
                f"{self.description}: malformed watch event line ({len(line)} bytes)"
            ) from None
        if kind == "ERROR":
            await self.close()
            raise api_error_from_status(
                obj if isinstance(obj, dict) else None,
                None,
                fallback_message="watch ERROR event without a Status",
            )
        if type(obj) is not dict or type(kind) is not str:
            # Valid JSON of the wrong shape must fail here, not as a TypeError in a consumer.
            await self.close()
            raise ProtocolError(
                f"{self.description}: watch event without a type string and an object mapping"
            )
        return WatchEvent(kind, obj)

    async def _read_more(self) -> None:
        """Read until at least one complete non-empty line is queued, or end / fail."""
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._content is None:
                await self.open()
                continue
            try:
                chunk = await self._content.readany()
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                partial = self._splitter.has_partial_line
                await self.close()
                if partial:
                    raise ProtocolError(
                        f"{self.description}: stream cut inside an event line ({exc!r})"
                    ) from exc
                raise TransportError(f"{self.description}: {type(exc).__name__}: {exc}") from exc
            if not chunk:
                partial = self._splitter.has_partial_line
                if partial:
                    await self.close()
                    raise ProtocolError(f"{self.description}: stream ended inside an event line")
                await self._finish()
                raise StopAsyncIteration
            try:
                lines = self._splitter.feed(chunk)
            except ProtocolError:
                await self.close()
                raise
            if lines:
                # Blank keep-alive lines carry no event.
                self._lines.extend([line for line in lines if len(line)])
                if self._lines:
                    return

    async def _finish(self) -> None:
        # A clean end of stream: the connection can go back to the pool.
        response = self._response
        self._response = None
        self._content = None
        if response is not None:
            response.release()
        await self.close()
