"""The official ``kubernetes`` Python client against the standalone embedded server.

These are the behaviours a controller written with the official client relies on: CRUD of pods,
deployments and a custom resource, paginated and selected lists, a watch seeing
ADDED/MODIFIED/DELETED, 409 on a stale update and a 404 with the real Status body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.fidelity.conftest import Standalone

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def api(standalone: Standalone) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(standalone.kubeconfig))
    try:
        yield api_client
    finally:
        api_client.close()


@pytest.fixture
def namespace(api: client.ApiClient, namespace_name: str) -> str:
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace_name}})
    return namespace_name


def _pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    }


def test_pod_crud(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    created = core.create_namespaced_pod(namespace, _pod("web"))
    assert created.metadata.uid and created.metadata.resource_version
    fetched = core.read_namespaced_pod("web", namespace)
    fetched.metadata.labels = {"tier": "front"}
    replaced = core.replace_namespaced_pod("web", namespace, fetched)
    assert replaced.metadata.labels == {"tier": "front"}
    patched = core.patch_namespaced_pod("web", namespace, {"metadata": {"labels": {"x": "1"}}})
    assert patched.metadata.labels == {"tier": "front", "x": "1"}
    core.delete_namespaced_pod("web", namespace)
    assert core.list_namespaced_pod(namespace).items == []


def test_deployment_crud(api: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api)
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }
    created = apps.create_namespaced_deployment(namespace, body)
    assert created.spec.replicas == 2
    assert created.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 4}})
    assert scaled.spec.replicas == 4
    current = apps.read_namespaced_deployment("web", namespace)
    assert current.spec.replicas == 4
    assert current.metadata.generation == 2
    current.status = client.V1DeploymentStatus(replicas=4, ready_replicas=4)
    updated = apps.replace_namespaced_deployment_status("web", namespace, current)
    assert updated.status.ready_replicas == 4
    apps.delete_namespaced_deployment("web", namespace)
    with pytest.raises(ApiException) as caught:
        apps.read_namespaced_deployment("web", namespace)
    assert caught.value.status == 404


def test_custom_resource_crud(api: client.ApiClient, namespace: str) -> None:
    extensions = client.ApiextensionsV1Api(api)
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "tfjobs.kubeflow.org"},
        "spec": {
            "group": "kubeflow.org",
            "scope": "Namespaced",
            "names": {"plural": "tfjobs", "singular": "tfjob", "kind": "TFJob"},
            "versions": [{"name": "v1", "served": True, "storage": True,
                          "subresources": {"status": {}},
                          "schema": {"openAPIV3Schema": {
                              "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
        },
    }
    try:
        extensions.create_custom_resource_definition(crd)
    except ApiException as exc:  # another test of this module may have created it already
        assert exc.status == 409
    custom = client.CustomObjectsApi(api)
    job = {"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "metadata": {"name": "mnist"},
           "spec": {"workers": 2}}
    created = custom.create_namespaced_custom_object("kubeflow.org", "v1", namespace, "tfjobs", job)
    assert created["metadata"]["uid"]
    patched = custom.patch_namespaced_custom_object(
        "kubeflow.org", "v1", namespace, "tfjobs", "mnist", {"spec": {"workers": 3}}
    )
    assert patched["spec"]["workers"] == 3
    status = custom.patch_namespaced_custom_object_status(
        "kubeflow.org", "v1", namespace, "tfjobs", "mnist", {"status": {"phase": "Running"}}
    )
    assert status["status"] == {"phase": "Running"}
    listed = custom.list_namespaced_custom_object("kubeflow.org", "v1", namespace, "tfjobs")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["mnist"]
    custom.delete_namespaced_custom_object("kubeflow.org", "v1", namespace, "tfjobs", "mnist")
    listed = custom.list_namespaced_custom_object("kubeflow.org", "v1", namespace, "tfjobs")
    assert listed["items"] == []


def test_list_with_pagination_and_selectors(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    for i in range(7):
        core.create_namespaced_pod(namespace, _pod(f"p{i}", {"parity": "even" if i % 2 == 0
                                                             else "odd"}))
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_pod(namespace, limit=3, _continue=token)
        names += [p.metadata.name for p in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert (pages, sorted(names)) == (3, [f"p{i}" for i in range(7)])
    odd = core.list_namespaced_pod(namespace, label_selector="parity=odd")
    assert sorted(p.metadata.name for p in odd.items) == ["p1", "p3", "p5"]
    named = core.list_namespaced_pod(namespace, field_selector="metadata.name=p4")
    assert [p.metadata.name for p in named.items] == ["p4"]


def test_watch_sees_added_modified_deleted(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    start = core.list_namespaced_pod(namespace).metadata.resource_version
    core.create_namespaced_pod(namespace, _pod("w"))
    core.patch_namespaced_pod("w", namespace, {"metadata": {"labels": {"x": "1"}}})
    core.delete_namespaced_pod("w", namespace)
    seen = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_pod, namespace, resource_version=start,
                               timeout_seconds=10):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 4:
            stream.stop()
    # the delete of an unscheduled pod marks it (MODIFIED), then removes it
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_stale_update_is_409(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    stale = core.read_namespaced_config_map("c", namespace)
    fresh = core.read_namespaced_config_map("c", namespace)
    fresh.data = {"a": "2"}
    core.replace_namespaced_config_map("c", namespace, fresh)
    stale.data = {"a": "3"}
    with pytest.raises(ApiException) as caught:
        core.replace_namespaced_config_map("c", namespace, stale)
    assert caught.value.status == 409
    assert json.loads(caught.value.body)["reason"] == "Conflict"


def test_missing_object_is_404_with_the_real_status(api: client.ApiClient, namespace: str) -> None:
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(api).read_namespaced_pod("ghost", namespace)
    assert caught.value.status == 404
    body = json.loads(caught.value.body)
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "ghost" not found',
        "reason": "NotFound",
        "details": {"name": "ghost", "kind": "pods"},
        "code": 404,
    }
