"""The floor: aiohttp reading the chunked watch stream line by line plus ``orjson.loads``.

Nothing else: no client library, no event objects, no cache beyond what the scenario asks to
hold. It measures what the server and the transport allow; every other consumer is judged
against it. Lines are split from ``iter_any()`` chunks (not ``readline``, whose 64 KiB line limit
and per-line overhead would make a slower floor than a careful raw reader).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import aiohttp
import orjson

from benchmarks.consumers.common import (
    ConsumerContext,
    IngestCounter,
    LatencyRecorder,
    list_deadline,
    list_result,
)


async def _watch_lines(
    session: aiohttp.ClientSession, ctx: ConsumerContext, resource_version: str
) -> Any:
    """Yield each decoded watch event of all pods from ``resource_version`` on."""
    params = {"watch": "true", "resourceVersion": resource_version, "timeoutSeconds": "3600"}
    async with session.get(f"{ctx.url}/api/v1/pods", params=params,
                           headers=ctx.headers()) as response:
        response.raise_for_status()
        ctx.ready()
        buffer = b""
        async for chunk in response.content.iter_any():
            buffer += chunk
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            for line in lines:
                if line:
                    yield orjson.loads(line)


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=120))


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count MODIFIED events until the target count (or the time cap)."""
    counter = IngestCounter(ctx.params)
    async with _session() as session:
        async for event in _watch_lines(session, ctx, ctx.params["resource_version"]):
            if event["type"] == "MODIFIED" and counter.tick():
                break
    return counter.result()


async def latency(ctx: ConsumerContext) -> dict[str, Any]:
    """The "reconcile" is the decoded event itself: the lowest latency any consumer can have."""
    recorder = LatencyRecorder(ctx.params)
    async with _session() as session:
        async for event in _watch_lines(session, ctx, ctx.params["resource_version"]):
            if event["type"] == "MODIFIED" and recorder.observe(event["object"]):
                break
    return recorder.result()


async def list_sync(ctx: ConsumerContext) -> dict[str, Any]:
    """Page through every pod (``limit`` per page) and hold all of them in a list."""
    limit = int(ctx.params.get("limit", 500))
    held: deque[dict[str, Any]] = deque()
    async with _session() as session:
        ctx.mark_baseline()
        started = time.perf_counter()
        deadline = list_deadline(ctx)
        continue_token = ""
        while True:
            params = {"limit": str(limit)}
            if continue_token:
                params["continue"] = continue_token
            async with session.get(f"{ctx.url}/api/v1/pods", params=params,
                                   headers=ctx.headers()) as response:
                response.raise_for_status()
                page = orjson.loads(await response.read())
            held.extend(page["items"])
            continue_token = page["metadata"].get("continue") or ""
            if not continue_token or time.perf_counter() > deadline:
                break
        seconds = time.perf_counter() - started
    return list_result(ctx, len(held), seconds)


async def workqueue(ctx: ConsumerContext) -> dict[str, Any]:
    """The workqueue floor: an ``asyncio.Queue`` with a dirty set, the least a deduplicating
    queue can be (no processing set, no rate limiting, no metrics)."""
    from benchmarks.consumers.queue_load import run_queue_load

    queue: asyncio.Queue[str] = asyncio.Queue()
    dirty: set[str] = set()

    def add(key: str) -> None:
        if key not in dirty:
            dirty.add(key)
            queue.put_nowait(key)

    async def get() -> str:
        key = await queue.get()
        dirty.discard(key)
        return key

    def done(key: str) -> None:
        queue.task_done()

    return await run_queue_load(ctx.params, add=add, get=get, done=done, length=queue.qsize)
