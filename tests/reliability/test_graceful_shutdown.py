"""SIGTERM during reconciles: in-flight ones finish within the grace period (or are cancelled
when they outlast it), queued ones are dropped, the lease is released, the process exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient

pytestmark = pytest.mark.timeout(60)

SCRIPT = Path(__file__).with_name("shutdown_manager.py")
REPO = Path(__file__).resolve().parents[2]
WORKERS = 3


async def _run_and_terminate(
    server: EmbeddedApiServer, api: ApiClient, tmp_path: Path, grace: float, seconds: float
) -> tuple[int, list[str], str]:
    """Start the child with 4 slow objects and 3 workers; SIGTERM once 3 reconciles started."""
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    configmaps = api.resource("v1", "configmaps")
    for index in range(WORKERS + 1):
        await configmaps.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"slow-{index}"}},
            namespace="default",
        )
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), str(kubeconfig), str(grace), str(seconds),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while len(lines) < WORKERS:
                line = (await child.stdout.readline()).decode().strip()
                assert line, "the child exited before its reconciles started"
                lines.append(line)
        child.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            out, err = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode is not None
    return child.returncode, lines + out.decode().split("\n"), err.decode()


async def _lease_holder(api: ApiClient) -> str | None:
    lease = await api.resource("coordination.k8s.io/v1", "leases").get(
        "reliability-shutdown", namespace="default"
    )
    holder: str | None = lease["spec"].get("holderIdentity")
    return holder


async def test_sigterm_lets_in_flight_reconciles_finish_releases_the_lease_and_exits_zero(
    server: EmbeddedApiServer, api: ApiClient, tmp_path: Path
) -> None:
    code, lines, err = await _run_and_terminate(server, api, tmp_path, grace=10.0, seconds=1.0)
    assert code == 0, err[-2000:]
    started = sorted(line.split()[1] for line in lines if line.startswith("start "))
    ended = sorted(line.split()[1] for line in lines if line.startswith("end "))
    assert len(started) == WORKERS  # the fourth request was queued, then dropped at shutdown
    assert ended == started
    assert lines[-2:] == ["manager-exited", ""]
    assert not await _lease_holder(api)


async def test_sigterm_cancels_reconciles_that_outlast_the_grace_period_and_exits_zero(
    server: EmbeddedApiServer, api: ApiClient, tmp_path: Path
) -> None:
    code, lines, err = await _run_and_terminate(server, api, tmp_path, grace=0.3, seconds=60.0)
    assert code == 0, err[-2000:]
    cancelled = [line for line in lines if line.startswith("cancelled ")]
    assert len(cancelled) == WORKERS
    assert not [line for line in lines if line.startswith("end ")]
    assert "manager-exited" in lines
    assert not await _lease_holder(api)
