"""End to end: the demo (scenario + churn + detector) on the embedded server with a fixed seed.

After a few seconds the test reads back, through the API, what the detector must have written.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from examples.pod_detector.app import RunOptions, RunResult, run_demo
from examples.pod_detector.scenario import WORKLOADS
from examples.pod_detector.service_reconciler import READY_ANNOTATION, UNAVAILABLE_ANNOTATION
from examples.pod_detector.settings import DetectorSettings
from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient

pytestmark = pytest.mark.timeout(60)

SEED = 7


async def run_short_demo(server: EmbeddedApiServer) -> RunResult:
    options = RunOptions(
        settings=DetectorSettings(grace_period=1.0, pending_limit=2.0),
        metrics_port=None,
        duration=3.0,
        seed=SEED,
        churn_interval=0.3,
        shutdown_grace_period=2.0,
    )
    result = await run_demo(options, asyncio.Event(), server=server)
    assert result.exit_code == 0
    assert result.scenario is not None and result.summary is not None
    assert sum(result.summary.churn.values()) > 0
    return result


async def test_demo_reports_the_pods_seeded_broken_with_events(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    result = await run_short_demo(embedded_apiserver)
    assert result.scenario is not None
    assert sorted(result.scenario.broken.values()) == ["CrashLoopBackOff", "ImagePullBackOff"]
    events = (await api_client.resource("v1", "events").list())["items"]
    for key, reason in result.scenario.broken.items():
        namespace, name = key.split("/")
        about_pod = [e for e in events if e["involvedObject"]["name"] == name
                     and e["involvedObject"]["namespace"] == namespace]
        assert [(e["type"], e["reason"], e["message"].split(":")[0]) for e in about_pod] == [
            ("Warning", "PodUnavailable", reason)
        ]
        assert about_pod[0]["involvedObject"]["kind"] == "Pod"
        assert about_pod[0]["source"]["component"] == "pod-detector-pods"
    degraded = {(e["involvedObject"]["namespace"], e["involvedObject"]["name"])
                for e in events if e["reason"] == "ServiceDegraded"}
    assert {("shop", "cart"), ("analytics", "ingest")} <= degraded


async def test_demo_keeps_every_selecting_service_annotated(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    result = await run_short_demo(embedded_apiserver)
    assert result.scenario is not None
    services = api_client.resource("v1", "services")
    for workload in (w for w in WORKLOADS if w.service):
        service = await services.get(workload.name, namespace=workload.namespace)
        annotations = service["metadata"]["annotations"]
        assert re.fullmatch(r"\d+/\d+", annotations[READY_ANNOTATION])
        listed = [n for n in annotations[UNAVAILABLE_ANNOTATION].split(",") if n]
        assert listed == sorted(listed)
    # The churn only disrupts Ready Pods, so the Pod seeded with ImagePullBackOff is still
    # broken and must be listed on its Service.
    [stuck] = [k for k, r in result.scenario.broken.items() if r == "ImagePullBackOff"]
    namespace, name = stuck.split("/")
    ingest = await services.get("ingest", namespace=namespace)
    assert name in ingest["metadata"]["annotations"][UNAVAILABLE_ANNOTATION].split(",")
    external = await services.get("external-db", namespace="payments")
    assert READY_ANNOTATION not in (external["metadata"].get("annotations") or {})
