"""CustomResourceDefinitions for tests that run on both servers.

CRDs are cluster-scoped and the real server is shared by the whole session, so the ``crds``
fixture gives each test's CRDs a group of the test's own, waits until their custom resources are
served (the real server establishes a CRD asynchronously), and deletes them after the test.
Conftests that need it re-export the fixture (``from tests.custom_resources import crds``).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from kubeflow_informer.client import ApiClient, Resource, RetryPolicy
from kubeflow_informer.errors import NotFound
from kubeflow_informer.testing import ApiServer, eventually

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def tfjob_crd(scope: str = "Namespaced", *, status: bool = True, scale: bool = False
              ) -> dict[str, Any]:
    """The kubeflow.org/v1 TFJob CRD (its schema keeps unknown fields), with a status
    subresource and, with ``scale``, a scale subresource on ``.spec.replicas``."""
    subresources: dict[str, Any] = {}
    if status:
        subresources["status"] = {}
    if scale:
        subresources["scale"] = {"specReplicasPath": ".spec.replicas",
                                 "statusReplicasPath": ".status.replicas"}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "tfjobs.kubeflow.org"},
        "spec": {
            "group": "kubeflow.org",
            "scope": scope,
            "names": {"plural": "tfjobs", "singular": "tfjob", "kind": "TFJob",
                      "shortNames": ["tfj"]},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": subresources,
                    "schema": {"openAPIV3Schema": {"type": "object",
                                                   "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


@dataclass(frozen=True)
class CustomResources:
    """A served custom resource: CRD name, ``apiVersion``, kind and the test's collection."""

    name: str
    api_version: str
    plural: str
    kind: str
    namespace: str | None

    @property
    def path(self) -> str:
        """The collection path: in the test's namespace, or cluster-wide for a Cluster scope."""
        where = f"namespaces/{self.namespace}/" if self.namespace else ""
        return f"/apis/{self.api_version}/{where}{self.plural}"

    def body(self, name: str, **fields: Any) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, "metadata": {"name": name},
                **fields}

    def resource(self, api: ApiClient) -> Resource:
        return api.resource(self.api_version, self.plural, namespaced=self.namespace is not None)


CrdFactory = Callable[..., Awaitable[CustomResources]]

_groups = itertools.count(1)


@pytest_asyncio.fixture
async def crds(apiserver: ApiServer, apiserver_client: ApiClient
               ) -> AsyncIterator[CrdFactory]:
    """``await crds(definition=None)``: the TFJob CRD (or ``definition``, whose group and name
    are replaced) in a group of the test's own, once its custom resources are served."""
    definitions = apiserver_client.resource("apiextensions.k8s.io/v1",
                                            "customresourcedefinitions", namespaced=False)
    created: list[str] = []

    async def create(definition: dict[str, Any] | None = None) -> CustomResources:
        body = definition or tfjob_crd()
        group = f"{apiserver.namespace}-{next(_groups)}.kubeflow.org"
        names = body["spec"]["names"]
        body["spec"]["group"] = group
        body["metadata"]["name"] = f"{names['plural']}.{group}"
        await definitions.create(body)
        created.append(body["metadata"]["name"])
        namespaced = body["spec"]["scope"] == "Namespaced"
        served = CustomResources(
            body["metadata"]["name"], f"{group}/{body['spec']['versions'][0]['name']}",
            names["plural"], names["kind"], apiserver.namespace if namespaced else None)
        # While it establishes the CRD the real server answers 404, then 429 with Retry-After: 1
        # (which the test's own client would honour): poll with short retries. The first write
        # of a new kind then takes the real server about 2 s; a dry-run create absorbs it here.
        async with ApiClient(apiserver.config, retry=RetryPolicy(max_retries=100,
                                                                 max_retry_after=0.02)) as api:
            resource = served.resource(api)
            await eventually(lambda: resource.list(namespace=served.namespace),
                             what=f"{served.name} served", ignore=(NotFound,))
            await resource.create(served.body("probe"), namespace=served.namespace, dry_run=True)
        return served

    yield create
    for name in created:
        try:
            await definitions.delete(name)
        except NotFound:
            pass
