"""Owner-reference garbage collection and namespace deletion."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import NotFound

from .conftest import configmap, modified, owner_ref, pod


def _rs(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}},
    }


def _owned_pod(name: str, *owners: dict[str, Any], block: bool = False) -> dict[str, Any]:
    body = pod(name)
    body["metadata"]["ownerReferences"] = [owner_ref(o, block=block) for o in owners]
    return body


def _exists(storage: Storage, info: ResourceInfo, name: str) -> bool:
    try:
        storage.get(info, "default", name)
    except NotFound:
        return False
    return True


def test_background_deletion_removes_dependents(
    storage: Storage, pods: ResourceInfo, replicasets: ResourceInfo
) -> None:
    owner = storage.create(replicasets, _rs("rs"), namespace="default").obj
    storage.create(pods, _owned_pod("p1", owner), namespace="default")
    storage.create(pods, _owned_pod("p2", owner), namespace="default")
    storage.delete(replicasets, "default", "rs")
    assert not _exists(storage, pods, "p1")
    assert not _exists(storage, pods, "p2")


def test_background_deletion_cascades_through_chains(
    storage: Storage,
    pods: ResourceInfo,
    replicasets: ResourceInfo,
    deployments: ResourceInfo,
) -> None:
    deploy = storage.create(
        deployments,
        {"metadata": {"name": "d", "namespace": "default"}, "spec": {}},
        namespace="default",
    ).obj
    rs_body = _rs("rs")
    rs_body["metadata"]["ownerReferences"] = [owner_ref(deploy)]
    rs = storage.create(replicasets, rs_body, namespace="default").obj
    storage.create(pods, _owned_pod("p", rs), namespace="default")
    storage.delete(deployments, "default", "d")
    assert not _exists(storage, replicasets, "rs")
    assert not _exists(storage, pods, "p")


def test_dependent_with_a_live_owner_survives_and_loses_the_dangling_reference(
    storage: Storage, pods: ResourceInfo, configmaps: ResourceInfo, replicasets: ResourceInfo
) -> None:
    first = storage.create(replicasets, _rs("one"), namespace="default").obj
    second = storage.create(configmaps, configmap("two"), namespace="default").obj
    storage.create(pods, _owned_pod("p", first, second), namespace="default")
    storage.delete(replicasets, "default", "one")
    refs = storage.get(pods, "default", "p").obj["metadata"]["ownerReferences"]
    assert [r["name"] for r in refs] == ["two"]


def test_orphan_deletion_removes_owner_references(
    storage: Storage, pods: ResourceInfo, replicasets: ResourceInfo
) -> None:
    owner = storage.create(replicasets, _rs("rs"), namespace="default").obj
    storage.create(pods, _owned_pod("p", owner), namespace="default")
    storage.delete(replicasets, "default", "rs", propagation_policy="Orphan")
    assert not _exists(storage, replicasets, "rs")
    assert "ownerReferences" not in storage.get(pods, "default", "p").obj["metadata"]


def test_foreground_deletion_keeps_owner_until_blocking_dependents_are_gone(
    storage: Storage, pods: ResourceInfo, replicasets: ResourceInfo
) -> None:
    owner = storage.create(replicasets, _rs("rs"), namespace="default").obj
    body = _owned_pod("p", owner, block=True)
    body["metadata"]["finalizers"] = ["example.com/hold"]
    storage.create(pods, body, namespace="default")
    result = storage.delete(replicasets, "default", "rs", propagation_policy="Foreground")
    assert result.obj["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert result.obj["metadata"]["deletionTimestamp"]
    held = storage.get(pods, "default", "p")
    assert held.obj["metadata"]["deletionTimestamp"]
    release = modified(held.obj)
    release["metadata"]["finalizers"] = []
    storage.update(pods, release, namespace="default", name="p")
    assert not _exists(storage, replicasets, "rs")


def test_foreground_deletion_without_dependents_deletes_at_once(
    storage: Storage, replicasets: ResourceInfo
) -> None:
    storage.create(replicasets, _rs("rs"), namespace="default")
    storage.delete(replicasets, "default", "rs", propagation_policy="Foreground")
    assert not _exists(storage, replicasets, "rs")


def test_foreground_deletion_removes_dependents_first(
    storage: Storage, pods: ResourceInfo, replicasets: ResourceInfo
) -> None:
    owner = storage.create(replicasets, _rs("rs"), namespace="default").obj
    storage.create(pods, _owned_pod("p", owner, block=True), namespace="default")
    storage.delete(replicasets, "default", "rs", propagation_policy="Foreground")
    assert not _exists(storage, pods, "p")
    assert not _exists(storage, replicasets, "rs")


def test_deleting_a_namespace_deletes_its_content(
    storage: Storage, pods: ResourceInfo, namespaces: ResourceInfo, configmaps: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "team"}}, namespace=None)
    storage.create(pods, pod("p", namespace="team"), namespace="team")
    storage.create(configmaps, configmap("c", namespace="team"), namespace="team")
    storage.create(pods, pod("keep"), namespace="default")
    storage.delete(namespaces, None, "team")
    with pytest.raises(NotFound):
        storage.get(namespaces, None, "team")
    assert [s.key for s in storage.list(pods).items] == ["default/keep"]
    assert storage.list(configmaps).items == []


def test_namespace_stays_terminating_while_content_is_held(
    storage: Storage, namespaces: ResourceInfo, configmaps: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "team"}}, namespace=None)
    held = configmap("c", namespace="team")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    storage.create(configmaps, held, namespace="team")
    result = storage.delete(namespaces, None, "team")
    assert result.obj["status"]["phase"] == "Terminating"
    assert result.obj["metadata"]["deletionTimestamp"]
    release = modified(storage.get(configmaps, "team", "c").obj)
    release["metadata"]["finalizers"] = []
    storage.update(configmaps, release, namespace="team", name="c")
    with pytest.raises(NotFound):
        storage.get(namespaces, None, "team")


def test_deleting_a_namespace_with_thousands_of_objects_empties_it(
    storage: Storage, configmaps: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "big"}}, namespace=None)
    storage.bulk_load(configmaps, (configmap(f"c{i}", namespace="big") for i in range(3000)))
    storage.delete(namespaces, None, "big")
    assert storage.list(configmaps, namespace="big").items == []
    with pytest.raises(NotFound):
        storage.get(namespaces, None, "big")
