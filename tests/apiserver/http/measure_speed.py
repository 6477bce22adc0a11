"""Measure the embedded server's watch streaming and large-list speed (not a test).

    python tests/apiserver/http/measure_speed.py [--events 100000] [--pods 100000]

* watch: N pods of ~3 KB are streamed to a raw reader running in a separate process (aiohttp +
  orjson, one ``orjson.loads`` per line, as the issue specifies), twice: as the initial ADDED
  events of a watch without resourceVersion, and as live ADDED events while the server creates
  the (pre-built) pods through ``Storage.create`` in batches of 500 - the live figure is bounded
  by the cost of a create, not by streaming. Reported as events/s seen by the reader.
* list: N pods are seeded with ``Storage.bulk_load`` and listed with ``limit=500`` pages and
  in one unpaginated request; reported as wall time and items/s.

Prints one JSON object per measurement. The benchmarks suite can import :func:`main`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import sys
import time
from typing import Any

import aiohttp
import orjson

from kubeflow_informer.apiserver import EmbeddedApiServer

NAMESPACE = "bench"


def make_pod(i: int) -> dict[str, Any]:
    """A pod of roughly 3 KB of JSON."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:07d}",
            "namespace": NAMESPACE,
            "labels": {"app": f"app-{i % 50}", "tier": "backend", "track": "stable"},
            "annotations": {"example.com/note": "x" * 2100},
        },
        "spec": {
            "nodeName": f"node-{i % 100}",
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/team/app:1.2.3",
                    "args": ["--port=8080", "--verbose", "--config=/etc/app/config.yaml"],
                    "env": [{"name": f"VAR_{k}", "value": f"value-{k}-{i}"} for k in range(12)],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ],
        },
        "status": {"phase": "Running", "podIP": f"10.0.{i // 256 % 256}.{i % 256}"},
    }


def _reader(url: str, expected: int, ready: Any, result: Any) -> None:
    async def read() -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            f"{url}/api/v1/namespaces/{NAMESPACE}/pods", params={"watch": "true"},
            read_bufsize=2**20,
        ) as response:
            ready.set()
            count = 0
            first = 0.0
            pending = b""
            async for chunk in response.content.iter_any():
                if not first:
                    first = time.perf_counter()
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    if orjson.loads(line)["type"] == "ADDED":
                        count += 1
                if count >= expected:
                    break
            result.put((count, time.perf_counter() - first))

    asyncio.run(read())


async def measure_watch(events: int, *, live: bool) -> dict[str, Any]:
    async with EmbeddedApiServer(history_size=1000, watch_buffer=max(10_000, events)) as server:
        storage = server.storage
        pods = storage.registry.get("", "v1", "pods")
        namespaces = storage.registry.get("", "v1", "namespaces")
        assert pods is not None and namespaces is not None
        storage.create(namespaces, {"metadata": {"name": NAMESPACE}}, namespace=None)
        bodies = [make_pod(i) for i in range(events)] if live else []
        if not live:
            storage.bulk_load(pods, (make_pod(i) for i in range(events)))
        context = multiprocessing.get_context("spawn")
        ready, result = context.Event(), context.Queue()
        process = context.Process(target=_reader, args=(server.url, events, ready, result))
        process.start()
        await asyncio.to_thread(ready.wait, 60)
        if live:
            for start in range(0, events, 500):
                for body in bodies[start : start + 500]:
                    storage.create(pods, body, namespace=NAMESPACE)
                await asyncio.sleep(0)
        count, seconds = await asyncio.to_thread(result.get)
        process.join(10)
    return {
        "measure": "watch_live" if live else "watch_initial",
        "events": count,
        "seconds": round(seconds, 3),
        "events_per_second": round(count / seconds),
        "event_bytes": len(orjson.dumps(make_pod(1))),
    }


def _list_reader(url: str, result: Any) -> None:
    async def read() -> None:
        path = f"{url}/api/v1/namespaces/{NAMESPACE}/pods"
        out = []
        async with aiohttp.ClientSession() as session:
            start = time.perf_counter()
            seen, pages, params = 0, 0, {"limit": "500"}
            while True:
                async with session.get(path, params=params) as response:
                    body = orjson.loads(await response.read())
                seen += len(body["items"])
                pages += 1
                token = body["metadata"].get("continue")
                if not token:
                    break
                params = {"limit": "500", "continue": token}
            seconds = time.perf_counter() - start
            out.append({"measure": "list_paginated", "items": seen, "pages": pages,
                        "seconds": round(seconds, 3), "items_per_second": round(seen / seconds)})
            start = time.perf_counter()
            async with session.get(path) as response:
                size = len(await response.read())
            seconds = time.perf_counter() - start
            out.append({"measure": "list_unpaginated", "items": seen, "bytes": size,
                        "seconds": round(seconds, 3)})
        result.put(out)

    asyncio.run(read())


async def measure_list(pods_count: int) -> list[dict[str, Any]]:
    async with EmbeddedApiServer() as server:
        storage = server.storage
        pods = storage.registry.get("", "v1", "pods")
        namespaces = storage.registry.get("", "v1", "namespaces")
        assert pods is not None and namespaces is not None
        storage.create(namespaces, {"metadata": {"name": NAMESPACE}}, namespace=None)
        storage.bulk_load(pods, (make_pod(i) for i in range(pods_count)))
        gc.freeze()  # the seeded objects are permanent: keep the cyclic GC off them
        context = multiprocessing.get_context("spawn")
        result = context.Queue()
        process = context.Process(target=_list_reader, args=(server.url, result))
        process.start()
        out: list[dict[str, Any]] = await asyncio.to_thread(result.get)
        process.join(10)
        gc.unfreeze()
    return out


async def run(events: int, pods_count: int) -> list[dict[str, Any]]:
    """Every measurement, as dicts."""
    results = [await measure_watch(events, live=False), await measure_watch(events, live=True)]
    results += await measure_list(pods_count)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--pods", type=int, default=100_000)
    args = parser.parse_args(argv)
    for result in asyncio.run(run(args.events, args.pods)):
        sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
