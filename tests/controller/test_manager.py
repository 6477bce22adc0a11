"""Manager wiring on both API servers: injection, events, cache-sync timeout, concurrency and
graceful stop, each test in a namespace of its own."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller import (
    CacheSyncTimeout,
    Controller,
    For,
    Manager,
    Reconciler,
    Request,
    Result,
)
from kubeflow_informer.testing import ApiServer

from .helpers import RecordingReconciler

pytestmark = pytest.mark.timeout(30)



def new_manager(apiserver: ApiServer, **kwargs: object) -> Manager:
    return Manager(apiserver.config, namespace=apiserver.namespace,  # type: ignore[arg-type]
                   metrics_port=None, cache_sync_timeout=10.0, **kwargs)


async def create_cms(api: ApiClient, ns: str, *names: str) -> None:
    for name in names:
        await api.resource("v1", "configmaps").create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
             "data": {"greeting": "hello " + name}},
            namespace=ns,
        )


class EventingReconciler(Reconciler):
    """Reads the object through the injected lister and records an Event on it."""

    def __init__(self) -> None:
        self.seen: asyncio.Queue[str] = asyncio.Queue()

    async def reconcile(self, request: Request) -> Result | None:
        obj = self.lister("v1", "configmaps").get(request.namespace, request.name)
        assert obj is not None
        self.recorder.event(obj, "Normal", "Seen", obj["data"]["greeting"],
                            api_version="v1", kind="ConfigMap")
        await self.seen.put(obj["data"]["greeting"])
        return None


async def test_reconciler_gets_listers_and_an_event_recorder(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await create_cms(apiserver_client, ns, "greeter")
    reconciler = EventingReconciler()
    manager = new_manager(apiserver)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    async with manager:
        assert await asyncio.wait_for(reconciler.seen.get(), 10) == "hello greeter"
        await reconciler.recorder.flush()
        events = apiserver_client.resource("v1", "events").list_items(namespace=ns)
        events = [e async for e in events]
    (event,) = [e for e in events if e["involvedObject"]["name"] == "greeter"]
    assert (event["reason"], event["message"], event["source"]["component"]) == (
        "Seen", "hello greeter", "configmap")


def test_reconciler_outside_a_manager_has_no_client() -> None:
    with pytest.raises(RuntimeError, match="Manager"):
        _ = RecordingReconciler().client


async def test_cache_sync_timeout_fails_clearly_and_cleans_up(apiserver: ApiServer) -> None:
    manager = Manager(apiserver.config, metrics_port=None, cache_sync_timeout=0.5)
    manager.add(Controller(RecordingReconciler(),
                           for_=For("example.com/v1", "widgets", kind="Widget")))
    with pytest.raises(CacheSyncTimeout, match=r"did not sync within 0\.5s"):
        await manager.start()
    assert manager.client.closed and not manager.ready  # what it opened, it closed


async def test_workers_reconcile_different_keys_concurrently_never_the_same_key(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    names = [f"cm-{i}" for i in range(6)]
    await create_cms(apiserver_client, ns, *names)
    active: set[Request] = set()
    peak = 0
    overlap: list[Request] = []

    async def slow(request: Request, _attempt: int) -> Result | None:
        nonlocal peak
        if request in active:
            overlap.append(request)
        active.add(request)
        peak = max(peak, len(active))
        await asyncio.sleep(0.1)
        active.discard(request)
        return None

    reconciler = RecordingReconciler(slow)
    manager = new_manager(apiserver)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps"), max_concurrent_reconciles=3))
    cms = apiserver_client.resource("v1", "configmaps")
    async with manager:
        for name in names:
            await reconciler.wait_for(Request(ns, name))
            await cms.patch(name, {"data": {"again": "1"}}, namespace=ns)
        for name in names:
            await reconciler.wait_for(Request(ns, name), times=2)
    assert peak == 3 and overlap == []


async def test_graceful_stop_lets_in_flight_reconciles_finish(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await create_cms(apiserver_client, ns, "long")
    finished = asyncio.Event()
    started = asyncio.Event()

    async def long(_request: Request, _attempt: int) -> Result | None:
        started.set()
        await asyncio.sleep(0.3)
        finished.set()
        return None

    manager = new_manager(apiserver, shutdown_grace_period=5.0)
    manager.add(Controller(RecordingReconciler(long), for_=For("v1", "configmaps")))
    async with manager:
        await asyncio.wait_for(started.wait(), 10)
    assert finished.is_set()


async def test_reconciles_beyond_the_grace_period_are_cancelled(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await create_cms(apiserver_client, ns, "stuck")
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def stuck(_request: Request, _attempt: int) -> Result | None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return None

    manager = new_manager(apiserver, shutdown_grace_period=0.2)
    manager.add(Controller(RecordingReconciler(stuck), for_=For("v1", "configmaps")))
    async with manager:
        await asyncio.wait_for(started.wait(), 10)
    assert cancelled.is_set() and not manager.ready


def test_controller_names_must_be_unique_in_a_manager(apiserver: ApiServer) -> None:
    manager = new_manager(apiserver)
    manager.add(Controller(RecordingReconciler(), for_=For("v1", "configmaps")))
    with pytest.raises(ValueError, match="already"):
        manager.add(Controller(RecordingReconciler(), for_=For("v1", "configmaps")))


async def test_the_manager_transform_applies_to_every_cached_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    def mark(obj: dict[str, object]) -> dict[str, object]:
        obj["metadata"]["labels"] = {"transformed": "yes"}  # type: ignore[index]
        return obj

    class LabelReader(Reconciler):
        def __init__(self) -> None:
            self.labels: asyncio.Queue[object] = asyncio.Queue()

        async def reconcile(self, request: Request) -> Result | None:
            obj = self.lister("v1", "configmaps").get(request.namespace, request.name)
            assert obj is not None
            await self.labels.put(obj["metadata"].get("labels"))
            return None

    await create_cms(apiserver_client, ns, "marked")
    reader = LabelReader()
    manager = new_manager(apiserver, transform=mark)
    manager.add(Controller(reader, for_=For("v1", "configmaps")))
    async with manager:
        assert await asyncio.wait_for(reader.labels.get(), 10) == {"transformed": "yes"}
