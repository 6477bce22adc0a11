"""The detector's controllers on both API servers, driven step by step (no churn).

Each test writes Pods and Services through the API, as a kubelet or a user would (pod status
through the ``status`` subresource: no kubelet runs on either server), and reads back through the
API what the detector must have written: Events and Service annotations. The detector watches the
test's namespaces only (on the real server others' objects come and go).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from examples.pod_detector import kubelet
from examples.pod_detector.scenario import set_pod_status
from examples.pod_detector.service_reconciler import READY_ANNOTATION, UNAVAILABLE_ANNOTATION
from examples.pod_detector.settings import DetectorSettings, WatchScope
from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from tests.examples.conftest import NamespaceFactory
from tests.examples.helpers import (
    annotations_of,
    create_pod,
    create_service,
    events_for,
    running_detector,
    wait_for,
)

pytestmark = pytest.mark.timeout(60)

WEB = {"app": "web"}


def scoped(*namespaces: str, **settings: Any) -> DetectorSettings:
    """Settings watching ``namespaces`` only."""
    return DetectorSettings(scope=WatchScope(namespaces), **settings)


async def web_service_with_two_pods(api: ApiClient, shop: str) -> None:
    await create_service(api, shop, "web", WEB)
    await create_pod(api, shop, "web-1", WEB)
    await create_pod(api, shop, "web-2", WEB)


async def test_crash_looping_pod_gets_a_warning_event_and_degrades_its_service(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    async with running_detector(apiserver.config, scoped(shop)):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        pod = await api_client.resource("v1", "pods").get("web-2", namespace=shop)
        await set_pod_status(api_client, pod, kubelet.crash_loop(pod))

        events = await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-2", "PodUnavailable"),
            what="PodUnavailable on web-2",
        )
        assert events[0]["type"] == "Warning"
        assert events[0]["message"].startswith("CrashLoopBackOff:")
        degraded = await wait_for(
            lambda: events_for(api_client, shop, "Service", "web", "ServiceDegraded"),
            what="ServiceDegraded on web",
        )
        assert "web-2 (CrashLoopBackOff)" in degraded[0]["message"]
        annotations = await annotations_of(api_client, shop, "web")
        assert annotations[READY_ANNOTATION] == "1/2"
        assert annotations[UNAVAILABLE_ANNOTATION] == "web-2"


async def test_recovered_pod_gets_a_normal_event_and_its_service_recovers(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    pod = await api_client.resource("v1", "pods").get("web-1", namespace=shop)
    await set_pod_status(api_client, pod, kubelet.image_pull_failure(pod, "ImagePullBackOff"))
    async with running_detector(apiserver.config, scoped(shop)):
        await wait_for(
            lambda: events_for(api_client, shop, "Service", "web", "ServiceDegraded"),
            what="ServiceDegraded on web",
        )
        await set_pod_status(api_client, pod, kubelet.running(pod))

        recovered = await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-1", "PodRecovered"),
            what="PodRecovered on web-1",
        )
        assert recovered[0]["type"] == "Normal"
        assert "ImagePullBackOff" in recovered[0]["message"]
        await wait_for(
            lambda: events_for(api_client, shop, "Service", "web", "ServiceRecovered"),
            what="ServiceRecovered on web",
        )
        annotations = await annotations_of(api_client, shop, "web")
        assert annotations[READY_ANNOTATION] == "2/2"
        assert annotations[UNAVAILABLE_ANNOTATION] == ""


async def test_not_ready_past_the_grace_period_is_detected_without_another_event(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    async with running_detector(apiserver.config, scoped(shop, grace_period=1.0)):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        pod = await api_client.resource("v1", "pods").get("web-1", namespace=shop)
        await set_pod_status(api_client, pod, kubelet.running(pod, ready=False))
        # No further write to the Pod: only the reconciler's requeue can find it NotReady.
        events = await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-1", "PodUnavailable"),
            what="PodUnavailable (NotReady) on web-1",
        )
        assert events[0]["message"].startswith("NotReady:")


async def test_deleting_a_selected_pod_is_reported_gone(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    async with running_detector(apiserver.config, scoped(shop)) as (_, detector):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        await api_client.resource("v1", "pods").delete("web-1", namespace=shop)

        events = await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-1", "PodUnavailable"),
            what="Gone on web-1",
        )
        assert events[0]["message"].startswith("Gone:")
        assert detector.stats.detections["Gone"] == 1

        async def one_of_one_ready() -> bool:
            annotations = await annotations_of(api_client, shop, "web")
            return annotations.get(READY_ANNOTATION) == "1/1"

        await wait_for(one_of_one_ready, what="ready 1/1 after the delete")


async def test_deleting_a_pod_no_service_selects_is_not_a_detection(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    await create_pod(api_client, shop, "batch-1", {"app": "batch"})
    async with running_detector(apiserver.config, scoped(shop)) as (_, detector):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        await api_client.resource("v1", "pods").delete("batch-1", namespace=shop)
        await api_client.resource("v1", "pods").delete("web-2", namespace=shop)
        await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-2", "PodUnavailable"),
            what="Gone on web-2",
        )
        # web-2's delete was written after batch-1's, so batch-1's has been handled too.
        assert await events_for(api_client, shop, "Pod", "batch-1") == []
        assert detector.stats.detections["Gone"] == 1


async def test_annotations_are_not_rewritten_when_nothing_changed(
    apiserver: ApiServer, apiserver_client: ApiClient, namespaces: NamespaceFactory
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    other = await namespaces("other")
    await web_service_with_two_pods(api_client, shop)
    async with running_detector(apiserver.config, scoped(shop, other)) as (_, detector):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        before = await api_client.resource("v1", "services").get("web", namespace=shop)
        patches = detector.stats.annotation_patches
        # A kubelet heartbeat-like rewrite of a healthy Pod, then a real change elsewhere that
        # proves the detector has processed everything written before it.
        pod = await api_client.resource("v1", "pods").get("web-1", namespace=shop)
        await set_pod_status(api_client, pod, kubelet.running(pod))
        await create_service(api_client, other, "api", {"app": "api"})
        await wait_for(lambda: annotations_of(api_client, other, "api"), what="other/api")

        after = await api_client.resource("v1", "services").get("web", namespace=shop)
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        assert detector.stats.annotation_patches == patches + 1  # only other/api's


async def test_service_without_selector_is_left_alone(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    await create_service(api_client, shop, "external-db", None)
    async with running_detector(apiserver.config, scoped(shop)):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        assert await annotations_of(api_client, shop, "external-db") == {}


async def test_only_the_given_namespaces_and_labels_are_watched(
    apiserver: ApiServer, apiserver_client: ApiClient, namespaces: NamespaceFactory
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    payments, ignored = await namespaces("payments"), await namespaces("ignored")
    for namespace in (shop, payments, ignored):
        for name, team in (("web", "a"), ("other", "b")):
            labels = {"app": name, "team": team}
            await create_service(api_client, namespace, name, {"app": name})
            await api_client.resource("v1", "services").patch(
                name, {"metadata": {"labels": labels}}, namespace=namespace
            )
            await create_pod(api_client, namespace, f"{name}-1", labels)
    scope = WatchScope((shop, payments), "team=a")
    async with running_detector(apiserver.config, DetectorSettings(scope=scope)) as (
        manager, _,
    ):
        for namespace in (shop, payments):
            await wait_for(lambda ns=namespace: annotations_of(api_client, ns, "web"),
                           what=f"{namespace}/web annotations")
        informer_names = sorted(i.name for i in manager.factory.informers)
        assert informer_names == sorted(
            f"v1/{plural}@{namespace}" for plural in ("pods", "services")
            for namespace in (shop, payments))
        assert await annotations_of(api_client, ignored, "web") == {}
        assert await annotations_of(api_client, shop, "other") == {}


async def test_service_gauges_are_served_on_metrics(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await web_service_with_two_pods(api_client, shop)
    pod = await api_client.resource("v1", "pods").get("web-2", namespace=shop)
    await set_pod_status(api_client, pod, kubelet.evicted(pod))
    async with running_detector(
        apiserver.config, scoped(shop), metrics_port=0
    ) as (manager, _):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{manager.metrics_port}/metrics"
            async with http.get(url) as response:
                text = await response.text()
    series = f'namespace="{shop}",service="web"'
    assert f"pod_detector_service_selected_pods{{{series}}} 2" in text
    assert f"pod_detector_service_ready_pods{{{series}}} 1" in text
    assert f"pod_detector_service_unavailable_pods{{{series}}} 1" in text
    assert 'pod_detector_detections_total{reason="Evicted"} 1' in text


async def test_detection_continues_after_the_api_server_drops_every_watch(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    shop = "default"
    await web_service_with_two_pods(api_client, shop)
    async with running_detector(embedded_apiserver.config, scoped(shop)):
        await wait_for(lambda: annotations_of(api_client, shop, "web"), what="annotations")
        await embedded_apiserver.restart()
        pod = await api_client.resource("v1", "pods").get("web-1", namespace=shop)
        await set_pod_status(api_client, pod, kubelet.oom_killed(pod))
        events = await wait_for(
            lambda: events_for(api_client, shop, "Pod", "web-1", "PodUnavailable"),
            what="OOMKilled on web-1 after the restart",
        )
        assert events[0]["message"].startswith("OOMKilled:")
    assert embedded_apiserver.faults.stats()["restart"] == 1
