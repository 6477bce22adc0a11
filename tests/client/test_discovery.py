"""Discovery: versions, groups, resources with subresources, the name mapper and its cache."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import NotFound

from .conftest import SERVER, recorded

CORE = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
         "verbs": ["get", "list", "watch", "create"], "shortNames": ["po"]},
        {"name": "pods/status", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
        {"name": "pods/log", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
        {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
         "verbs": ["get", "list"], "shortNames": ["no"]},
    ],
}
APPS = {
    "kind": "APIResourceList",
    "groupVersion": "apps/v1",
    "resources": [
        {"name": "deployments", "singularName": "deployment", "namespaced": True,
         "kind": "Deployment", "verbs": ["get"], "shortNames": ["deploy"]},
        {"name": "deployments/scale", "namespaced": True, "kind": "Scale", "verbs": ["get"]},
    ],
}
KUBEFLOW = {
    "kind": "APIResourceList",
    "groupVersion": "kubeflow.org/v1",
    "resources": [{"name": "tfjobs", "singularName": "tfjob", "namespaced": True,
                   "kind": "TFJob", "verbs": ["get", "list", "watch"]}],
}


def groups(*extra: str) -> dict[str, object]:
    names = ["apps", *extra]
    return {
        "kind": "APIGroupList",
        "groups": [
            {"name": name,
             "versions": [{"groupVersion": f"{name}/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": f"{name}/v1", "version": "v1"}}
            for name in names
        ],
    }


def mock_discovery(mock: aioresponses, *extra_groups: str) -> None:
    mock.get(f"{SERVER}/api", payload={"kind": "APIVersions", "versions": ["v1"]})
    mock.get(f"{SERVER}/apis", payload=groups(*extra_groups))
    mock.get(f"{SERVER}/api/v1", payload=CORE, repeat=True)
    mock.get(f"{SERVER}/apis/apps/v1", payload=APPS, repeat=True)
    mock.get(f"{SERVER}/apis/kubeflow.org/v1", payload=KUBEFLOW, repeat=True)


async def test_server_version(api: ApiClient, mock: aioresponses) -> None:
    mock.get(f"{SERVER}/version", payload={"major": "1", "minor": "32"})
    assert (await api.discovery.server_version())["minor"] == "32"


async def test_api_groups_list_core_first(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    found = await api.discovery.api_groups()
    assert [(g.name, g.preferred_version) for g in found] == [("", "v1"), ("apps", "apps/v1")]


async def test_resources_split_out_subresources(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    by_name = {r.plural: r for r in await api.discovery.resources("v1")}
    assert set(by_name) == {"pods", "nodes"}
    assert by_name["pods"].subresources == ("status", "log")
    assert by_name["pods"].short_names == ("po",)
    assert by_name["nodes"].namespaced is False


@pytest.mark.parametrize("name", ["Deployment", "deployments", "deploy", "deployment",
                                  "deployments.apps"])
async def test_find_by_kind_plural_short_or_qualified_name(
    api: ApiClient, mock: aioresponses, name: str
) -> None:
    mock_discovery(mock)
    info = await api.discovery.find(name)
    assert (info.api_version, info.plural, info.kind) == ("apps/v1", "deployments", "Deployment")


async def test_find_restricted_to_api_version(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    info = await api.discovery.find("po", api_version="v1")
    assert info.plural == "pods"


async def test_answers_are_cached(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    await api.discovery.find("pods")
    await api.discovery.find("deploy")
    paths = [url.path for _, url, _ in recorded(mock)]
    assert paths.count("/apis") == 1 and paths.count("/api/v1") == 1


async def test_new_crd_is_found_after_automatic_refresh(
    api: ApiClient, mock: aioresponses
) -> None:
    mock_discovery(mock)
    assert len(await api.discovery.api_groups()) == 2
    mock_discovery(mock, "kubeflow.org")  # the CRD got installed
    resource = await api.resource_for("TFJob")
    assert (resource.api_version, resource.plural, resource.namespaced) == (
        "kubeflow.org/v1", "tfjobs", True)


async def test_unknown_name_raises_not_found(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    mock_discovery(mock)
    with pytest.raises(NotFound, match="nosuchthing"):
        await api.discovery.find("nosuchthing")


async def test_invalidate_forgets_cached_answers(api: ApiClient, mock: aioresponses) -> None:
    mock_discovery(mock)
    await api.discovery.api_groups()
    api.discovery.invalidate()
    mock_discovery(mock, "kubeflow.org")
    assert [g.name for g in await api.discovery.api_groups()] == ["", "apps", "kubeflow.org"]
