"""The registry of served resources and the built-in table."""

from __future__ import annotations

from kubeflow_informer.apiserver.builtins import BUILTIN_RESOURCES, default_registry
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo


def test_builtins_cover_the_resources_controllers_touch() -> None:
    registry = default_registry()
    wanted = {
        ("", "namespaces"),
        ("", "pods"),
        ("", "services"),
        ("", "endpoints"),
        ("", "configmaps"),
        ("", "secrets"),
        ("", "events"),
        ("", "nodes"),
        ("", "serviceaccounts"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("coordination.k8s.io", "leases"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    }
    assert wanted <= {i.group_resource for i in registry.all()}


def test_core_group_comes_first_in_discovery_order() -> None:
    groups = default_registry().group_versions()
    assert groups[0] == ("", ["v1"])
    assert ("apps", ["v1"]) in groups


def test_api_version_and_list_kind() -> None:
    registry = default_registry()
    deployments = registry.get("apps", "v1", "deployments")
    pods = registry.get("", "v1", "pods")
    assert deployments is not None and pods is not None
    assert deployments.api_version == "apps/v1"
    assert pods.api_version == "v1"
    assert pods.list_kind == "PodList"


def test_subresources_follow_the_real_server() -> None:
    registry = default_registry()
    assert registry.get("", "v1", "pods").subresources == frozenset({"status", "log"})  # type: ignore[union-attr]
    deployments = registry.get("apps", "v1", "deployments")
    assert deployments is not None and deployments.scale_paths is not None
    assert deployments.scale_paths.spec_replicas == ".spec.replicas"
    assert "scale" not in registry.get("apps", "v1", "daemonsets").subresources  # type: ignore[union-attr]


def test_lookup_by_kind() -> None:
    registry = default_registry()
    found = registry.by_kind("batch", "v1", "Job")
    assert found is not None and found.plural == "jobs"
    assert registry.by_kind("batch", "v1", "Nope") is None


def test_unregistering_the_last_resource_of_a_group_removes_the_group() -> None:
    registry = Registry()
    registry.register(ResourceInfo("example.com", "v1", "widgets", "widget", "Widget", True))
    assert registry.group_versions() == [("example.com", ["v1"])]
    registry.unregister("example.com", "v1", "widgets")
    assert registry.group_versions() == []
    assert registry.resources_in("example.com", "v1") == []


def test_builtin_names_are_unique() -> None:
    keys = [(i.group, i.version, i.plural) for i in BUILTIN_RESOURCES]
    assert len(keys) == len(set(keys))
