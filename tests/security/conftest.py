"""Fixtures of the security suite: an embedded API server with bearer-token auth and TLS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer

#: Secrets used by the suite; tests search logs, reprs and errors for them.
TOKEN = "kfi-test-token-7f3a9c1e5b"
ROTATED_TOKEN = "kfi-rotated-token-2d8e4b6a0c"
WRONG_TOKEN = "kfi-wrong-token-9b1d3f5a7e"


@pytest.fixture
async def tls_server() -> AsyncIterator[EmbeddedApiServer]:
    """TLS with a generated CA, and bearer-token auth with :data:`TOKEN`."""
    async with EmbeddedApiServer(token=TOKEN, tls=True, seed=3) as server:
        yield server


@pytest.fixture
async def token_server() -> AsyncIterator[EmbeddedApiServer]:
    """Plain HTTP with bearer-token auth with :data:`TOKEN`."""
    async with EmbeddedApiServer(token=TOKEN, seed=3) as server:
        yield server
