"""Watch stream decoding against a tiny aiohttp server that writes chosen bytes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import orjson
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeflow_informer.client import ApiClient, WatchEvent
from kubeflow_informer.client.watch import LineSplitter
from kubeflow_informer.config import Config
from kubeflow_informer.errors import Expired, Gone, ProtocolError, TransportError

Serve = Callable[..., Awaitable[str]]
pytestmark = pytest.mark.timeout(30)


def event_line(kind: str, name: str, extra: dict[str, object] | None = None) -> bytes:
    obj = {"kind": "Pod", "metadata": {"name": name, "resourceVersion": "1"}, **(extra or {})}
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


def chunks_handler(
    chunks: list[bytes], *, abort: bool = False
) -> Callable[..., Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in chunks:
            await response.write(chunk)
            await asyncio.sleep(0)
        if abort:
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write_eof()
        return response

    return handler


async def watch_all(serve: Serve, chunks: list[bytes], *, abort: bool = False,
                    max_line_bytes: int = 64 * 1024 * 1024) -> list[WatchEvent]:
    url = await serve([("GET", "/api/v1/pods", chunks_handler(chunks, abort=abort))])
    async with ApiClient(Config(server=url, qps=0), max_line_bytes=max_line_bytes) as api:
        async with api.resource("v1", "pods").watch() as stream:
            return [event async for event in stream]


async def test_events_split_at_random_chunk_boundaries(serve: Serve) -> None:
    payload = b"".join(event_line("ADDED", f"p{i}") for i in range(200))
    rng = random.Random(7)
    cuts = sorted(rng.sample(range(1, len(payload)), 150))
    chunks = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
    events = await watch_all(serve, chunks)
    assert [e.object["metadata"]["name"] for e in events] == [f"p{i}" for i in range(200)]
    assert {e.type for e in events} == {"ADDED"}


async def test_three_megabyte_object_is_decoded(serve: Serve) -> None:
    big = event_line("MODIFIED", "big", {"data": {"blob": "x" * (3 * 1024 * 1024)}})
    chunks = [big[i : i + 65536] for i in range(0, len(big), 65536)]
    events = await watch_all(serve, [event_line("ADDED", "a"), *chunks])
    assert [e.type for e in events] == ["ADDED", "MODIFIED"]
    assert len(events[1].object["data"]["blob"]) == 3 * 1024 * 1024


async def test_stream_ending_between_lines_ends_iteration(serve: Serve) -> None:
    events = await watch_all(serve, [event_line("ADDED", "a"), event_line("DELETED", "a")])
    assert [e.type for e in events] == ["ADDED", "DELETED"]


async def test_stream_ending_mid_line_raises_protocol_error(serve: Serve) -> None:
    with pytest.raises(ProtocolError, match="inside an event line"):
        await watch_all(serve, [event_line("ADDED", "a"), b'{"type": "ADDED", "obj'])


async def test_connection_cut_mid_line_raises_protocol_error(serve: Serve) -> None:
    with pytest.raises(ProtocolError):
        await watch_all(serve, [event_line("ADDED", "a"), b'{"type": "ADD'], abort=True)


async def test_malformed_line_raises_protocol_error_after_earlier_events(serve: Serve) -> None:
    url = await serve([("GET", "/api/v1/pods", chunks_handler(
        [event_line("ADDED", "a") + b"not json\n"]))])
    seen: list[WatchEvent] = []
    async with ApiClient(Config(server=url, qps=0)) as api:
        with pytest.raises(ProtocolError, match="malformed"):
            async for event in api.resource("v1", "pods").watch():
                seen.append(event)
    assert [e.object["metadata"]["name"] for e in seen] == ["a"]


async def test_line_without_type_and_object_is_malformed(serve: Serve) -> None:
    with pytest.raises(ProtocolError, match="malformed"):
        await watch_all(serve, [b'{"kind": "Pod"}\n'])


async def test_error_event_410_raises_expired(serve: Serve) -> None:
    status = {"kind": "Status", "status": "Failure", "code": 410, "reason": "Expired",
              "message": "too old resource version: 1 (5)"}
    line = orjson.dumps({"type": "ERROR", "object": status}) + b"\n"
    with pytest.raises(Expired) as caught:
        await watch_all(serve, [line])
    assert isinstance(caught.value, Gone)
    assert caught.value.status == 410


async def test_oversized_line_is_refused(serve: Serve) -> None:
    line = event_line("ADDED", "big", {"data": {"blob": "y" * 5000}})
    chunks = [line[i : i + 512] for i in range(0, len(line), 512)]
    with pytest.raises(ProtocolError, match="max_line_bytes=1024"):
        await watch_all(serve, chunks, max_line_bytes=1024)


async def test_bookmark_events_are_delivered(serve: Serve) -> None:
    bookmark = orjson.dumps({"type": "BOOKMARK", "object": {
        "kind": "Pod", "metadata": {"resourceVersion": "42"}}}) + b"\n"
    events = await watch_all(serve, [event_line("ADDED", "a"), bookmark])
    assert [e.type for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1].object["metadata"]["resourceVersion"] == "42"


async def test_watch_is_not_killed_by_the_request_timeout(serve: Serve) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await asyncio.sleep(0.3)
        await response.write(event_line("ADDED", "late"))
        await response.write_eof()
        return response

    url = await serve([("GET", "/api/v1/pods", slow)])
    async with ApiClient(Config(server=url, qps=0, timeout=0.1)) as api:
        events = [e async for e in api.resource("v1", "pods").watch()]
    assert [e.object["metadata"]["name"] for e in events] == ["late"]


async def test_closing_the_client_ends_an_open_watch(serve: Serve) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(event_line("ADDED", "a"))
        try:
            for _ in range(600):  # blank keep-alive lines until the client goes away
                await asyncio.sleep(0.05)
                await response.write(b"\n")
        except ConnectionError:
            pass
        return response

    url = await serve([("GET", "/api/v1/pods", endless)])
    api = ApiClient(Config(server=url, qps=0))
    stream = api.resource("v1", "pods").watch()
    first = await stream.__anext__()
    await api.close()
    assert first.type == "ADDED"
    assert [e async for e in stream] == []


async def test_watch_http_error_raises_typed_error(serve: Serve) -> None:
    async def gone(request: web.Request) -> web.Response:
        body = {"kind": "Status", "code": 410, "reason": "Expired", "message": "old"}
        return web.json_response(body, status=410)

    url = await serve([("GET", "/api/v1/pods", gone)])
    async with ApiClient(Config(server=url, qps=0)) as api:
        with pytest.raises(Expired):
            async with api.resource("v1", "pods").watch(resource_version="1"):
                pass


async def test_refused_connection_raises_transport_error_naming_url() -> None:
    async with ApiClient(Config(server="http://127.0.0.1:9", qps=0),
                         retry=None) as api:
        api.retry_policy = type(api.retry_policy)(max_retries=0)
        with pytest.raises(TransportError, match=r"GET http://127\.0\.0\.1:9/api/v1/pods"):
            await api.resource("v1", "pods").list()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_line_splitter_reassembles_lines_for_any_chunking(data: st.DataObject) -> None:
    lines = data.draw(st.lists(st.binary(min_size=1, max_size=40).map(
        lambda b: b.replace(b"\n", b"x")), max_size=20))
    payload = b"".join(line + b"\n" for line in lines)
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(payload)), max_size=30))))
    chunks = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
    splitter = LineSplitter(1 << 20, "test")
    out: list[bytes] = []
    for chunk in chunks:
        if chunk:
            out.extend(splitter.feed(chunk))
    assert out == lines
    assert not splitter.has_partial_line


def test_line_splitter_refuses_partial_line_over_limit_without_waiting_for_newline() -> None:
    splitter = LineSplitter(10, "test")
    splitter.feed(b"12345")
    with pytest.raises(ProtocolError, match="max_line_bytes=10"):
        splitter.feed(b"678901")


def test_line_splitter_keeps_blank_lines_and_refuses_a_long_line_inside_a_chunk() -> None:
    splitter = LineSplitter(5, "test")
    assert [bytes(line) for line in splitter.feed(b"ab\n\ncd\n")] == [b"ab", b"", b"cd"]
    with pytest.raises(ProtocolError, match="max_line_bytes=5"):
        splitter.feed(b"x\n123456\ny\n")


def test_line_splitter_lines_stay_valid_after_more_chunks_arrive() -> None:
    splitter = LineSplitter(1 << 20, "test")
    first = splitter.feed(b'{"a":1}\n{"b":')
    second = splitter.feed(b'2}\n{"c":3}\n')
    assert [orjson.loads(line) for line in [*first, *second]] == [{"a": 1}, {"b": 2}, {"c": 3}]
