"""A manager run as a subprocess by test_graceful_shutdown.py (not a test module itself).

argv: kubeconfig, shutdown grace period (s), reconcile duration (s). Reconciles of configmaps
named ``slow-*`` print ``start <name>``, sleep, then print ``end <name>``.
"""

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
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def reconcile(self, request: Request) -> Result | None:
        if request.name.startswith("slow-"):
            print("start", request.name, flush=True)
            try:
                await asyncio.sleep(self.seconds)
            except asyncio.CancelledError:
                print("cancelled", request.name, flush=True)
                raise
            print("end", request.name, flush=True)
        return None


async def main(kubeconfig: str, grace: float, seconds: float) -> None:
    manager = Manager(
        load_kubeconfig(kubeconfig),
        metrics_port=None,
        shutdown_grace_period=grace,
        leader_election=LeaderElectionConfig(
            name="reliability-shutdown", namespace="default", identity="child",
            lease_duration=2.0, renew_deadline=1.5, retry_period=0.2,
        ),
    )
    manager.add(
        Controller(SlowReconciler(seconds), for_=For("v1", "configmaps"),
                   max_concurrent_reconciles=3)
    )
    await manager.run()
    print("manager-exited", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
