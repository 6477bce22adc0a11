"""Throughput check of the engine (a script, not a test).

Run: ``python tests/apiserver/engine/throughput_check.py``.

100,000 updates of ~3 KB pods through ``Storage.update`` while one watcher consumes the stream,
yielding to the event loop every batch so the watcher keeps up (as an HTTP writer would). Prints
the update rate, the rate of lines the watcher received, and the bulk-load / paginated-list times.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.storage import Storage

PODS = 1_000
UPDATES = 100_000
BATCH = 500


def make_pod(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:06d}",
            "namespace": "default",
            "labels": {"app": "bench", "shard": str(i % 10)},
            "annotations": {"note": "x" * 1200},
        },
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example.com/team/app:1.2.3",
                    "args": [f"--flag-{n}=value-{n}" for n in range(40)],
                    "env": [{"name": f"VAR_{n}", "value": "v" * 20} for n in range(20)],
                }
            ],
        },
    }


async def main() -> None:
    registry = default_registry()
    storage = Storage(registry, history_size=10_000)
    pods = registry.get("", "v1", "pods")
    assert pods is not None
    started = time.perf_counter()
    storage.bulk_load(pods, (make_pod(i) for i in range(PODS)))
    current = [storage.get(pods, "default", f"pod-{i:06d}").obj for i in range(PODS)]
    print(f"pod size: {len(storage.get(pods, 'default', 'pod-000000').raw)} bytes")

    watcher = storage.watch(pods, resource_version=str(storage.resource_version))
    received = 0

    async def consume() -> None:
        nonlocal received
        async for chunk in watcher:
            received += chunk.count(b"\n")
            if received >= UPDATES:
                return

    consumer = asyncio.create_task(consume())
    started = time.perf_counter()
    for n in range(UPDATES):
        i = n % PODS
        body = dict(current[i])
        body["status"] = {"phase": "Running", "observed": str(n)}
        current[i] = storage.update(
            pods, body, namespace="default", name=body["metadata"]["name"], subresource="status"
        ).obj
        if n % BATCH == BATCH - 1:
            await asyncio.sleep(0)
    written = time.perf_counter() - started
    await asyncio.wait_for(consumer, 60)
    total = time.perf_counter() - started
    watcher.close()
    print(f"{UPDATES} status updates in {written:.2f}s: {UPDATES / written:,.0f} updates/s")
    print(f"watcher received {received} events in {total:.2f}s: {received / total:,.0f} events/s")

    big = Storage(default_registry())
    started = time.perf_counter()
    big.bulk_load(pods, (make_pod(i) for i in range(100_000)))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    token, pages = None, 0
    while True:
        page = big.list(pods, limit=500, continue_token=token)
        pages += 1
        token = page.continue_token
        if token is None:
            break
    print(
        f"bulk_load 100,000 pods: {loaded:.2f}s; list in {pages} pages: "
        f"{time.perf_counter() - started:.2f}s"
    )


if __name__ == "__main__":
    asyncio.run(main())
