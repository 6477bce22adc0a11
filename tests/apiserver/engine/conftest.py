"""Fixtures for the engine tests: a fresh registry and storage with a pinned clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo
from kubeflow_informer.apiserver.storage import Storage

FIXED_NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture
def registry() -> Registry:
    return default_registry()


@pytest.fixture
def storage(registry: Registry) -> Storage:
    return Storage(registry, seed=7, clock=lambda: FIXED_NOW)


def info(registry: Registry, group: str, plural: str, version: str = "v1") -> ResourceInfo:
    found = registry.get(group, version, plural)
    assert found is not None
    return found


@pytest.fixture
def pods(registry: Registry) -> ResourceInfo:
    return info(registry, "", "pods")


@pytest.fixture
def configmaps(registry: Registry) -> ResourceInfo:
    return info(registry, "", "configmaps")


@pytest.fixture
def namespaces(registry: Registry) -> ResourceInfo:
    return info(registry, "", "namespaces")


@pytest.fixture
def deployments(registry: Registry) -> ResourceInfo:
    return info(registry, "apps", "deployments")


@pytest.fixture
def replicasets(registry: Registry) -> ResourceInfo:
    return info(registry, "apps", "replicasets")


def pod(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


def configmap(name: str, namespace: str = "default", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(data),
    }


def owner_ref(owner: dict[str, Any], *, block: bool = False) -> dict[str, Any]:
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block:
        ref["blockOwnerDeletion"] = True
    return ref


def modified(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a stored object with top-level changes (for updates)."""
    import copy

    new = copy.deepcopy(obj)
    new.update(changes)
    return new
