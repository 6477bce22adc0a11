"""Watch streaming: the engine's event lines written to a chunked HTTP response.

The fast path writes each batch the engine's ``Watcher`` yields exactly as it is (one
``StreamResponse.write`` per batch, bytes shared with every other watcher): no parsing, no
re-serialization. Two things leave the fast path: a ``Table`` watch (kubectl ``get -w``), whose
objects are converted line by line, and armed watch faults, which split a batch at the event
where a fault fires.

The stream ends cleanly (final empty chunk) when ``timeoutSeconds`` passes, when the engine
ends the watch (history too old: after its ERROR line; a slow reader; a restart), or on a
``close`` fault. It is cut without the final chunk by the ``cut`` fault and when the client
goes away (the handler is then cancelled by aiohttp and closes its watcher).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver.faults import WatchAction, WatchStreamFaults
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.params import ListParams
from kubeflow_informer.apiserver.handlers.printer_columns import crd_printer_columns
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.handlers.table import table_for, wants_table
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.watch import Watcher

__all__ = ["handle_watch"]

logger = logging.getLogger(__name__)

_WATCH_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
_TABLE_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED"})


def _as_table_lines(
    info: ResourceInfo,
    batch: bytes,
    include_object: str,
    custom_columns: list[dict[str, Any]] | None,
) -> bytes:
    out = []
    for line in batch.splitlines():
        event = orjson.loads(line)
        if event.get("type") in _TABLE_TYPES:
            event["object"] = table_for(
                info, [event["object"]], include_object=include_object,
                custom_columns=custom_columns,
            )
        out.append(orjson.dumps(event) + b"\n")
    return b"".join(out)


async def _drain_silently(watcher: Watcher) -> None:
    """Keep consuming (and dropping) events so the watch ends when the engine ends it."""
    async for _ in watcher:
        pass


async def handle_watch(
    request: web.Request, state: ServerState, target: ResourcePath, params: ListParams
) -> web.StreamResponse:
    """GET ``?watch=true`` (or the ``/watch/`` prefix): stream events until the watch ends."""
    info = target.info
    watcher = state.storage.watch(
        info,
        namespace=target.namespace,
        label_selector=params.label_selector,
        field_selector=params.field_selector,
        resource_version=params.resource_version,
        resource_version_match=params.resource_version_match,
        send_initial_events=params.send_initial_events,
        allow_bookmarks=params.allow_bookmarks,
        bookmark_interval=state.bookmark_interval,
    )
    table = wants_table(request.headers.get("Accept", ""))
    custom_columns = crd_printer_columns(state.storage, info) if table else None
    include_object = request.query.get("includeObject", "Metadata")
    response = web.StreamResponse(status=200, headers=_WATCH_HEADERS)
    response.enable_chunked_encoding()
    stream_faults = state.faults.watch_stream()
    action: WatchAction | None = None
    try:
        await response.prepare(request)
        async with asyncio.timeout(params.timeout_seconds):
            action = await _pump(
                watcher, response, stream_faults, info, table, include_object, custom_columns
            )
            if action == "silence":
                await _drain_silently(watcher)
    except TimeoutError:
        pass
    except ConnectionError:
        logger.debug("watch client of %s went away", info.plural)
        return response
    finally:
        watcher.close()
        stream_faults.close()
    if action == "cut":
        # Drop the connection without the terminating chunk: the client sees a truncated body.
        transport = request.transport
        if transport is not None:
            transport.close()
        return response
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


async def _pump(
    watcher: Watcher,
    response: web.StreamResponse,
    stream_faults: WatchStreamFaults,
    info: ResourceInfo,
    table: bool,
    include_object: str,
    custom_columns: list[dict[str, Any]] | None,
) -> WatchAction | None:
    """Write batches until the watch ends; returns the watch fault that stopped it, if any."""
    write = response.write
    faults = stream_faults
    async for batch in watcher:
        if table:
            batch = _as_table_lines(info, batch, include_object, custom_columns)
        data, action = faults.plan(batch, watcher.last_batch_lines)
        if data:
            await write(data)
        if action is not None:
            return action
    return None
