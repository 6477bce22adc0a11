"""A manager run as a subprocess by test_bounded_shutdown.py (not a test module itself).

argv: API server URL, cache sync timeout (s), shutdown grace period (s), mode. Mode ``plain``
reconciles nothing; ``stubborn`` reconciles by sleeping and swallowing every cancellation.
Prints ``running`` before :meth:`Manager.run`, ``reconciling`` when a stubborn reconcile
starts, and ``manager-exited`` (plus the stop signal) when ``run`` returned.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from kubeflow_informer.config import Config
from kubeflow_informer.controller import Controller, For, Manager, Reconciler, Request, Result


class Plain(Reconciler):
    async def reconcile(self, request: Request) -> Result | None:
        return None


class Stubborn(Reconciler):
    async def reconcile(self, request: Request) -> Result | None:
        print("reconciling", flush=True)
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass  # the bug this mode stands for


async def main(server: str, sync_timeout: float, grace: float, mode: str) -> None:
    manager = Manager(Config(server=server, token="not-the-right-one"), metrics_port=None,
                      cache_sync_timeout=sync_timeout, shutdown_grace_period=grace)
    reconciler = Stubborn() if mode == "stubborn" else Plain()
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    print("running", flush=True)
    await manager.run()
    signal_name = manager.stop_signal.name if manager.stop_signal else "none"
    print("manager-exited", signal_name, flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
