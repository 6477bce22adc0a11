"""Logs a user can follow: what each informer waits for, and failures without floods."""

from __future__ import annotations

import logging
import time

import pytest

import kubeflow_informer.controller.controller as controller_module
from kubeflow_informer import (
    ApiClient,
    Controller,
    EmbeddedApiServer,
    For,
    Manager,
    Reconciler,
    Request,
    eventually,
)
from kubeflow_informer.workqueue import ItemExponentialFailureRateLimiter

pytestmark = pytest.mark.timeout(30)


class Failing(Reconciler):
    def __init__(self) -> None:
        self.calls = 0
        self.fail = True

    async def reconcile(self, request: Request) -> None:
        self.calls += 1
        if self.fail:
            raise ValueError(f"broken spec #{self.calls}")


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info and "error reconciling" in r.getMessage()]


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "again (retry" in r.getMessage()]


async def test_each_informer_says_what_it_waits_for_and_from_where(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager = Manager(api_client=api_client, metrics_port=None)
    manager.add(Controller(Failing(), for_=For("v1", "configmaps", label_selector="app=web",
                                              namespace="default")))
    with caplog.at_level(logging.INFO, logger="kubeflow_informer"):
        async with manager:
            pass
    waiting = [r.getMessage() for r in caplog.records if "waiting for the first sync" in
               r.getMessage()]
    server = embedded_apiserver.config.server
    assert waiting == [
        "v1/configmaps@default: waiting for the first sync: listing and watching "
        f"{server}/api/v1/namespaces/default/configmaps (labelSelector=app=web)"
    ]
    assert any(r.getMessage().startswith("v1/configmaps@default: synced, 0 objects in ")
               for r in caplog.records)


async def test_a_reconciler_that_keeps_failing_logs_one_traceback_then_rate_limited_lines(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reconciler = Failing()
    manager = Manager(api_client=api_client, metrics_port=None)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps"),
                           rate_limiter=ItemExponentialFailureRateLimiter(0.001, 0.004)))
    await api_client.resource("v1", "configmaps").create({"metadata": {"name": "bad"}},
                                                         namespace="default")
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        async with manager:
            await eventually(lambda: reconciler.calls >= 40, timeout=20)
        elapsed = time.monotonic() - started
    assert len(tracebacks(caplog)) == 1
    lines = retry_lines(caplog)
    assert 1 <= len(lines) <= controller_module.RETRY_LOG_BURST + elapsed + 1
    assert "controller configmap: error reconciling default/bad again (retry" in lines[0]
    assert "ValueError: broken spec #2" in lines[0]
    assert len(lines) < reconciler.calls - 1  # most retries were left out of the log


async def test_a_request_that_succeeded_gets_a_traceback_again_when_it_fails_anew(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reconciler = Failing()
    manager = Manager(api_client=api_client, metrics_port=None)
    controller = Controller(reconciler, for_=For("v1", "configmaps"),
                            rate_limiter=ItemExponentialFailureRateLimiter(0.001, 0.004))
    manager.add(controller)
    configmaps = api_client.resource("v1", "configmaps")
    await configmaps.create({"metadata": {"name": "flaky"}}, namespace="default")
    with caplog.at_level(logging.WARNING):
        async with manager:
            await eventually(lambda: reconciler.calls >= 3)
            reconciler.fail = False
            calls = reconciler.calls
            await eventually(lambda: reconciler.calls > calls and not controller.queue.num_requeues(
                Request("default", "flaky")))
            reconciler.fail = True
            controller.enqueue(Request("default", "flaky"))
            await eventually(lambda: len(tracebacks(caplog)) == 2)
