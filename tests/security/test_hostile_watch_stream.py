"""Hostile watch streams: garbage gives a clear ``ProtocolError`` / ``ApiError``, never another
traceback, a hang, or unbounded memory.

Transport-level garbage (a cut, a line that is not a JSON event, a line above ``max_line_bytes``)
is a :class:`ProtocolError` (a :class:`TransportError`); a well-formed ``ERROR`` event is the
matching :class:`ApiError`. The decoder is fuzzed with Hypothesis through a fake response, and
the size limit is checked end to end against a server that streams one endless line.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeflow_informer.client import ApiClient
from kubeflow_informer.client.watch import WatchEvent, WatchStream
from kubeflow_informer.config import Config
from kubeflow_informer.errors import ApiError, ProtocolError

pytestmark = pytest.mark.timeout(60)

LIMIT = 256


class _FakeContent:
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = deque(chunks)
        self.buffered_max = 0

    async def readany(self) -> bytes:
        return self._chunks.popleft() if self._chunks else b""


class _FakeResponse:
    def __init__(self, chunks: list[bytes]) -> None:
        self.content = _FakeContent(chunks)

    def close(self) -> None:
        pass

    def release(self) -> None:
        pass


async def _drain(chunks: list[bytes]) -> tuple[list[WatchEvent], BaseException | None]:
    response = _FakeResponse(chunks)

    async def opener() -> Any:
        return response

    stream = WatchStream(opener, description="watch /fuzz", max_line_bytes=LIMIT)
    events: list[WatchEvent] = []
    try:
        async with asyncio.timeout(5):  # a hang fails the test instead of blocking CI
            async with stream:
                async for event in stream:
                    events.append(event)
    except (ProtocolError, ApiError) as error:
        return events, error
    return events, None


def _line(event: Any) -> bytes:
    return orjson.dumps(event) + b"\n"


EVENT_OBJECTS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
LINES = st.one_of(
    st.builds(lambda o: _line({"type": "ADDED", "object": {"metadata": {"name": "a"}, **o}}),
              st.dictionaries(st.text(max_size=4), EVENT_OBJECTS, max_size=2)),
    st.builds(lambda t, o: _line({"type": t, "object": o}),
              st.sampled_from(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"])
              | EVENT_OBJECTS,
              EVENT_OBJECTS),
    st.builds(_line, EVENT_OBJECTS),
    st.binary(max_size=40),
    st.just(b"\n"),
    st.just(b"x" * (LIMIT + 10)),
)


def _rechunk(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return [piece for piece in pieces if piece]


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=8), st.lists(st.integers(0, 10_000), max_size=6))
def test_any_byte_stream_yields_well_formed_events_or_a_clear_error(
    lines: list[bytes], cuts: list[int]
) -> None:
    events, error = asyncio.run(_drain(_rechunk(b"".join(lines), cuts)))
    for event in events:
        assert isinstance(event.type, str)
        assert isinstance(event.object, dict)
    if error is not None:
        assert str(error)


async def test_an_event_whose_object_is_not_a_mapping_is_a_protocol_error() -> None:
    events, error = await _drain([_line({"type": "ADDED", "object": 5})])
    assert events == []
    assert isinstance(error, ProtocolError)


async def test_an_event_whose_type_is_not_a_string_is_a_protocol_error() -> None:
    events, error = await _drain([_line({"type": ["ADDED"], "object": {"metadata": {}}})])
    assert events == []
    assert isinstance(error, ProtocolError)


async def test_a_line_longer_than_the_limit_is_refused_before_it_is_complete() -> None:
    chunks = [b'{"type":"ADDED","object":{"a":"'] + [b"x" * 100] * 10
    events, error = await _drain(chunks)
    assert events == []
    assert isinstance(error, ProtocolError)
    assert "max_line_bytes=256" in str(error)


async def test_an_error_event_with_a_garbage_status_is_an_api_error() -> None:
    events, error = await _drain([_line({"type": "ERROR", "object": {"code": "x"}})])
    assert events == []
    assert isinstance(error, ApiError)


@pytest.fixture
async def endless_line_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A server whose watch sends the start of an event and then never ends the line."""
    sent = [0]

    async def watch(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"type":"ADDED","object":{"padding":"')
        chunk = b"x" * 65536
        try:
            while True:
                await response.write(chunk)
                sent[0] += len(chunk)
                await asyncio.sleep(0)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    app = web.Application()
    app.router.add_get("/api/v1/pods", watch)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", sent
    finally:
        await runner.cleanup()


async def test_an_endless_line_from_the_server_is_refused_at_the_configured_maximum(
    endless_line_server: tuple[str, list[int]],
) -> None:
    url, sent = endless_line_server
    limit = 1024 * 1024
    async with ApiClient(Config(server=url), qps=0, max_line_bytes=limit) as api:
        stream = api.resource("v1", "pods").watch()
        with pytest.raises(ProtocolError, match="max_line_bytes"):
            async with asyncio.timeout(20), stream:
                async for _event in stream:
                    pass
    assert sent[0] >= limit  # the limit, not the end of the stream, stopped the read
