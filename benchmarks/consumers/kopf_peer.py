"""Peer: ``kopf``, standalone and cluster-wide, with an ``@kopf.on.event`` handler on pods.

Configured as a user would run it against this server: ``standalone=True`` (no peering),
``clusterwide=True``, event posting off (``settings.posting.enabled = False``), resource
scanning off (the pods resource is known up front), its own login from the kubeconfig the
driver wrote (kopf's default login via the installed ``kubernetes`` client, reading
``$KUBECONFIG``), initial list in pages of 500 (``settings.watching.chunk_size``).

kopf multiplexes events into one worker per object; a worker that falls behind handles only the
latest version of its object (intermediate ones are dropped by design). So for watch ingest the
run is complete when every pod's final version has been handled, and the figure is the driver's
event count over that time: how fast kopf keeps up with the stream, not its handler calls
(which are reported as ``handler_calls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import kopf

from benchmarks.consumers.common import (
    ConsumerContext,
    LatencyRecorder,
    change_sequence,
    list_deadline,
    list_result,
)


def _settings(chunk_size: int | None = None) -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    settings.posting.enabled = False
    settings.scanning.disabled = True
    settings.watching.chunk_size = chunk_size
    return settings


async def _run_operator(stop: asyncio.Event, settings: kopf.OperatorSettings,
                        registry: kopf.OperatorRegistry) -> None:
    """Run kopf until ``stop`` is set; an operator that dies early surfaces its error."""
    operator = asyncio.create_task(kopf.operator(
        registry=registry, settings=settings, standalone=True, clusterwide=True,
        stop_flag=stop))
    stopper = asyncio.create_task(stop.wait())
    try:
        finished, _ = await asyncio.wait({operator, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if operator in finished:
            operator.result()
            raise RuntimeError("kopf stopped before the benchmark completed")
        # kopf's graceful shutdown (workers' exit timeout) is not part of any figure.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(operator, timeout=5.0)
    finally:
        for task in (operator, stopper):
            task.cancel()
        await asyncio.gather(operator, stopper, return_exceptions=True)


def _registry() -> kopf.OperatorRegistry:
    """A registry with kopf's default (smart) login handlers and no handler of ours yet."""
    registry: kopf.OperatorRegistry = type(kopf.get_default_registry())()
    return registry


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Handle events until every pod's final version has been seen."""
    events = int(ctx.params["events"])
    pods = int(ctx.params["pods"])
    max_seconds = float(ctx.params.get("max_seconds") or 0.0)
    final_from = int(ctx.params.get("first_sequence", 0)) + events - pods
    stop = asyncio.Event()
    state = {"listed": 0, "calls": 0, "first_ns": 0, "last_ns": 0, "max_seq": -1}
    finished: set[str] = set()
    registry = _registry()
    capped = False

    @kopf.on.event("v1", "pods", registry=registry)
    async def on_event(event: kopf.RawEvent, **_: Any) -> None:
        nonlocal capped
        if event["type"] is None:
            state["listed"] += 1
            if state["listed"] == pods:
                ctx.ready()
            return
        if event["type"] != "MODIFIED":
            return
        now = time.perf_counter_ns()
        if not state["first_ns"]:
            state["first_ns"] = now
        state["calls"] += 1
        state["last_ns"] = now
        sequence = change_sequence(event["object"])
        state["max_seq"] = max(state["max_seq"], sequence)
        if sequence >= final_from:
            finished.add(event["object"]["metadata"]["name"])
        if len(finished) >= pods:
            stop.set()
        elif max_seconds and now - state["first_ns"] >= max_seconds * 1e9:
            capped = True
            stop.set()

    await _run_operator(stop, _settings(), registry)
    seconds = (state["last_ns"] - state["first_ns"]) / 1e9
    handled = state["max_seq"] + 1 - int(ctx.params.get("first_sequence", 0)) if capped else events
    return {"events": handled, "handler_calls": state["calls"], "seconds": round(seconds, 4),
            "watch_events_per_s": round(handled / seconds, 1) if seconds > 0 else 0.0,
            "capped": capped}


async def latency(ctx: ConsumerContext) -> dict[str, Any]:
    """Sample each MODIFIED event when kopf calls the handler."""
    pods = int(ctx.params["pods"])
    recorder = LatencyRecorder(ctx.params)
    stop = asyncio.Event()
    listed = 0
    registry = _registry()

    @kopf.on.event("v1", "pods", registry=registry)
    async def on_event(event: kopf.RawEvent, **_: Any) -> None:
        nonlocal listed
        if event["type"] is None:
            listed += 1
            if listed == pods:
                ctx.ready()
        elif event["type"] == "MODIFIED" and recorder.observe(event["object"]):
            stop.set()

    await _run_operator(stop, _settings(), registry)
    return recorder.result()


async def list_sync(ctx: ConsumerContext) -> dict[str, Any]:
    """Start kopf and time until its handler has seen (and we hold) every listed pod."""
    total = int(ctx.params["pods"])
    limit = int(ctx.params.get("limit", 500))
    held: dict[str, Any] = {}
    stop = asyncio.Event()
    registry = _registry()
    done_at = 0.0

    @kopf.on.event("v1", "pods", registry=registry)
    async def on_event(event: kopf.RawEvent, **_: Any) -> None:
        nonlocal done_at
        meta = event["object"]["metadata"]
        held[f"{meta['namespace']}/{meta['name']}"] = event["object"]
        if len(held) >= total and not done_at:
            done_at = time.perf_counter()
            stop.set()

    async def time_cap() -> None:
        nonlocal done_at
        remaining = deadline - time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=None if remaining == float("inf")
                                   else max(0.0, remaining))
        if not done_at:
            done_at = time.perf_counter()
        stop.set()

    ctx.mark_baseline()
    started = time.perf_counter()
    deadline = list_deadline(ctx)
    capper = asyncio.create_task(time_cap())
    try:
        await _run_operator(stop, _settings(chunk_size=limit), registry)
    finally:
        capper.cancel()
        await asyncio.gather(capper, return_exceptions=True)
    return list_result(ctx, len(held), done_at - started)
