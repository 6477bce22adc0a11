"""Update semantics: optimistic concurrency, generation, status separation, no-op updates."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.registry import Registry, ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import BadRequest, Conflict, NotFound

from .conftest import configmap, info, modified, pod


def _deployment(name: str = "web", replicas: int = 1) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
    }


def test_stale_resource_version_is_conflict_with_real_message(
    storage: Storage, pods: ResourceInfo
) -> None:
    first = storage.create(pods, pod("a"), namespace="default")
    storage.update(
        pods, modified(first.obj, spec={"containers": []}), namespace="default", name="a"
    )
    with pytest.raises(Conflict) as caught:
        storage.update(pods, modified(first.obj), namespace="default", name="a")
    assert caught.value.message == (
        'Operation cannot be fulfilled on pods "a": the object has been modified; please apply '
        "your changes to the latest version and try again"
    )
    assert caught.value.reason == "Conflict"


def test_update_without_resource_version_is_unconditional(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a", k="1"), namespace="default")
    updated = storage.update(configmaps, configmap("a", k="2"), namespace="default", name="a")
    assert updated.obj["data"] == {"k": "2"}


def test_update_of_missing_object_is_not_found(storage: Storage, configmaps: ResourceInfo) -> None:
    with pytest.raises(NotFound):
        storage.update(configmaps, configmap("a"), namespace="default", name="a")


def test_update_name_must_match_url(storage: Storage, configmaps: ResourceInfo) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    with pytest.raises(BadRequest):
        storage.update(configmaps, configmap("b"), namespace="default", name="a")


def test_update_keeps_system_metadata(storage: Storage, configmaps: ResourceInfo) -> None:
    first = storage.create(configmaps, configmap("a"), namespace="default")
    body = modified(first.obj, data={"k": "v"})
    body["metadata"]["uid"] = "forged"
    body["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z"
    meta = storage.update(configmaps, body, namespace="default", name="a").obj["metadata"]
    assert meta["uid"] == first.obj["metadata"]["uid"]
    assert meta["creationTimestamp"] == first.obj["metadata"]["creationTimestamp"]


def test_spec_change_bumps_generation(storage: Storage, deployments: ResourceInfo) -> None:
    first = storage.create(deployments, _deployment(), namespace="default")
    body = modified(first.obj, spec={**first.obj["spec"], "replicas": 3})
    assert (
        storage.update(deployments, body, namespace="default", name="web").obj["metadata"][
            "generation"
        ]
        == 2
    )


def test_metadata_change_keeps_generation(storage: Storage, deployments: ResourceInfo) -> None:
    first = storage.create(deployments, _deployment(), namespace="default")
    body = modified(first.obj)
    body["metadata"]["labels"] = {"x": "y"}
    updated = storage.update(deployments, body, namespace="default", name="web")
    assert updated.obj["metadata"]["generation"] == 1
    assert updated.rv > first.rv


@pytest.mark.parametrize(
    ("kind", "subresource", "generation"),
    [
        ("Deployment", None, 2),  # deploymentStrategy: annotations are copied to ReplicaSets
        ("ReplicaSet", None, 1),
        ("Deployment", "status", 1),  # a status write never bumps generation
    ],
)
def test_annotation_change_bumps_generation_of_deployments_only(
    storage: Storage, registry: Registry, kind: str, subresource: str | None, generation: int
) -> None:
    workloads = info(registry, "apps", f"{kind.lower()}s")
    body = _deployment()
    body["kind"] = kind
    first = storage.create(workloads, body, namespace="default")
    changed = modified(first.obj, status={"replicas": 1})
    changed["metadata"]["annotations"] = {"note": "x"}
    updated = storage.update(workloads, changed, namespace="default", name="web",
                             subresource=subresource)
    assert updated.obj["metadata"]["generation"] == generation


def test_data_change_bumps_generation_without_status_subresource(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    first = storage.create(configmaps, configmap("a", k="1"), namespace="default")
    body = modified(first.obj, data={"k": "2"})
    assert (
        storage.update(configmaps, body, namespace="default", name="a").obj["metadata"][
            "generation"
        ]
        == 2
    )


def test_main_update_keeps_the_stored_status(storage: Storage, deployments: ResourceInfo) -> None:
    first = storage.create(deployments, _deployment(), namespace="default")
    with_status = storage.update(
        deployments,
        modified(first.obj, status={"replicas": 1}),
        namespace="default",
        name="web",
        subresource="status",
    )
    body = modified(with_status.obj, status={"replicas": 99})
    body["spec"]["replicas"] = 2
    updated = storage.update(deployments, body, namespace="default", name="web")
    assert updated.obj["status"] == {"replicas": 1}
    assert updated.obj["spec"]["replicas"] == 2


def test_status_update_keeps_spec_and_labels(storage: Storage, deployments: ResourceInfo) -> None:
    first = storage.create(deployments, _deployment(), namespace="default")
    body = modified(first.obj, status={"replicas": 1}, spec={"replicas": 50})
    body["metadata"]["labels"] = {"changed": "yes"}
    updated = storage.update(
        deployments, body, namespace="default", name="web", subresource="status"
    )
    assert updated.obj["status"] == {"replicas": 1}
    assert updated.obj["spec"]["replicas"] == 1
    assert "labels" not in updated.obj["metadata"]
    assert updated.obj["metadata"]["generation"] == 1


def test_pod_status_update_may_change_labels(storage: Storage, pods: ResourceInfo) -> None:
    first = storage.create(pods, pod("a"), namespace="default")
    body = modified(first.obj, status={"phase": "Running"})
    body["metadata"]["labels"] = {"ready": "true"}
    updated = storage.update(pods, body, namespace="default", name="a", subresource="status")
    assert updated.obj["metadata"]["labels"] == {"ready": "true"}
    assert updated.obj["status"] == {"phase": "Running"}


def test_job_status_update_may_change_labels_but_not_spec(
    storage: Storage, registry: Registry
) -> None:
    jobs = info(registry, "batch", "jobs")
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"parallelism": 1, "template": {"spec": {"containers": []}}}}
    first = storage.create(jobs, body, namespace="default")
    changed = modified(first.obj, status={"active": 1},
                       spec={**first.obj["spec"], "parallelism": 5})
    changed["metadata"]["labels"] = {"done": "no"}
    updated = storage.update(jobs, changed, namespace="default", name="j", subresource="status")
    assert updated.obj["metadata"]["labels"] == {"done": "no"}
    assert (updated.obj["status"], updated.obj["spec"]["parallelism"]) == ({"active": 1}, 1)


def test_status_update_with_stale_resource_version_is_conflict(
    storage: Storage, pods: ResourceInfo
) -> None:
    first = storage.create(pods, pod("a"), namespace="default")
    storage.update(pods, modified(first.obj, spec={}), namespace="default", name="a")
    with pytest.raises(Conflict):
        storage.update(
            pods,
            modified(first.obj, status={"phase": "Running"}),
            namespace="default",
            name="a",
            subresource="status",
        )


def test_identical_update_writes_nothing(storage: Storage, configmaps: ResourceInfo) -> None:
    first = storage.create(configmaps, configmap("a", k="1"), namespace="default")
    before = storage.resource_version
    again = storage.update(configmaps, modified(first.obj), namespace="default", name="a")
    assert again is first
    assert storage.resource_version == before


def test_dry_run_update_changes_nothing(storage: Storage, configmaps: ResourceInfo) -> None:
    first = storage.create(configmaps, configmap("a", k="1"), namespace="default")
    result = storage.update(
        configmaps,
        modified(first.obj, data={"k": "2"}),
        namespace="default",
        name="a",
        dry_run=True,
    )
    assert result.obj["data"] == {"k": "2"}
    assert storage.get(configmaps, "default", "a") is first


def test_deployment_status_update_may_change_annotations_not_labels(
    storage: Storage, deployments: ResourceInfo
) -> None:
    first = storage.create(deployments, _deployment(), namespace="default")
    body = modified(first.obj, status={"replicas": 1})
    body["metadata"]["annotations"] = {"note": "x"}
    body["metadata"]["labels"] = {"x": "y"}
    updated = storage.update(
        deployments, body, namespace="default", name="web", subresource="status"
    )
    assert updated.obj["metadata"]["annotations"] == {"note": "x"}
    assert "labels" not in updated.obj["metadata"]


def test_custom_resource_status_update_changes_only_status(
    storage: Storage, registry: object
) -> None:
    from kubeflow_informer.apiserver.registry import Registry

    from .test_crd import tfjob, tfjob_crd

    assert isinstance(registry, Registry)
    crds = registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    assert crds is not None
    storage.create(crds, tfjob_crd(), namespace=None)
    tfjobs = registry.get("kubeflow.org", "v1", "tfjobs")
    assert tfjobs is not None
    first = storage.create(tfjobs, tfjob(), namespace="default")
    body = modified(first.obj, status={"phase": "Running"})
    body["metadata"]["annotations"] = {"note": "x"}
    updated = storage.update(tfjobs, body, namespace="default", name="train", subresource="status")
    assert "annotations" not in updated.obj["metadata"]
    assert updated.obj["status"] == {"phase": "Running"}
