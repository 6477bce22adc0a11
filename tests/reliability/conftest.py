"""Fixtures of the reliability suite: an embedded API server and a client with short retries.

The fault-injection harness lives in ``harness.py`` (imported as ``tests.reliability.harness``),
the fault plans in ``plans.py``, the soak driver in ``soak.py`` (``python -m tests.reliability``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.client.retry import RetryPolicy


@pytest.fixture
def embedded_apiserver_options() -> dict[str, Any]:
    """The suite's embedded server (the plugin's ``embedded_apiserver``): seeded faults, quick
    bookmarks."""
    return {"seed": 11, "bookmark_interval": 0.2}


@pytest.fixture
def server(embedded_apiserver: EmbeddedApiServer) -> EmbeddedApiServer:
    return embedded_apiserver


@pytest.fixture
async def api(server: EmbeddedApiServer) -> AsyncIterator[ApiClient]:
    retry = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, max_retry_after=0.05)
    async with ApiClient(server.config, qps=0, retry=retry) as client:
        yield client


@pytest.fixture(autouse=True)
def quiet_injected_failures() -> Iterator[None]:
    """Injected faults make the framework log thousands of expected warnings and tracebacks;
    keep them out of the captured output (they are still counted by the audits)."""
    names = ("kubeflow_informer.cache", "kubeflow_informer.controller", "kubeflow_informer.client")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
