"""Fixtures for the HTTP-level tests: a running server and a raw aiohttp session on it.

Raw HTTP (not our client) so that every test sees exactly what goes over the wire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer


@pytest_asyncio.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[EmbeddedApiServer]:
    marker = request.node.get_closest_marker("server_kwargs")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    async with EmbeddedApiServer(**kwargs) as running:
        yield running


@pytest_asyncio.fixture
async def http(server: EmbeddedApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=server.url) as session:
        yield session


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server_kwargs(**kwargs): EmbeddedApiServer arguments")
    config.addinivalue_line("markers", "embedded_apiserver(**kwargs): fixture server arguments")
