"""The consumers measured side by side, each run in its own subprocess.

A consumer is a module with one function per scenario kind it supports (``watch_ingest``,
``list_sync``, ``latency``, ``workqueue``), each taking a
:class:`~benchmarks.consumers.common.ConsumerContext` and returning a dict of figures; sync
functions (the official client) run as they are, async ones under ``asyncio.run``. Modules are
imported only inside the consumer's own subprocess, so one peer's imports never weigh on
another's RSS.

Roles: ``floor`` (the least a client can do; every ratio is taken to it), ``ours``, ``peer``
(other client libraries; "best peer" ratios) and ``reference`` (an instrument that measures the
server rather than a client, e.g. ``raw_lines``: never a peer, never the floor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["floor", "ours", "peer", "reference"]


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer: the module implementing it, its role and fixed extra parameters."""

    name: str
    module: str
    role: Role
    extra: dict[str, Any] = field(default_factory=dict)
    description: str = ""


CONSUMERS: dict[str, ConsumerSpec] = {
    spec.name: spec
    for spec in (
        ConsumerSpec("floor", "benchmarks.consumers.floor", "floor",
                     description="aiohttp chunked lines + orjson.loads, nothing else"),
        ConsumerSpec("raw_lines", "benchmarks.consumers.raw_lines", "reference",
                     description="aiohttp chunks, newlines counted, nothing decoded: measures "
                                 "the server's own streaming rate (backlog and live)"),
        ConsumerSpec("kubeflow_informer", "benchmarks.consumers.informer", "ours",
                     description="SharedIndexInformer + one no-op handler; Manager/Controller "
                                 "for latency; RateLimitingQueue for the workqueue"),
        ConsumerSpec("kubeflow_informer+strip", "benchmarks.consumers.informer", "ours",
                     extra={"transform": "strip_managed_fields"},
                     description="the same informer with the strip_managed_fields transform"),
        ConsumerSpec("kubeflow_informer+lean", "benchmarks.consumers.informer", "ours",
                     extra={"transform": "lean_object"},
                     description="the same informer with the lean_object transform "
                                 "(strip managedFields, share equal strings)"),
        ConsumerSpec("kubeflow_informer+gc", "benchmarks.consumers.informer", "ours",
                     extra={"manage_gc": True},
                     description="the same informer with the opt-in garbage-collector policy "
                                 "(manage_gc=True: raised thresholds, freezing)"),
        ConsumerSpec("kubernetes_asyncio", "benchmarks.consumers.k8s_asyncio", "peer",
                     description="kubernetes_asyncio watch.Watch().stream / paginated list"),
        ConsumerSpec("kubernetes", "benchmarks.consumers.k8s_official", "peer",
                     description="official kubernetes client (sync), same calls"),
        ConsumerSpec("kopf", "benchmarks.consumers.kopf_peer", "peer",
                     description="kopf standalone, clusterwide, @kopf.on.event, posting off"),
    )
}
