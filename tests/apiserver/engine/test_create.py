"""Create semantics of the storage."""

from __future__ import annotations

import re

import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import AlreadyExists, BadRequest, Forbidden, Invalid, NotFound

from .conftest import configmap, pod


def test_create_sets_uid_timestamp_generation_and_resource_version(
    storage: Storage, pods: ResourceInfo
) -> None:
    before = storage.resource_version
    meta = storage.create(pods, pod("a"), namespace="default").obj["metadata"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", meta["uid"]
    )
    assert meta["creationTimestamp"] == "2024-05-06T07:08:09Z"
    assert meta["generation"] == 1
    assert meta["resourceVersion"] == str(before + 1)


def test_resource_version_is_one_global_counter(
    storage: Storage, pods: ResourceInfo, configmaps: ResourceInfo
) -> None:
    a = storage.create(pods, pod("a"), namespace="default")
    b = storage.create(configmaps, configmap("b"), namespace="default")
    assert b.rv == a.rv + 1 == storage.resource_version


def test_stored_raw_is_the_serialized_object(storage: Storage, pods: ResourceInfo) -> None:
    import orjson

    stored = storage.create(pods, pod("a"), namespace="default")
    assert orjson.loads(stored.raw) == stored.obj
    assert stored.raw.startswith(b'{"kind":"Pod","apiVersion":"v1"')


def test_generate_name_appends_five_consonants_or_digits(
    storage: Storage, pods: ResourceInfo
) -> None:
    body = pod("")
    body["metadata"] = {"generateName": "web-"}
    name = storage.create(pods, body, namespace="default").name
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", name)


def test_generate_name_is_reproducible_under_the_seed(registry: object, pods: ResourceInfo) -> None:
    from kubeflow_informer.apiserver.builtins import default_registry

    names = []
    for _ in range(2):
        storage = Storage(default_registry(), seed=3)
        body = {"metadata": {"generateName": "x-"}}
        names.append(storage.create(pods, body, namespace="default").name)
    assert names[0] == names[1]


def test_kind_and_api_version_are_filled_in_when_missing(
    storage: Storage, pods: ResourceInfo
) -> None:
    obj = storage.create(pods, {"metadata": {"name": "a"}}, namespace="default").obj
    assert (obj["kind"], obj["apiVersion"]) == ("Pod", "v1")


def test_kind_mismatch_is_bad_request(storage: Storage, pods: ResourceInfo) -> None:
    with pytest.raises(BadRequest):
        storage.create(pods, configmap("a"), namespace="default")


def test_api_version_mismatch_is_bad_request(storage: Storage, pods: ResourceInfo) -> None:
    body = pod("a")
    body["apiVersion"] = "apps/v1"
    with pytest.raises(BadRequest) as caught:
        storage.create(pods, body, namespace="default")
    assert "does not match the expected API version (v1)" in caught.value.message


def test_namespace_mismatch_is_bad_request(storage: Storage, pods: ResourceInfo) -> None:
    with pytest.raises(BadRequest):
        storage.create(pods, pod("a", namespace="other"), namespace="default")


def test_missing_namespace_is_not_found_on_namespaces(storage: Storage, pods: ResourceInfo) -> None:
    with pytest.raises(NotFound) as caught:
        storage.create(pods, pod("a", namespace="nope"), namespace="nope")
    assert caught.value.message == 'namespaces "nope" not found'
    assert caught.value.status_object["details"] == {"name": "nope", "kind": "namespaces"}


def test_terminating_namespace_refuses_new_objects(
    storage: Storage, pods: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "busy"}}, namespace=None)
    held = configmap("held", namespace="busy")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    storage.create(storage.registry.get("", "v1", "configmaps"), held, namespace="busy")  # type: ignore[arg-type]
    storage.delete(namespaces, None, "busy")
    with pytest.raises(Forbidden) as caught:
        storage.create(pods, pod("a", namespace="busy"), namespace="busy")
    assert "because it is being terminated" in caught.value.message
    assert caught.value.status == 403


def test_namespace_is_created_active(storage: Storage, namespaces: ResourceInfo) -> None:
    obj = storage.create(namespaces, {"metadata": {"name": "team"}}, namespace=None).obj
    assert obj["status"] == {"phase": "Active"}
    assert obj["spec"]["finalizers"] == ["kubernetes"]


def test_default_namespaces_exist(storage: Storage, namespaces: ResourceInfo) -> None:
    names = [s.name for s in storage.list(namespaces).items]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_pod_phase_defaults_to_pending(storage: Storage, pods: ResourceInfo) -> None:
    assert storage.create(pods, pod("a"), namespace="default").obj["status"] == {"phase": "Pending"}


def test_pod_phase_given_on_create_is_kept(storage: Storage, pods: ResourceInfo) -> None:
    body = pod("a")
    body["status"] = {"phase": "Running"}
    assert storage.create(pods, body, namespace="default").obj["status"]["phase"] == "Running"


def test_duplicate_name_is_already_exists(storage: Storage, pods: ResourceInfo) -> None:
    storage.create(pods, pod("a"), namespace="default")
    with pytest.raises(AlreadyExists) as caught:
        storage.create(pods, pod("a"), namespace="default")
    assert caught.value.message == 'pods "a" already exists'
    assert caught.value.status == 409


def test_invalid_name_is_invalid_with_a_cause(storage: Storage, pods: ResourceInfo) -> None:
    with pytest.raises(Invalid) as caught:
        storage.create(pods, pod("Bad_Name"), namespace="default")
    err = caught.value
    assert err.status == 422
    assert err.message.startswith('Pod "Bad_Name" is invalid: metadata.name: Invalid value:')
    cause = err.status_object["details"]["causes"][0]
    assert cause["reason"] == "FieldValueInvalid"
    assert cause["field"] == "metadata.name"
    assert err.status_object["details"]["kind"] == "Pod"


def test_missing_name_is_invalid_required(storage: Storage, pods: ResourceInfo) -> None:
    with pytest.raises(Invalid) as caught:
        storage.create(pods, {"metadata": {}}, namespace="default")
    assert caught.value.status_object["details"]["causes"][0]["reason"] == "FieldValueRequired"


def test_namespace_names_must_be_labels(storage: Storage, namespaces: ResourceInfo) -> None:
    with pytest.raises(Invalid):
        storage.create(namespaces, {"metadata": {"name": "a.b"}}, namespace=None)


def test_dotted_names_are_fine_for_subdomain_resources(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    assert storage.create(configmaps, configmap("a.b"), namespace="default").name == "a.b"


def test_resource_version_on_create_is_rejected(storage: Storage, pods: ResourceInfo) -> None:
    body = pod("a")
    body["metadata"]["resourceVersion"] = "5"
    with pytest.raises(BadRequest):
        storage.create(pods, body, namespace="default")


def test_caller_dict_is_copied(storage: Storage, pods: ResourceInfo) -> None:
    body = pod("a")
    stored = storage.create(pods, body, namespace="default")
    body["spec"]["containers"][0]["image"] = "changed"
    assert "uid" not in body["metadata"]
    assert stored.obj["spec"]["containers"][0]["image"] == "busybox"


def test_dry_run_create_stores_nothing(storage: Storage, pods: ResourceInfo) -> None:
    before = storage.resource_version
    result = storage.create(pods, pod("a"), namespace="default", dry_run=True)
    assert result.obj["metadata"]["name"] == "a"
    assert storage.resource_version == before
    with pytest.raises(NotFound):
        storage.get(pods, "default", "a")


def test_get_of_missing_object_is_not_found_with_real_details(
    storage: Storage, deployments: ResourceInfo
) -> None:
    with pytest.raises(NotFound) as caught:
        storage.get(deployments, "default", "web")
    assert caught.value.message == 'deployments.apps "web" not found'
    assert caught.value.status_object["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
    }
    assert caught.value.status_object["reason"] == "NotFound"
    assert caught.value.status_object["code"] == 404


def test_cluster_scoped_objects_drop_a_namespace(storage: Storage, registry: object) -> None:
    from kubeflow_informer.apiserver.registry import Registry

    assert isinstance(registry, Registry)
    nodes = registry.get("", "v1", "nodes")
    assert nodes is not None
    stored = storage.create(
        nodes, {"metadata": {"name": "n1", "namespace": "default"}}, namespace=None
    )
    assert "namespace" not in stored.obj["metadata"]
    assert stored.key == "n1"
