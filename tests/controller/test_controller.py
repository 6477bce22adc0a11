"""Controller behaviour on both API servers: retries, owns, watches, predicates, metrics.

Each test runs in a namespace of its own (``apiserver.namespace``) with a manager scoped to it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller import (
    Controller,
    For,
    LabelChangedPredicate,
    Manager,
    Owns,
    Request,
    Result,
    TerminalError,
    Watches,
)
from kubeflow_informer.testing import ApiServer, metric_value
from kubeflow_informer.workqueue import ItemExponentialFailureRateLimiter

from .helpers import RecordingReconciler

pytestmark = pytest.mark.timeout(30)



def configmap(name: str, labels: dict | None = None, owner: dict | None = None,
              data: dict | None = None) -> dict:
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    if owner:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data or {}}


@asynccontextmanager
async def running(apiserver: ApiServer, *controllers: Controller) -> AsyncIterator[Manager]:
    manager = Manager(apiserver.config, namespace=apiserver.namespace,
                      metrics_port=0, metrics_host="127.0.0.1",
                      shutdown_grace_period=5.0, cache_sync_timeout=10.0)
    for controller in controllers:
        manager.add(controller)
    async with manager:
        yield manager


async def test_failing_reconcile_is_retried_with_growing_delays_then_forgotten(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    requeues_seen: list[int] = []
    controller: Controller

    async def fail_three_times(request: Request, attempt: int) -> Result | None:
        requeues_seen.append(controller.queue.num_requeues(request))
        if attempt < 3:
            raise RuntimeError(f"transient failure {attempt}")
        return None

    reconciler = RecordingReconciler(fail_three_times)
    controller = Controller(reconciler, for_=For("v1", "configmaps"),
                            rate_limiter=ItemExponentialFailureRateLimiter(0.02, 5.0))
    await apiserver_client.resource("v1", "configmaps").create(configmap("flaky"), namespace=ns)
    request = Request(ns, "flaky")
    async with running(apiserver, controller):
        await reconciler.wait_for(request, times=4)
        await asyncio.sleep(0.05)
        assert controller.queue.num_requeues(request) == 0  # forgotten after success
    times = [t for r, t in reconciler.calls if r == request]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert requeues_seen == [0, 1, 2, 3]
    for attempt, gap in enumerate(gaps):
        assert gap >= 0.02 * 2**attempt * 0.9  # never sooner than the exponential backoff


async def test_requeue_after_reconciles_again_after_the_delay(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    async def again_once(_request: Request, attempt: int) -> Result | None:
        return Result(requeue_after=0.2) if attempt == 0 else None

    reconciler = RecordingReconciler(again_once)
    controller = Controller(reconciler, for_=For("v1", "configmaps"))
    await apiserver_client.resource("v1", "configmaps").create(configmap("periodic"),
                                                               namespace=ns)
    async with running(apiserver, controller):
        await reconciler.wait_for(Request(ns, "periodic"), times=2)
    first, second = (t for _, t in reconciler.calls[:2])
    assert second - first >= 0.2 * 0.9


async def test_terminal_error_is_not_retried(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    async def terminal(request: Request, _attempt: int) -> Result | None:
        if request.name == "bad":
            raise TerminalError("spec can never work")
        return None

    reconciler = RecordingReconciler(terminal)
    controller = Controller(reconciler, for_=For("v1", "configmaps"),
                            rate_limiter=ItemExponentialFailureRateLimiter(0.001, 0.01))
    cms = apiserver_client.resource("v1", "configmaps")
    await cms.create(configmap("bad"), namespace=ns)
    async with running(apiserver, controller) as manager:
        await reconciler.wait_for(Request(ns, "bad"))
        # A later object, reconciled after "bad" by the single worker, proves the queue moved on.
        await cms.create(configmap("later"), namespace=ns)
        await reconciler.wait_for(Request(ns, "later"))
        assert reconciler.count(Request(ns, "bad")) == 1
        registry = manager.registry
    assert metric_value(registry, "controller_runtime_terminal_reconcile_errors_total",
                        controller="configmap") == 1


async def test_updating_an_owned_child_reconciles_its_owner(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    reconciler = RecordingReconciler()
    controller = Controller(reconciler, for_=For("v1", "configmaps"), owns=[Owns("v1", "secrets")])
    cms = apiserver_client.resource("v1", "configmaps")
    secrets = apiserver_client.resource("v1", "secrets")
    parent = await cms.create(configmap("parent"), namespace=ns)
    owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "parent",
             "uid": parent["metadata"]["uid"], "controller": True}
    async with running(apiserver, controller):
        await reconciler.wait_for(Request(ns, "parent"))
        await secrets.create({"apiVersion": "v1", "kind": "Secret",
                              "metadata": {"name": "child", "namespace": ns,
                                           "ownerReferences": [owner]}}, namespace=ns)
        await reconciler.wait_for(Request(ns, "parent"), times=2)
        await secrets.patch("child", {"metadata": {"labels": {"touched": "yes"}}}, namespace=ns)
        await reconciler.wait_for(Request(ns, "parent"), times=3)
    assert Request(ns, "child") not in {r for r, _ in reconciler.calls}


async def test_watches_maps_other_objects_to_requests(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    def target_of(obj: dict) -> list[Request]:
        target = (obj.get("data") or {}).get("target")
        return [Request(obj["metadata"]["namespace"], target)] if target else []

    reconciler = RecordingReconciler()
    controller = Controller(reconciler, for_=For("v1", "secrets"),
                            watches=[Watches("v1", "configmaps", target_of)])
    async with running(apiserver, controller):
        await apiserver_client.resource("v1", "configmaps").create(
            configmap("pointer", data={"target": "the-secret"}), namespace=ns)
        await reconciler.wait_for(Request(ns, "the-secret"))


async def test_predicate_filters_updates_that_change_nothing_it_watches(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    reconciler = RecordingReconciler()
    controller = Controller(reconciler, for_=For("v1", "configmaps"),
                            predicates=[LabelChangedPredicate()])
    cms = apiserver_client.resource("v1", "configmaps")
    await cms.create(configmap("target", labels={"v": "1"}), namespace=ns)
    await cms.create(configmap("sentinel", labels={"v": "1"}), namespace=ns)
    target, sentinel = Request(ns, "target"), Request(ns, "sentinel")
    async with running(apiserver, controller):
        await reconciler.wait_for(target)
        await reconciler.wait_for(sentinel)
        await cms.patch("target", {"data": {"x": "changed"}}, namespace=ns)  # filtered
        await cms.patch("sentinel", {"metadata": {"labels": {"v": "2"}}}, namespace=ns)
        # One worker, events in order: the sentinel's reconcile comes after any for the target.
        await reconciler.wait_for(sentinel, times=2)
        assert reconciler.count(target) == 1
        await cms.patch("target", {"metadata": {"labels": {"v": "2"}}}, namespace=ns)
        await reconciler.wait_for(target, times=2)


async def test_reconcile_metrics_are_served_on_metrics_endpoint(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    import aiohttp

    reconciler = RecordingReconciler()
    controller = Controller(reconciler, for_=For("v1", "configmaps"), max_concurrent_reconciles=2)
    await apiserver_client.resource("v1", "configmaps").create(configmap("m"), namespace=ns)
    async with running(apiserver, controller) as manager:
        await reconciler.wait_for(Request(ns, "m"))
        base = f"http://127.0.0.1:{manager.metrics_port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/metrics") as response:
                text = await response.text()
            async with session.get(base + "/readyz") as response:
                assert response.status == 200
            async with session.get(base + "/healthz") as response:
                assert response.status == 200
    assert metric_value(text, "controller_runtime_reconcile_total", controller="configmap",
                        result="success") == 1
    assert metric_value(text, "controller_runtime_reconcile_time_seconds_count",
                        controller="configmap") == 1
    assert metric_value(text, "controller_runtime_active_workers", controller="configmap") == 0
    assert metric_value(text, "controller_runtime_max_concurrent_reconciles",
                        controller="configmap") == 2
    assert metric_value(text, "workqueue_adds_total", name="configmap") == 1
    assert metric_value(text, "reflector_lists_total", name=f"v1/configmaps@{ns}") >= 1


async def test_reconcile_timeout_counts_as_an_error_and_retries(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    async def slow_first(_request: Request, attempt: int) -> Result | None:
        if attempt == 0:
            await asyncio.sleep(30)
        return None

    reconciler = RecordingReconciler(slow_first)
    controller = Controller(reconciler, for_=For("v1", "configmaps"), reconcile_timeout=0.1,
                            rate_limiter=ItemExponentialFailureRateLimiter(0.01, 0.1))
    await apiserver_client.resource("v1", "configmaps").create(configmap("slow"), namespace=ns)
    async with running(apiserver, controller) as manager:
        await reconciler.wait_for(Request(ns, "slow"), times=2)
        registry = manager.registry
    assert metric_value(registry, "controller_runtime_reconcile_errors_total",
                        controller="configmap") == 1


