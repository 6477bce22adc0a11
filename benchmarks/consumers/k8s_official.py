"""Peer: the official synchronous ``kubernetes`` client used as documented.

Watch: ``watch.Watch().stream(v1.list_pod_for_all_namespaces, resource_version=...)`` (each
event deserialized into a ``V1Pod``, the library default). List: paginated
``list_pod_for_all_namespaces(limit=500, _continue=...)`` keeping every ``V1Pod``. The client is
synchronous, so these functions are plain functions run on the main thread.
"""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client, config, watch

from benchmarks.consumers.common import (
    ConsumerContext,
    IngestCounter,
    LatencyRecorder,
    list_deadline,
    list_result,
)

# The official client ships without type hints for these: typed as Any here, once.
_new_client: Any = config.new_client_from_config
_Watch: Any = watch.Watch


def _core_v1(ctx: ConsumerContext) -> client.CoreV1Api:
    return client.CoreV1Api(_new_client(config_file=ctx.kubeconfig))


def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count MODIFIED events from the library's watch stream."""
    counter = IngestCounter(ctx.params)
    v1 = _core_v1(ctx)
    watcher = _Watch()
    ctx.ready()
    for event in watcher.stream(v1.list_pod_for_all_namespaces,
                                resource_version=ctx.params["resource_version"],
                                timeout_seconds=3600):
        if event["type"] == "MODIFIED" and counter.tick():
            watcher.stop()
            break
    return counter.result()


def latency(ctx: ConsumerContext) -> dict[str, Any]:
    """Sample each MODIFIED event as the library hands it over."""
    recorder = LatencyRecorder(ctx.params)
    v1 = _core_v1(ctx)
    watcher = _Watch()
    ctx.ready()
    for event in watcher.stream(v1.list_pod_for_all_namespaces,
                                resource_version=ctx.params["resource_version"],
                                timeout_seconds=3600):
        if event["type"] == "MODIFIED" and recorder.observe(event["raw_object"]):
            watcher.stop()
            break
    return recorder.result()


def list_sync(ctx: ConsumerContext) -> dict[str, Any]:
    """Page through every pod and keep the deserialized ``V1Pod`` objects."""
    limit = int(ctx.params.get("limit", 500))
    held: list[Any] = []
    v1 = _core_v1(ctx)
    ctx.mark_baseline()
    started = time.perf_counter()
    deadline = list_deadline(ctx)
    continue_token = None
    while True:
        page = v1.list_pod_for_all_namespaces(limit=limit, _continue=continue_token)
        held.extend(page.items)
        continue_token = page.metadata._continue if page.metadata else None
        if not continue_token or time.perf_counter() > deadline:
            break
    seconds = time.perf_counter() - started
    return list_result(ctx, len(held), seconds)
