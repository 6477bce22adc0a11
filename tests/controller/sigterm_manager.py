"""A small manager run as a subprocess by test_sigterm.py (not a test module itself)."""

from __future__ import annotations

import asyncio
import sys

from kubeflow_informer.config import load_kubeconfig
from kubeflow_informer.controller import (
    Controller,
    For,
    LeaderElectionConfig,
    Manager,
    Reconciler,
    Request,
    Result,
)


class SlowReconciler(Reconciler):
    async def reconcile(self, request: Request) -> Result | None:
        if request.name == "slow":
            print("reconcile-start", flush=True)
            await asyncio.sleep(1.0)
            print("reconcile-end", flush=True)
        return None


async def main(kubeconfig: str) -> None:
    config = load_kubeconfig(kubeconfig)  # its context's namespace is the test's
    manager = Manager(
        config,
        namespace=config.namespace,
        metrics_port=None,
        shutdown_grace_period=10.0,
        leader_election=LeaderElectionConfig(
            name="sigterm-lock", namespace=config.namespace, identity="child",
            lease_duration=1.5, renew_deadline=1.0, retry_period=0.2,
        ),
    )
    manager.add(Controller(SlowReconciler(), for_=For("v1", "configmaps")))
    await manager.run()
    print("manager-exited", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
