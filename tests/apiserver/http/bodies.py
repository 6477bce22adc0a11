"""Request bodies and small helpers shared by the HTTP-level tests."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    """A minimal pod body."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": "busybox"}], **spec},
    }


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    """A minimal deployment body."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }


def crd(scope: str = "Namespaced") -> dict[str, Any]:
    """The kubeflow.org/v1 TFJob CRD, with a status subresource."""
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
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object",
                                                   "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


async def read_lines(response: aiohttp.ClientResponse) -> list[dict[str, Any]]:
    """Every event of a watch response that ends by itself."""
    return [orjson.loads(line) for line in (await response.read()).splitlines() if line]


PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
