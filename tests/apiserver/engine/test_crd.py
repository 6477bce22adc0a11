"""CustomResourceDefinitions serve (and stop serving) their resources."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.registry import Registry, ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import Invalid, NotFound
from tests.custom_resources import tfjob_crd

from .conftest import info


def tfjob(name: str = "train") -> dict[str, Any]:
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "TFJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": 2},
    }


@pytest.fixture
def crds(registry: Registry) -> ResourceInfo:
    return info(registry, "apiextensions.k8s.io", "customresourcedefinitions")


def test_creating_a_crd_serves_its_resource(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd(), namespace=None)
    served = registry.get("kubeflow.org", "v1", "tfjobs")
    assert served is not None
    assert served.kind == "TFJob"
    assert served.namespaced
    assert served.subresources == frozenset({"status"})
    assert served.short_names == ("tfj",)
    assert ("kubeflow.org", ["v1"]) in registry.group_versions()


def test_crd_scale_subresource_is_registered_with_its_paths(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd(scale=True), namespace=None)
    served = info(registry, "kubeflow.org", "tfjobs")
    assert "scale" in served.subresources
    assert served.scale_paths is not None
    assert served.scale_paths.spec_replicas == ".spec.replicas"


def test_cluster_scoped_crd_serves_cluster_scoped_resource(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd("Cluster", status=False), namespace=None)
    served = info(registry, "kubeflow.org", "tfjobs")
    assert not served.namespaced
    assert not served.has_status


def test_crd_is_established_on_create(storage: Storage, crds: ResourceInfo) -> None:
    crd = storage.create(crds, tfjob_crd(), namespace=None).obj
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    assert crd["status"]["acceptedNames"]["kind"] == "TFJob"
    assert crd["status"]["storedVersions"] == ["v1"]


def test_custom_objects_can_be_created_and_listed(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd(), namespace=None)
    tfjobs = info(registry, "kubeflow.org", "tfjobs")
    storage.create(tfjobs, tfjob(), namespace="default")
    assert [s.name for s in storage.list(tfjobs).items] == ["train"]


def test_custom_object_status_is_separate_when_declared(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd(), namespace=None)
    tfjobs = info(registry, "kubeflow.org", "tfjobs")
    first = storage.create(tfjobs, tfjob(), namespace="default").obj
    body = {**first, "status": {"phase": "Done"}, "spec": {"replicas": 9}}
    updated = storage.update(tfjobs, body, namespace="default", name="train", subresource="status")
    assert updated.obj["status"] == {"phase": "Done"}
    assert updated.obj["spec"] == {"replicas": 2}


def test_deleting_the_crd_stops_serving_and_deletes_objects(
    storage: Storage, registry: Registry, crds: ResourceInfo
) -> None:
    storage.create(crds, tfjob_crd(), namespace=None)
    tfjobs = info(registry, "kubeflow.org", "tfjobs")
    storage.create(tfjobs, tfjob(), namespace="default")
    storage.delete(crds, None, "tfjobs.kubeflow.org")
    assert registry.get("kubeflow.org", "v1", "tfjobs") is None
    assert all(group != "kubeflow.org" for group, _ in registry.group_versions())
    storage.create(crds, tfjob_crd(), namespace=None)
    assert storage.list(info(registry, "kubeflow.org", "tfjobs")).items == []


def test_crd_name_must_be_plural_dot_group(storage: Storage, crds: ResourceInfo) -> None:
    body = tfjob_crd()
    body["metadata"]["name"] = "wrong.kubeflow.org"
    with pytest.raises(Invalid) as caught:
        storage.create(crds, body, namespace=None)
    assert caught.value.status_object["details"]["causes"][0]["field"] == "metadata.name"


def test_get_of_deleted_crd_is_not_found(storage: Storage, crds: ResourceInfo) -> None:
    storage.create(crds, tfjob_crd(), namespace=None)
    storage.delete(crds, None, "tfjobs.kubeflow.org")
    with pytest.raises(NotFound):
        storage.get(crds, None, "tfjobs.kubeflow.org")
