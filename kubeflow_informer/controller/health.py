"""The manager's probe and metrics HTTP endpoint: ``/healthz``, ``/readyz``, ``/metrics``.

* ``/healthz`` - liveness: 200 while every liveness check passes (the process can still make
  progress, e.g. a leader has not gone longer than its lease without renewing), else 500.
* ``/readyz`` - readiness: 200 once the informer caches have synced and until shutdown begins,
  else 500 (so a rolling update stops routing to a pod that is going away).
* ``/metrics`` - the registry (ours and the application's families) in the Prometheus text
  exposition format, as ``prometheus_client`` writes it.

Each failing probe names the failed checks in its body, as Kubernetes' own ``/healthz`` does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

from aiohttp import web

from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.metrics import CONTENT_TYPE, CollectorRegistry, render

logger = logging.getLogger(__name__)

Check = Callable[[], bool]


class MetricsPortError(KubeflowInformerError):
    """The probe and metrics endpoint could not listen on its ``host:port`` (in use, not
    permitted, an unknown host): the manager's ``metrics_port`` / ``metrics_host``."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"cannot serve /healthz, /readyz and /metrics on {host}:{port} (metrics_port): "
            f"{reason}"
        )


class ProbeServer:
    """Serves the probes and metrics on ``host:port``; port 0 picks a free one (see ``port``)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        host: str,
        port: int,
        liveness: Mapping[str, Check],
        readiness: Mapping[str, Check],
    ) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._liveness = dict(liveness)
        self._readiness = dict(readiness)
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        return f"ProbeServer({self.host}:{self.port})"

    async def start(self) -> None:
        """Bind and serve; :attr:`port` is the bound port afterwards."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except (OSError, OverflowError) as exc:
            await runner.cleanup()
            errno = exc.errno if isinstance(exc, OSError) else None
            reason = os.strerror(errno) if errno else str(exc)
            raise MetricsPortError(self.host, self.port, reason) from exc
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        logger.info("serving /healthz, /readyz and /metrics on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @staticmethod
    def _probe(checks: Mapping[str, Check]) -> web.Response:
        failed = []
        for name, check in checks.items():
            try:
                ok = check()
            except Exception:
                logger.exception("health check %s raised", name)
                ok = False
            if not ok:
                failed.append(name)
        if failed:
            body = "".join(f"[-]{name} failed\n" for name in failed) + "check failed\n"
            return web.Response(status=500, text=body)
        return web.Response(text="ok")

    async def _healthz(self, _request: web.Request) -> web.Response:
        return self._probe(self._liveness)

    async def _readyz(self, _request: web.Request) -> web.Response:
        return self._probe(self._readiness)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=render(self.registry), headers={"Content-Type": CONTENT_TYPE})


__all__ = ["MetricsPortError", "ProbeServer"]
