"""The pod-detector tests use the library's own pytest plugin (``embedded_apiserver``,
``api_client``, ``apiserver``), registered by the package's ``pytest11`` entry point, exactly
as a user's project gets it from ``pip install 'kubeflow-informer[testing]'``.

``namespaces`` adds namespaces beyond the test's own: on the real server, shared by the session,
namespaces are named after the test's and deleted after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer

NamespaceFactory = Callable[[str], Awaitable[str]]


@pytest_asyncio.fixture
async def namespaces(apiserver: ApiServer, apiserver_client: ApiClient
                     ) -> AsyncIterator[NamespaceFactory]:
    """``await namespaces("payments")``: a new namespace ``<the test's>-payments``; its name."""
    resource = apiserver_client.resource("v1", "namespaces", namespaced=False)
    created: list[str] = []

    async def create(suffix: str) -> str:
        name = f"{apiserver.namespace}-{suffix}"
        await resource.create({"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": name}})
        created.append(name)
        return name

    yield create
    for name in created:
        await resource.delete(name, propagation_policy="Background")
