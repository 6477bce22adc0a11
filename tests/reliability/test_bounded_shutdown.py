"""Stopping is bounded whatever user code does, and signals stop a manager at any point.

* A reconcile or an event handler that swallows ``CancelledError`` is abandoned (and logged by
  name) after ``CANCEL_WAIT``: ``Controller.stop``, ``SharedIndexInformer.stop`` and
  ``Manager.shutdown`` return within the grace period plus their margin.
* SIGINT / SIGTERM while the caches sync (server down, or a wrong token) stops the process at
  once with exit status 0, long before ``cache_sync_timeout``; a second signal during a
  shutdown ends the process by that signal.
* ``CacheSyncTimeout`` names each informer that did not sync and its last error.

The bounds asserted are generous ceilings (seconds beyond the configured waits), never speeds:
before issue 14 these stops did not return at all, and signals waited for the sync timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kubeflow_informer.cache import FuncHandler, SharedIndexInformer, SharedInformerFactory
from kubeflow_informer.cancellation import CANCEL_WAIT
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.controller import (
    CacheSyncTimeout,
    Controller,
    For,
    Manager,
    Reconciler,
    Request,
    Result,
)
from kubeflow_informer.controller.manager import SHUTDOWN_MARGIN
from kubeflow_informer.testing import ApiServer, eventually
from tests.reliability.hostile import HostileServer
from tests.reliability.hostile_behaviours import FailingRequests

pytestmark = pytest.mark.timeout(60)

CHILD = Path(__file__).with_name("sync_manager.py")
REPO = Path(__file__).resolve().parents[2]
#: Slack on top of the configured waits: scheduling on a loaded 2-core machine, not speed.
SLACK = 5.0


class Stubborn:
    """Sleeps and swallows every cancellation - the bug bounded shutdown must survive - until
    :meth:`release` (the test's own cleanup: the event loop would wait for it at its end)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.swallowed = 0
        self._released = False
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.started.set()
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if self._released:
                    raise
                self.swallowed += 1

    async def release(self) -> None:
        self._released = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class StubbornReconciler(Reconciler):
    def __init__(self, stubborn: Stubborn) -> None:
        self.stubborn = stubborn

    async def reconcile(self, request: Request) -> Result | None:
        await self.stubborn.run()
        return None


@pytest.fixture
async def stubborn() -> AsyncIterator[Stubborn]:
    code = Stubborn()
    try:
        yield code
    finally:
        await code.release()


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    async with HostileServer() as srv:
        await srv.write("one", {"n": "1"})
        yield srv


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("kubeflow_informer.cancellation", "kubeflow_informer.controller"):
        logging.getLogger(name).setLevel(logging.ERROR)
    caplog.set_level(logging.ERROR, logger="kubeflow_informer.cancellation")
    return caplog


def _abandoned(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "ignored cancellation" in r.getMessage()]


async def _stopped_within(awaitable: Any, bound: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(bound + 30):  # a clear failure instead of a hang
        await awaitable
    elapsed = loop.time() - started
    assert elapsed <= bound, f"took {elapsed:.1f}s, bound {bound:.1f}s"
    return elapsed


async def test_controller_stop_abandons_a_reconcile_that_swallows_cancellation(
    hostile: HostileServer, stubborn: Stubborn, errors_logged: pytest.LogCaptureFixture
) -> None:
    async with ApiClient(Config(server=hostile.url), qps=0) as api:
        factory = SharedInformerFactory(api, namespace="default")
        controller = Controller(StubbornReconciler(stubborn), for_=For("v1", "configmaps"))
        controller.setup(factory)
        async with factory:
            await controller.start()
            await eventually(stubborn.started.is_set, timeout=20, what="the reconcile")
            grace = 0.2
            await _stopped_within(controller.stop(grace), grace + CANCEL_WAIT + SLACK)
    assert stubborn.swallowed >= 1
    assert any("controller-configmap-worker-0" in line for line in _abandoned(errors_logged))


async def test_manager_shutdown_is_bounded_when_a_reconcile_swallows_cancellation(
    hostile: HostileServer, stubborn: Stubborn, errors_logged: pytest.LogCaptureFixture
) -> None:
    grace = 0.5
    manager = Manager(Config(server=hostile.url), metrics_port=None,
                      shutdown_grace_period=grace, namespace="default")
    manager.add(Controller(StubbornReconciler(stubborn), for_=For("v1", "configmaps")))
    await manager.start()
    try:
        await eventually(stubborn.started.is_set, timeout=20, what="the reconcile")
    finally:
        await _stopped_within(manager.shutdown(), grace + SHUTDOWN_MARGIN + SLACK)
    assert _abandoned(errors_logged)


async def test_informer_stop_abandons_an_async_handler_that_swallows_cancellation(
    hostile: HostileServer, stubborn: Stubborn, errors_logged: pytest.LogCaptureFixture
) -> None:
    async def stubborn_handler(obj: dict[str, Any], is_initial: bool) -> None:
        await stubborn.run()

    async with ApiClient(Config(server=hostile.url), qps=0) as api:
        informer = SharedIndexInformer(api.resource("v1", "configmaps"), namespace="default",
                                       name="stubborn-informer")
        informer.add_event_handler(FuncHandler(on_add=stubborn_handler))
        await informer.start()
        await eventually(stubborn.started.is_set, timeout=20, what="the handler")
        await _stopped_within(informer.stop(), CANCEL_WAIT + SLACK)
    assert any("stubborn-informer" in line for line in _abandoned(errors_logged))


async def test_cache_sync_timeout_names_each_unsynced_informer_and_its_last_error(
    hostile: HostileServer,
) -> None:
    hostile.set_behaviour(FailingRequests(401, "Unauthorized"))
    manager = Manager(Config(server=hostile.url, token="wrong"), metrics_port=None,
                      cache_sync_timeout=1.0)
    manager.add(Controller(StubbornReconciler(Stubborn()), for_=For("v1", "configmaps")))
    with pytest.raises(CacheSyncTimeout) as caught:
        await manager.run()
    message = str(caught.value)
    assert f"v1/configmaps: 401 Unauthorized from {hostile.url}/api/v1/configmaps" in message
    assert list(caught.value.unsynced) == ["v1/configmaps"]


@pytest.mark.embedded_apiserver(token="the-right-token")
async def test_cache_sync_timeout_names_the_401_and_the_url_a_wrong_token_gets(
    apiserver: ApiServer,
) -> None:
    config = dataclasses.replace(apiserver.config, token="a-wrong-token")
    manager = Manager(config, metrics_port=None, cache_sync_timeout=2.0,
                      namespace=apiserver.namespace)
    manager.add(Controller(StubbornReconciler(Stubborn()), for_=For("v1", "configmaps")))
    with pytest.raises(CacheSyncTimeout) as caught:
        await manager.run()
    url = f"{config.server}/api/v1/namespaces/{apiserver.namespace}/configmaps"
    assert f"v1/configmaps@{apiserver.namespace}: 401 Unauthorized from {url}" in str(
        caught.value)
    assert "a-wrong-token" not in str(caught.value)


async def _child(server: str, sync_timeout: float, grace: float, mode: str
                 ) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), server, str(sync_timeout), str(grace), mode,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert child.stdout is not None
    async with asyncio.timeout(30):
        assert (await child.stdout.readline()).decode().strip() == "running"
    return child


async def _finish(child: asyncio.subprocess.Process, bound: float) -> tuple[int, str, str]:
    try:
        async with asyncio.timeout(bound):
            out, err = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("down", [False, True], ids=["wrong-token", "server-down"])
async def test_a_signal_during_cache_sync_stops_the_manager_at_once_and_exits_zero(
    hostile: HostileServer, sig: signal.Signals, down: bool
) -> None:
    hostile.set_behaviour(FailingRequests(401, "Unauthorized"))
    server = "http://127.0.0.1:9" if down else hostile.url
    sync_timeout = 120.0
    child = await _child(server, sync_timeout, 30.0, "plain")
    assert child.stderr is not None
    async with asyncio.timeout(30):  # run() has installed its handlers and waits for caches
        while b"waiting for the first sync" not in await child.stderr.readline():
            pass
    child.send_signal(sig)
    # Far below the sync timeout: before issue 14 the signal waited for it.
    code, out, err = await _finish(child, SLACK)
    assert code == 0, err[-2000:]
    assert out.split() == ["manager-exited", sig.name]
    assert "CacheSyncTimeout" not in err


async def test_a_second_signal_during_the_shutdown_ends_the_process_by_that_signal(
    hostile: HostileServer,
) -> None:
    child = await _child(hostile.url, 30.0, 600.0, "stubborn")
    assert child.stdout is not None
    async with asyncio.timeout(30):
        assert (await child.stdout.readline()).decode().strip() == "reconciling"
    child.send_signal(signal.SIGTERM)  # graceful: would wait the 600 s grace period
    await asyncio.sleep(0.5)
    child.send_signal(signal.SIGTERM)
    code, _out, err = await _finish(child, SLACK)
    assert code == -signal.SIGTERM, err[-2000:]  # killed by the signal: exit status 143
    assert "received again during shutdown" in err
