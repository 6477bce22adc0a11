"""Shared helpers for the client tests: a mocked API (aioresponses) and tiny real HTTP servers.

The ``test_server_*`` modules run the client against both API servers instead, through the
plugin's ``apiserver`` / ``apiserver_client`` fixtures (and ``crds`` for custom resources).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import aioresponses.core as aioresponses_core
import pytest
from aiohttp import ClientResponse, web
from aioresponses import aioresponses
from yarl import URL

from kubeflow_informer.client import ApiClient, RetryPolicy
from kubeflow_informer.config import Config
from tests.custom_resources import crds  # noqa: F401 - a fixture of the tests on both servers

SERVER = "https://k8s.test:6443"
ANY_URL = re.compile(r"^https://k8s\.test:6443/.*$")


class _CompatResponse(ClientResponse):
    """aioresponses 0.7.9 predates aiohttp 3.14's required ``stream_writer`` argument."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
        monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatResponse)
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def api() -> AsyncIterator[ApiClient]:
    config = Config(server=SERVER, token="test-token", qps=0)
    async with ApiClient(config, retry=RetryPolicy(base_delay=0.001, max_delay=0.01)) as client:
        yield client


def recorded(mocked: aioresponses) -> list[tuple[str, URL, dict[str, Any]]]:
    """Every request the mock saw, as (method, url, kwargs)."""
    calls = []
    for (method, url), requests in mocked.requests.items():
        for call in requests:
            calls.append((method, url, call.kwargs))
    return calls


def only_request(mocked: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    calls = recorded(mocked)
    assert len(calls) == 1, calls
    return calls[0]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Start an aiohttp app on 127.0.0.1 (free port) with the given routes; returns its URL."""
    runners: list[web.AppRunner] = []

    async def start(routes: list[tuple[str, str, Handler]], ssl_context: Any = None) -> str:
        app = web.Application()
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        scheme = "https" if ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
