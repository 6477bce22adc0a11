"""Fixtures for the HTTP-level tests: raw aiohttp sessions, so that every test sees exactly what
goes over the wire.

* ``wire`` / ``ns`` - a session on the plugin's ``apiserver`` (each test runs on the embedded
  and on the real server) and the paths of the test's own namespace. Tests of client-visible
  API behaviour use these: what they assert is what kube-apiserver does.
* ``crds`` - CustomResourceDefinitions in a group of the test's own, served on the test's
  server (``tests.custom_resources``).
* ``server`` / ``http`` - the embedded server alone (the plugin's ``embedded_apiserver``, with
  its ``embedded_apiserver(**kwargs)`` marker) and a session on it, for tests of what only the
  embedded server has: fault injection, storage access, pod logs, its own auth and TLS options.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.config import Config
from kubeflow_informer.testing import ApiServer
from tests.custom_resources import crds

__all__ = ["Paths", "crds", "ns", "wire"]


@dataclass(frozen=True)
class Paths:
    """Collection paths in the test's namespace."""

    namespace: str

    def collection(self, resource: str, group_version: str = "v1") -> str:
        prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        return f"{prefix}/namespaces/{self.namespace}/{resource}"

    @property
    def pods(self) -> str:
        return self.collection("pods")

    @property
    def configmaps(self) -> str:
        return self.collection("configmaps")

    @property
    def deployments(self) -> str:
        return self.collection("deployments", "apps/v1")


async def _session(config: Config) -> aiohttp.ClientSession:
    authorization = await config.authorization()
    headers = {"Authorization": authorization} if authorization else {}
    return aiohttp.ClientSession(
        base_url=config.server, headers=headers,
        connector=aiohttp.TCPConnector(ssl=config.ssl_context()))


@pytest_asyncio.fixture
async def wire(apiserver: ApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw session on the test's server (embedded or real), authenticated as its admin."""
    async with await _session(apiserver.config) as session:
        yield session


@pytest.fixture
def ns(apiserver: ApiServer) -> Paths:
    return Paths(apiserver.namespace)


@pytest_asyncio.fixture
async def server(embedded_apiserver: EmbeddedApiServer) -> EmbeddedApiServer:
    return embedded_apiserver


@pytest_asyncio.fixture
async def http(server: EmbeddedApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=server.url) as session:
        yield session
