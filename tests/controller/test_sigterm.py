"""SIGTERM during a long reconcile: it finishes, the lease is released, the process exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer

pytestmark = pytest.mark.timeout(60)

SCRIPT = Path(__file__).with_name("sigterm_manager.py")
REPO = Path(__file__).resolve().parents[2]


async def test_sigterm_finishes_the_reconcile_releases_the_lease_and_exits_zero(
    apiserver: ApiServer, apiserver_client: ApiClient, tmp_path: Path
) -> None:
    ns = apiserver.namespace
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    await apiserver_client.resource("v1", "configmaps").create(
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "slow", "namespace": ns}},
        namespace=ns,
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), str(kubeconfig),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )
    assert child.stdout is not None
    try:
        async with asyncio.timeout(30):
            line = await child.stdout.readline()
        assert line.decode().strip() == "reconcile-start"
        child.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            out, err = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == 0, err.decode()[-2000:]
    assert out.decode().split() == ["reconcile-end", "manager-exited"]
    lease = await apiserver_client.resource("coordination.k8s.io/v1", "leases").get(
        "sigterm-lock", namespace=ns
    )
    assert not lease["spec"].get("holderIdentity")
