"""Metrics through prometheus_client: our families and the application's from one /metrics,
read back with prometheus_client's own parser."""

from __future__ import annotations

import aiohttp
import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kubeflow_informer import (
    ApiClient,
    Controller,
    EmbeddedApiServer,
    For,
    LeaderElectionConfig,
    Manager,
    RateLimitingQueue,
    Reconciler,
    Request,
    eventually,
)
from kubeflow_informer.metrics import CollectorRegistry, HistogramCell, render
from kubeflow_informer.testing import metric_value

pytestmark = pytest.mark.timeout(30)


class Counting(Reconciler):
    def __init__(self) -> None:
        self.seen: list[Request] = []

    async def reconcile(self, request: Request) -> None:
        self.seen.append(request)


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return await response.text()


def test_histogram_buckets_are_cumulative_and_inclusive() -> None:
    cell = HistogramCell((0.1, 1.0))
    for value in (0.1, 0.5, 3.0):
        cell.observe(value)
    assert cell.cumulative() == [("0.1", 1.0), ("1.0", 2.0), ("+Inf", 3.0)]
    assert (cell.count, cell.sum) == (3, pytest.approx(3.6))


async def test_the_apps_metrics_and_ours_are_served_from_one_endpoint(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    manager = Manager(api_client=api_client, metrics_port=0, metrics_host="127.0.0.1")
    jobs = prometheus_client.Counter("app_jobs", "Jobs the app did.", registry=manager.registry)
    reconciler = Counting()
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    await api_client.resource("v1", "configmaps").create(
        {"metadata": {"name": "m"}}, namespace="default"
    )
    async with manager:
        await eventually(lambda: Request("default", "m") in reconciler.seen)
        jobs.inc(3)
        text = await scrape(manager.metrics_port or 0)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["app_jobs"].type == "counter"
    assert metric_value(text, "app_jobs_total") == 3
    for name, kind in [
        ("workqueue_adds", "counter"), ("workqueue_depth", "gauge"),
        ("workqueue_queue_duration_seconds", "histogram"),
        ("controller_runtime_reconcile", "counter"),
        ("controller_runtime_reconcile_time_seconds", "histogram"),
        ("reflector_lists", "counter"), ("reflector_watches", "counter"),
        ("informer_synced", "gauge"), ("informer_cache_objects", "gauge"),
    ]:
        assert families[name].type == kind, name
    assert metric_value(text, "controller_runtime_reconcile_total", controller="configmap",
                        result="success") >= 1
    assert metric_value(text, "workqueue_adds_total", name="configmap") >= 1
    assert metric_value(text, "informer_synced", name="v1/configmaps") == 1
    assert metric_value(text, "informer_cache_objects", name="v1/configmaps") >= 1
    assert metric_value(text, "reflector_lists_total", name="v1/configmaps") >= 1


async def test_a_manager_serves_the_registry_the_application_passes(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    registry = CollectorRegistry()
    prometheus_client.Gauge("app_up", "The app is up.", registry=registry).set(1)
    manager = Manager(api_client=api_client, metrics_port=0, metrics_host="127.0.0.1",
                      registry=registry)
    manager.add(Controller(Counting(), for_=For("v1", "secrets")))
    async with manager:
        text = await scrape(manager.metrics_port or 0)
    assert metric_value(text, "app_up") == 1
    assert metric_value(text, "informer_synced", name="v1/secrets") == 1
    # Shut down, the manager's informer collector left the application's registry.
    assert metric_value(registry, "informer_synced", name="v1/secrets") is None
    assert metric_value(registry, "app_up") == 1


async def test_leader_election_status_is_exported(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    election = LeaderElectionConfig(name="metrics-lease", lease_duration=1.5,
                                    renew_deadline=1.0, retry_period=0.2)
    manager = Manager(api_client=api_client, metrics_port=None, leader_election=election)
    manager.add(Controller(Counting(), for_=For("v1", "configmaps")))
    async with manager:
        await eventually(lambda: metric_value(manager.registry, "leader_election_master_status",
                                              name="metrics-lease") == 1)


async def test_a_queue_shut_down_with_items_waiting_forgets_their_add_times() -> None:
    registry = CollectorRegistry()
    queue: RateLimitingQueue[str] = RateLimitingQueue(name="q", metrics_registry=registry)
    for item in "abc":
        queue.add(item)
    assert queue._metrics is not None and queue._metrics.pending_add_times == 3
    queue.shutdown()
    assert queue._metrics.pending_add_times == 0
    assert metric_value(render(registry), "workqueue_adds_total", name="q") == 3
    await queue.aclose()
