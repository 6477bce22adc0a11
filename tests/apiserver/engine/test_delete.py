"""Delete semantics: immediate deletion, finalizers, preconditions."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import BadRequest, Conflict, Invalid, NotFound

from .conftest import configmap, modified


def _held(name: str = "a") -> dict[str, object]:
    body = configmap(name)
    body["metadata"]["finalizers"] = ["example.com/hold"]  # type: ignore[index]
    return body


def test_delete_removes_the_object_with_a_new_resource_version(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    first = storage.create(configmaps, configmap("a"), namespace="default")
    deleted = storage.delete(configmaps, "default", "a")
    assert deleted.rv == storage.resource_version > first.rv
    assert deleted.obj["metadata"]["resourceVersion"] == str(deleted.rv)
    with pytest.raises(NotFound):
        storage.get(configmaps, "default", "a")


def test_delete_of_missing_object_is_not_found(storage: Storage, configmaps: ResourceInfo) -> None:
    with pytest.raises(NotFound) as caught:
        storage.delete(configmaps, "default", "a")
    assert caught.value.message == 'configmaps "a" not found'


def test_delete_with_finalizers_sets_deletion_timestamp(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, _held(), namespace="default")
    result = storage.delete(configmaps, "default", "a")
    meta = result.obj["metadata"]
    assert meta["deletionTimestamp"] == "2024-05-06T07:08:09Z"
    assert meta["deletionGracePeriodSeconds"] == 0
    assert meta["generation"] == 2
    assert storage.get(configmaps, "default", "a") is result


def test_second_delete_of_a_deleting_object_changes_nothing(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, _held(), namespace="default")
    first = storage.delete(configmaps, "default", "a")
    assert storage.delete(configmaps, "default", "a") is first


def test_removing_last_finalizer_of_deleting_object_deletes_it(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, _held(), namespace="default")
    deleting = storage.delete(configmaps, "default", "a")
    body = modified(deleting.obj)
    body["metadata"]["finalizers"] = []
    storage.update(configmaps, body, namespace="default", name="a")
    with pytest.raises(NotFound):
        storage.get(configmaps, "default", "a")


def test_removing_one_of_two_finalizers_keeps_the_object(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    body = _held()
    body["metadata"]["finalizers"].append("example.com/other")  # type: ignore[index]
    storage.create(configmaps, body, namespace="default")
    deleting = storage.delete(configmaps, "default", "a")
    update = modified(deleting.obj)
    update["metadata"]["finalizers"] = ["example.com/other"]
    kept = storage.update(configmaps, update, namespace="default", name="a")
    assert kept.obj["metadata"]["deletionTimestamp"]


def test_new_finalizer_on_deleting_object_is_invalid(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, _held(), namespace="default")
    deleting = storage.delete(configmaps, "default", "a")
    body = modified(deleting.obj)
    body["metadata"]["finalizers"] = ["example.com/hold", "example.com/new"]
    with pytest.raises(Invalid) as caught:
        storage.update(configmaps, body, namespace="default", name="a")
    assert caught.value.status_object["details"]["causes"][0]["field"] == "metadata.finalizers"


def test_deletion_timestamp_cannot_be_set_by_update(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    first = storage.create(configmaps, configmap("a"), namespace="default")
    body = modified(first.obj, data={"k": "v"})
    body["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    updated = storage.update(configmaps, body, namespace="default", name="a")
    assert "deletionTimestamp" not in updated.obj["metadata"]


def test_uid_precondition_mismatch_is_conflict(storage: Storage, configmaps: ResourceInfo) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    with pytest.raises(Conflict) as caught:
        storage.delete(configmaps, "default", "a", preconditions={"uid": "other"})
    assert "the UID in the precondition (other) does not match" in caught.value.message


def test_resource_version_precondition_mismatch_is_conflict(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    with pytest.raises(Conflict):
        storage.delete(configmaps, "default", "a", preconditions={"resourceVersion": "1"})


def test_unknown_propagation_policy_is_bad_request(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    with pytest.raises(BadRequest):
        storage.delete(configmaps, "default", "a", propagation_policy="Sometimes")


def test_dry_run_delete_keeps_the_object(storage: Storage, configmaps: ResourceInfo) -> None:
    first = storage.create(configmaps, configmap("a"), namespace="default")
    storage.delete(configmaps, "default", "a", dry_run=True)
    assert storage.get(configmaps, "default", "a") is first


def test_delete_collection_deletes_selected_objects(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    from kubeflow_informer.selectors import LabelSelector

    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        body = configmap(name)
        body["metadata"]["labels"] = {"tier": tier}  # type: ignore[index]
        storage.create(configmaps, body, namespace="default")
    deleted = storage.delete_collection(
        configmaps, namespace="default", label_selector=LabelSelector.parse("tier=web")
    )
    assert [d.name for d in deleted] == ["a", "c"]
    assert [s.name for s in storage.list(configmaps, namespace="default").items] == ["b"]
