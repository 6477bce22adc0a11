"""Ours: kubeflow_informer, used as its documentation shows.

* Watch ingest and initial sync: one ``SharedIndexInformer`` on all pods with one no-op handler
  (it only counts), fed by ``ApiClient.resource("v1", "pods")``; with ``transform`` set to
  ``strip_managed_fields`` the cache drops ``metadata.managedFields`` as objects arrive; with
  ``lean_object`` it also shares equal string values between cached objects; with
  ``manage_gc`` (``kubeflow_informer+gc``) it uses the opt-in garbage-collector policy.
* Event to reconcile: the full controller path - ``Manager`` -> shared informer -> handler ->
  ``RateLimitingQueue`` -> worker -> ``Reconciler.reconcile`` reading the pod from the lister.
* Workqueue: ``RateLimitingQueue`` add / get / done.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks.consumers.common import (
    ConsumerContext,
    IngestCounter,
    LatencyRecorder,
    list_result,
)
from kubeflow_informer.cache import (
    FuncHandler,
    SharedIndexInformer,
    lean_object,
    strip_managed_fields,
)
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import load_kubeconfig

_TRANSFORMS = {"strip_managed_fields": strip_managed_fields, "lean_object": lean_object}


def _informer(api: ApiClient, ctx: ConsumerContext) -> SharedIndexInformer:
    transform = _TRANSFORMS[ctx.params["transform"]] if ctx.params.get("transform") else None
    return SharedIndexInformer(api.resource("v1", "pods"), transform=transform,
                               page_size=int(ctx.params.get("limit", 500)), name="bench-pods",
                               manage_gc=bool(ctx.params.get("manage_gc", False)))


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count ``on_update`` calls of a no-op handler until the target count (or the time cap)."""
    counter = IngestCounter(ctx.params)
    complete = asyncio.Event()

    def on_update(old: dict[str, Any], new: dict[str, Any]) -> None:
        if counter.tick():
            complete.set()

    config = load_kubeconfig(ctx.kubeconfig)
    async with ApiClient(config) as api:
        informer = _informer(api, ctx)
        informer.add_event_handler(FuncHandler(on_update=on_update))
        async with informer:
            if not await informer.wait_for_cache_sync(timeout=120):
                raise RuntimeError("informer did not sync")
            ctx.ready()
            await complete.wait()
    return counter.result()


async def list_sync(ctx: ConsumerContext) -> dict[str, Any]:
    """Time from ``start()`` to ``has_synced`` with every pod in the indexer."""
    config = load_kubeconfig(ctx.kubeconfig)
    async with ApiClient(config) as api:
        informer = _informer(api, ctx)
        informer.add_event_handler(FuncHandler())
        ctx.mark_baseline()
        started = time.perf_counter()
        async with informer:
            if not await informer.wait_for_cache_sync(timeout=600):
                raise RuntimeError("informer did not sync")
            seconds = time.perf_counter() - started
            items = len(informer.indexer.list_keys())
            return list_result(ctx, items, seconds)


async def latency(ctx: ConsumerContext) -> dict[str, Any]:
    """Reconcile every changed pod through a Manager; the reconciler reads it from the cache."""
    from kubeflow_informer.controller import Controller, For, Manager, Reconciler, Request

    recorder = LatencyRecorder(ctx.params)
    complete = asyncio.Event()

    class PodReconciler(Reconciler):
        async def reconcile(self, request: Request) -> None:
            pod = self.lister("v1", "pods").get(request.namespace, request.name)
            if pod is not None and recorder.observe(pod):
                complete.set()
            return None

    config = load_kubeconfig(ctx.kubeconfig)
    manager = Manager(config, metrics_port=None, shutdown_grace_period=2.0)
    manager.add(Controller(PodReconciler(), for_=For("v1", "pods"),
                           max_concurrent_reconciles=int(ctx.params.get("workers", 1))))
    async with manager:
        ctx.ready()
        await complete.wait()
    return recorder.result()


async def workqueue(ctx: ConsumerContext) -> dict[str, Any]:
    """``RateLimitingQueue`` under the shared queue load."""
    from benchmarks.consumers.queue_load import run_queue_load
    from kubeflow_informer.workqueue import RateLimitingQueue

    queue: RateLimitingQueue[str] = RateLimitingQueue(name="bench")
    try:
        return await run_queue_load(ctx.params, add=queue.add, get=queue.get, done=queue.done,
                                    length=queue.__len__)
    finally:
        queue.shutdown()
