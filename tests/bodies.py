"""Minimal object bodies shared by the tests that run on both API servers."""

from __future__ import annotations

from typing import Any

__all__ = ["configmap", "deployment", "pod"]


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    """A minimal pod body (``labels: {}`` is not stored: the real server omits empty maps)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": "busybox"}], **spec},
    }


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    """A minimal deployment body selecting ``app=<name>``."""
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


def configmap(name: str, **data: str) -> dict[str, Any]:
    """A ConfigMap body with ``data``."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
