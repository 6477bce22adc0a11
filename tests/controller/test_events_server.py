"""The EventRecorder writing to an API server (embedded or real): the Events a user reads with
``kubectl get events``, counted, aggregated and recreated as the server stores them."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller.events import AGGREGATE_PREFIX, EventRecorder
from kubeflow_informer.testing import ApiServer

pytestmark = pytest.mark.timeout(30)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def _configmap(apiserver: ApiServer, api: ApiClient) -> dict[str, Any]:
    created: dict[str, Any] = await api.resource("v1", "configmaps").create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "target"}},
        namespace=apiserver.namespace)
    return created


async def _record_warnings(apiserver: ApiServer, api: ApiClient, messages: list[str]) -> None:
    """Warnings ``Failed`` with ``messages`` on a ConfigMap, one (fake) second apart."""
    target = await _configmap(apiserver, api)
    clock = Clock()
    async with EventRecorder(api.resource("v1", "events"), "ctl", clock=clock) as recorder:
        for message in messages:
            recorder.event(target, "Warning", "Failed", message)
            clock.now += 1
        await recorder.flush()


async def _events(apiserver: ApiServer, api: ApiClient) -> list[dict[str, Any]]:
    listing = await api.resource("v1", "events").list(namespace=apiserver.namespace)
    return list(listing["items"])


async def test_an_event_is_stored_on_the_involved_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    target = await _configmap(apiserver, apiserver_client)
    async with EventRecorder(apiserver_client.resource("v1", "events"), "ctl",
                             host="node-a") as recorder:
        recorder.event(target, "Normal", "Created", "made it")
        await recorder.flush()
    (event,) = await _events(apiserver, apiserver_client)
    assert event["involvedObject"] == {
        "apiVersion": "v1", "kind": "ConfigMap", "name": "target",
        "namespace": apiserver.namespace, "uid": target["metadata"]["uid"],
        "resourceVersion": target["metadata"]["resourceVersion"]}
    assert (event["type"], event["reason"], event["message"], event["count"]) == (
        "Normal", "Created", "made it", 1)
    assert event["source"] == {"component": "ctl", "host": "node-a"}
    assert event["metadata"]["name"].startswith("target.")
    assert event["firstTimestamp"] == event["lastTimestamp"]


async def test_repeats_are_counted_on_the_stored_event(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    await _record_warnings(apiserver, apiserver_client, ["boom"] * 3)
    (event,) = await _events(apiserver, apiserver_client)
    assert (event["type"], event["count"]) == ("Warning", 3)
    assert event["lastTimestamp"] > event["firstTimestamp"]


async def test_similar_events_are_aggregated_into_one_stored_event(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    await _record_warnings(apiserver, apiserver_client, [f"attempt {i}" for i in range(12)])
    events = await _events(apiserver, apiserver_client)
    combined = [e for e in events if e["message"].startswith(AGGREGATE_PREFIX)]
    assert len(events) == 10  # 9 individual ones, then one combined event
    assert len(combined) == 1 and combined[0]["count"] == 3


async def test_an_event_deleted_meanwhile_is_created_again(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    target = await _configmap(apiserver, apiserver_client)
    events = apiserver_client.resource("v1", "events")
    async with EventRecorder(events, "ctl") as recorder:
        recorder.event(target, "Normal", "Synced", "ok")
        await recorder.flush()
        (first,) = await _events(apiserver, apiserver_client)
        await events.delete(first["metadata"]["name"], namespace=apiserver.namespace)
        recorder.event(target, "Normal", "Synced", "ok")
        await recorder.flush()
    (again,) = await _events(apiserver, apiserver_client)
    assert again["count"] == 2
