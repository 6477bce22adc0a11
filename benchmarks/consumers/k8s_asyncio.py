"""Peer: ``kubernetes_asyncio`` used the way its documentation shows.

Watch: ``watch.Watch().stream(v1.list_pod_for_all_namespaces, resource_version=...)`` (each
event deserialized into a ``V1Pod``, as the library does by default). List: paginated
``list_pod_for_all_namespaces(limit=500, _continue=...)`` keeping every ``V1Pod``. Latency: the
watch handler is the "reconcile". Configuration comes from the kubeconfig the driver wrote.
"""

from __future__ import annotations

import time
from typing import Any

from kubernetes_asyncio import client, config, watch

from benchmarks.consumers.common import (
    ConsumerContext,
    IngestCounter,
    LatencyRecorder,
    list_deadline,
    list_result,
)


async def _api(ctx: ConsumerContext) -> client.ApiClient:
    configuration = client.Configuration()
    await config.load_kube_config(config_file=ctx.kubeconfig,
                                  client_configuration=configuration)
    return client.ApiClient(configuration)


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count MODIFIED events from the library's watch stream."""
    counter = IngestCounter(ctx.params)
    async with await _api(ctx) as api:
        v1 = client.CoreV1Api(api)
        stream = watch.Watch().stream(v1.list_pod_for_all_namespaces,
                                      resource_version=ctx.params["resource_version"],
                                      timeout_seconds=3600)
        ctx.ready()
        async with stream:
            async for event in stream:
                if event["type"] == "MODIFIED" and counter.tick():
                    break
    return counter.result()


async def latency(ctx: ConsumerContext) -> dict[str, Any]:
    """Sample each MODIFIED event as the library hands it over."""
    recorder = LatencyRecorder(ctx.params)
    async with await _api(ctx) as api:
        v1 = client.CoreV1Api(api)
        stream = watch.Watch().stream(v1.list_pod_for_all_namespaces,
                                      resource_version=ctx.params["resource_version"],
                                      timeout_seconds=3600)
        ctx.ready()
        async with stream:
            async for event in stream:
                if event["type"] == "MODIFIED" and recorder.observe(event["raw_object"]):
                    break
    return recorder.result()


async def list_sync(ctx: ConsumerContext) -> dict[str, Any]:
    """Page through every pod and keep the deserialized ``V1Pod`` objects."""
    limit = int(ctx.params.get("limit", 500))
    held: list[Any] = []
    async with await _api(ctx) as api:
        v1 = client.CoreV1Api(api)
        ctx.mark_baseline()
        started = time.perf_counter()
        deadline = list_deadline(ctx)
        continue_token = ""
        while True:
            if continue_token:
                page = await v1.list_pod_for_all_namespaces(limit=limit, _continue=continue_token)
            else:
                page = await v1.list_pod_for_all_namespaces(limit=limit)
            held.extend(page.items)
            continue_token = page.metadata._continue if page.metadata else ""
            if not continue_token or time.perf_counter() > deadline:
                break
        seconds = time.perf_counter() - started
    return list_result(ctx, len(held), seconds)
