"""pytest fixtures for users' own controller tests: an embedded API server and a client.

Use them from a ``conftest.py`` with ``pytest_plugins = ["kubeflow_informer.testing"]``::

    async def test_my_controller(embedded_apiserver, api_client):
        pods = api_client.resource("v1", "pods")
        await pods.create({...}, namespace="default")

``embedded_apiserver`` is a fresh :class:`EmbeddedApiServer` per test (127.0.0.1, free port);
configure it with the ``embedded_apiserver`` marker, whose keyword arguments are passed to the
constructor: ``@pytest.mark.embedded_apiserver(token="t", tls=True, seed=7)``.
``api_client`` is an :class:`ApiClient` on ``embedded_apiserver.config``, closed after the test.
Both are function-scoped so that tests never see each other's objects or faults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient

__all__ = ["api_client", "embedded_apiserver", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``embedded_apiserver`` marker."""
    config.addinivalue_line(
        "markers",
        "embedded_apiserver(**kwargs): keyword arguments for the EmbeddedApiServer fixture "
        "(token, tls, seed, history_size, watch_buffer, bookmark_interval)",
    )


def _server_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("embedded_apiserver")
    return dict(marker.kwargs) if marker is not None else {}


@pytest_asyncio.fixture
async def embedded_apiserver(request: pytest.FixtureRequest) -> AsyncIterator[EmbeddedApiServer]:
    """A running embedded API server, stopped after the test."""
    async with EmbeddedApiServer(**_server_kwargs(request)) as server:
        yield server


@pytest_asyncio.fixture
async def api_client(embedded_apiserver: EmbeddedApiServer) -> AsyncIterator[ApiClient]:
    """An :class:`ApiClient` connected to ``embedded_apiserver``."""
    async with ApiClient(embedded_apiserver.config) as client:
        yield client
