"""The registry of served resources and the built-in table."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.builtins import BUILTIN_RESOURCES, default_registry
from kubeflow_informer.apiserver.registry import (
    Registry,
    ResourceInfo,
    Subresource,
    storage_version_hash,
    version_priority,
)


def test_builtins_are_every_resource_kube_apiserver_1_36_lists() -> None:
    registry = default_registry()
    served = {(i.group, i.plural) for i in registry.all()}
    assert len(served) == 67
    assert {
        ("", "pods"), ("", "bindings"), ("", "componentstatuses"), ("", "persistentvolumes"),
        ("apps", "deployments"), ("batch", "cronjobs"), ("rbac.authorization.k8s.io", "roles"),
        ("networking.k8s.io", "ingresses"), ("policy", "poddisruptionbudgets"),
        ("events.k8s.io", "events"), ("discovery.k8s.io", "endpointslices"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"), ("apiregistration.k8s.io", "apiservices"),
        ("authorization.k8s.io", "selfsubjectaccessreviews"), ("resource.k8s.io", "deviceclasses"),
    } <= served
    assert [v for g, v in registry.group_versions() if g == "autoscaling"] == [["v2", "v1"]]


def test_kinds_the_real_server_computes_are_not_stored() -> None:
    registry = default_registry()
    computed = {i.plural for i in registry.all() if not i.stored}
    assert computed == {
        "bindings", "componentstatuses", "selfsubjectreviews", "tokenreviews",
        "localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews",
        "subjectaccessreviews",
    }
    assert all(not i.storage_version_hash for i in registry.all() if not i.stored)


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
    pods = registry.get("", "v1", "pods")
    assert pods is not None
    assert pods.subresources == frozenset({
        "attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward",
        "proxy", "resize", "status",
    })
    assert pods.subresource("eviction") == Subresource("eviction", "Eviction", ("create",),
                                                       "policy", "v1")
    token = registry.get("", "v1", "serviceaccounts").subresource("token")  # type: ignore[union-attr]
    assert token == Subresource("token", "TokenRequest", ("create",), "authentication.k8s.io", "v1")
    deployments = registry.get("apps", "v1", "deployments")
    assert deployments is not None and deployments.scale_paths is not None
    assert deployments.scale_paths.spec_replicas == ".spec.replicas"
    assert registry.get("", "v1", "replicationcontrollers").scale_paths is not None  # type: ignore[union-attr]
    assert "scale" not in registry.get("apps", "v1", "daemonsets").subresources  # type: ignore[union-attr]


def test_custom_resource_subresources_are_derived_in_the_real_order() -> None:
    info = ResourceInfo("example.com", "v1", "widgets", "widget", "Widget", True,
                        subresources=frozenset({"scale", "status"}))
    assert [sub.name for sub in info.subresource_details] == ["status", "scale"]
    assert info.subresource("scale") == Subresource("scale", "Scale", ("get", "patch", "update"),
                                                    "autoscaling", "v1")


def test_subresource_details_must_match_the_names() -> None:
    with pytest.raises(ValueError, match="subresource_details"):
        ResourceInfo("example.com", "v1", "widgets", "widget", "Widget", True,
                     subresources=frozenset({"status"}),
                     subresource_details=(Subresource("scale", "Scale", ("get",)),))


def test_storage_version_hash_is_the_real_servers() -> None:
    # values read from kube-apiserver 1.36 discovery
    assert storage_version_hash("", "v1", "ConfigMap") == "qFsyl6wFWjQ="
    assert storage_version_hash("example.com", "v1", "Widget") == "gIwvi5rymmg="
    configmaps = default_registry().get("", "v1", "configmaps")
    assert configmaps is not None and configmaps.storage_version_hash == "qFsyl6wFWjQ="


def test_versions_sort_in_kubernetes_priority() -> None:
    versions = ["v1alpha1", "v1", "foo", "v2beta1", "v1beta2", "v2", "v10", "v1beta1", "bar"]
    assert sorted(versions, key=version_priority) == [
        "v10", "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo",
    ]


def _custom(group: str, version: str, plural: str = "things") -> ResourceInfo:
    return ResourceInfo(group, version, plural, plural[:-1], plural.title()[:-1], True)


def test_custom_groups_follow_the_builtin_ones_by_name_in_aggregated_discovery() -> None:
    registry = default_registry()
    for group, version in (("v.example.com", "v1"), ("v.example.com", "v2"),
                           ("my-group.example.io", "v1alpha2"), ("aaa.example.org", "v1")):
        registry.register(_custom(group, version))
    groups = registry.group_versions()
    assert groups[0] == ("", ["v1"])
    assert groups[-3:] == [("aaa.example.org", ["v1"]), ("my-group.example.io", ["v1alpha2"]),
                           ("v.example.com", ["v2", "v1"])]


def test_legacy_discovery_orders_custom_groups_by_apiservice_name() -> None:
    # kube-aggregator sorts APIServices "version.group": v1.v.example.com < v1alpha2.my-group...
    registry = default_registry()
    for group, version in (("v.example.com", "v1"), ("my-group.example.io", "v1alpha2"),
                           ("aaa.example.org", "v1")):
        registry.register(_custom(group, version))
    names = [group for group, _ in registry.group_versions(legacy=True)]
    assert names[-3:] == ["aaa.example.org", "v.example.com", "my-group.example.io"]


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
