"""Fixtures: an embedded API server on a free 127.0.0.1 port and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedApiServer]:
    async with EmbeddedApiServer() as srv:
        yield srv


@pytest.fixture
async def api(server: EmbeddedApiServer) -> AsyncIterator[ApiClient]:
    async with ApiClient(server.config) as client:
        yield client
