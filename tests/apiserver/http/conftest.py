"""Fixtures for the HTTP-level tests: raw aiohttp sessions, so that every test sees exactly what
goes over the wire.

* ``wire`` / ``ns`` - a session on the plugin's ``apiserver`` (each test runs on the embedded
  and on the real server) and the paths of the test's own namespace. Tests of client-visible
  API behaviour use these: what they assert is what kube-apiserver does.
* ``crds`` - creates CustomResourceDefinitions with a group unique to the test (CRDs are
  cluster-scoped and the real server is shared by the session), waits until the custom
  resources are served, and deletes them after the test.
* ``server`` / ``http`` - the embedded server alone (the plugin's ``embedded_apiserver``, with
  its ``embedded_apiserver(**kwargs)`` marker) and a session on it, for tests of what only the
  embedded server has: fault injection, storage access, pod logs, its own auth and TLS options.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.config import Config
from kubeflow_informer.testing import ApiServer, eventually
from tests.apiserver.http.bodies import crd

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

#: A real server whose lists and watches read etcd, so that a compaction shows (410 Expired):
#: with its watch cache on, the real server answers old resourceVersions from the cache.
uncached = pytest.mark.control_plane(apiserver_args=["--watch-cache=false"],
                                     etcd_compaction_interval="0")


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


@dataclass(frozen=True)
class CustomResources:
    """A served custom resource: its CRD name, ``apiVersion`` and namespaced collection path."""

    name: str
    api_version: str
    path: str

    def body(self, name: str, **fields: Any) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": "TFJob", "metadata": {"name": name},
                **fields}


_groups = itertools.count(1)

CrdFactory = Callable[..., Awaitable[CustomResources]]


@pytest_asyncio.fixture
async def crds(wire: aiohttp.ClientSession, ns: Paths) -> AsyncIterator[CrdFactory]:
    """``await crds(definition=None)``: the TFJob CRD (or ``definition``, whose group is replaced)
    in a group of the test's own, once its custom resources are served."""
    created: list[str] = []

    async def create(definition: dict[str, Any] | None = None) -> CustomResources:
        body = definition or crd()
        group = f"{ns.namespace}-{next(_groups)}.kubeflow.org"
        plural = body["spec"]["names"]["plural"]
        body["spec"]["group"] = group
        body["metadata"]["name"] = f"{plural}.{group}"
        async with wire.post(CRDS, json=body) as response:
            assert response.status == 201, await response.text()
        created.append(body["metadata"]["name"])
        version = body["spec"]["versions"][0]["name"]
        path = f"/apis/{group}/{version}/namespaces/{ns.namespace}/{plural}"
        if body["spec"]["scope"] == "Cluster":
            path = f"/apis/{group}/{version}/{plural}"

        async def served() -> bool:
            async with wire.get(path) as response:
                return response.status == 200

        await eventually(served, what=f"{plural}.{group} served")
        return CustomResources(body["metadata"]["name"], f"{group}/{version}", path)

    yield create
    for name in created:
        async with wire.delete(f"{CRDS}/{name}"):
            pass


@pytest_asyncio.fixture
async def server(embedded_apiserver: EmbeddedApiServer) -> EmbeddedApiServer:
    return embedded_apiserver


@pytest_asyncio.fixture
async def http(server: EmbeddedApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=server.url) as session:
        yield session
