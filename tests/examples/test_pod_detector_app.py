"""Running the detector against a cluster: leader election, stopping, the summary."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from examples.pod_detector.app import RunOptions, run_detector
from examples.pod_detector.settings import DetectorSettings, WatchScope
from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import NotFound
from kubeflow_informer.testing import ApiServer
from tests.examples.helpers import create_pod, create_service, wait_for

pytestmark = pytest.mark.timeout(60)


async def test_leader_elect_holds_the_lease_while_running_and_releases_it_on_stop(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await create_service(api_client, shop, "web", {"app": "web"})
    await create_pod(api_client, shop, "web-1", {"app": "web"})
    options = RunOptions(settings=DetectorSettings(scope=WatchScope((shop,))), metrics_port=None,
                         leader_elect=True, lease_namespace=shop, shutdown_grace_period=2.0)
    stop = asyncio.Event()
    run = asyncio.create_task(run_detector(apiserver.config, options, stop))
    leases = api_client.resource("coordination.k8s.io/v1", "leases")

    async def holder() -> str:
        try:
            lease: dict[str, Any] = await leases.get("pod-detector", namespace=shop)
        except NotFound:
            return ""
        return str(lease["spec"].get("holderIdentity") or "")

    try:
        await wait_for(holder, what="the pod-detector Lease to be held")

        async def annotated() -> bool:
            svc = await api_client.resource("v1", "services").get("web", namespace=shop)
            return bool(svc["metadata"].get("annotations"))

        await wait_for(annotated, what="the leader to reconcile")
    finally:
        stop.set()
        result = await run
    assert result.exit_code == 0
    assert await holder() == ""  # released on a graceful stop
    assert result.summary is not None
    assert result.summary.stats.reconciles["services"] >= 1
    assert f"v1/pods@{shop}" in result.summary.cached
