"""Every patch type through the client, on both servers: JSON merge patch, JSON patch,
strategic merge patch (directives included) and server-side apply with its field ownership and
conflicts. What each test asserts is what kube-apiserver answers."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.client import ApiClient, Resource
from kubeflow_informer.errors import ApiError, Conflict, Invalid, NotFound
from kubeflow_informer.testing import ApiServer
from tests.bodies import configmap, deployment
from tests.custom_resources import CrdFactory

pytestmark = pytest.mark.timeout(60)


def web_pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web", "tier": "front"}},
        "spec": {"containers": [
            {"name": "app", "image": "app:1",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "side", "image": "side:1"},
        ]},
    }



async def _pod(apiserver: ApiServer, api: ApiClient) -> Resource:
    pods = api.resource("v1", "pods")
    await pods.create(web_pod("p"), namespace=apiserver.namespace)
    return pods


def _containers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["name"], c["image"]) for c in obj["spec"]["containers"]]


# -- JSON merge patch (RFC 7386) ----------------------------------------------------------


async def test_merge_patch_sets_and_removes_map_keys(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    patched = await pods.patch("p", {"metadata": {"labels": {"tier": None, "x": "1"}}},
                               namespace=apiserver.namespace)
    assert patched["metadata"]["labels"] == {"app": "web", "x": "1"}


async def test_merge_patch_replaces_lists_whole(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    body = configmap("c")
    body["metadata"]["finalizers"] = ["a.io/one", "a.io/two"]
    await configmaps.create(body, namespace=apiserver.namespace)
    patched = await configmaps.patch("c", {"metadata": {"finalizers": ["a.io/three"]}},
                                     namespace=apiserver.namespace)
    assert patched["metadata"]["finalizers"] == ["a.io/three"]
    await configmaps.patch("c", {"metadata": {"finalizers": None}}, namespace=apiserver.namespace)


async def test_merge_patch_of_a_missing_object_raises_not_found(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(NotFound):
        await apiserver_client.resource("v1", "configmaps").patch(
            "nope", {"data": {"a": "1"}}, namespace=apiserver.namespace)


async def test_patch_carrying_a_stale_resource_version_raises_conflict(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("c", a="1"), namespace=apiserver.namespace)
    await configmaps.patch("c", {"data": {"a": "2"}}, namespace=apiserver.namespace)
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
             "data": {"a": "3"}}
    with pytest.raises(Conflict):
        await configmaps.patch("c", stale, namespace=apiserver.namespace)


async def test_patch_carrying_the_current_resource_version_applies(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("c", a="1"), namespace=apiserver.namespace)
    guarded = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
               "data": {"a": "2"}}
    assert (await configmaps.patch("c", guarded, namespace=apiserver.namespace)
            )["data"] == {"a": "2"}


async def test_a_patch_that_changes_nothing_keeps_the_resource_version(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("c", a="1"), namespace=apiserver.namespace)
    again = await configmaps.patch("c", {"data": {"a": "1"}}, namespace=apiserver.namespace)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


# -- JSON patch (RFC 6902) ----------------------------------------------------------------


async def test_json_patch_adds_replaces_and_removes(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    ops = [
        {"op": "add", "path": "/metadata/labels/x", "value": "1"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "app:2"},
        {"op": "remove", "path": "/metadata/labels/tier"},
    ]
    patched = await pods.patch("p", ops, namespace=apiserver.namespace, patch_type="json")
    assert patched["metadata"]["labels"] == {"app": "web", "x": "1"}
    assert patched["spec"]["containers"][0]["image"] == "app:2"


async def test_json_patch_appends_to_a_list_with_the_dash_index(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web"), namespace=apiserver.namespace)
    ops = [{"op": "add", "path": "/spec/template/spec/containers/-",
            "value": {"name": "side", "image": "s"}}]
    patched = await deployments.patch("web", ops, namespace=apiserver.namespace,
                                      patch_type="json")
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == [
        "app", "side"]


@pytest.mark.embedded_differs("no validation beyond names and kinds: pod spec updates are not "
                               "restricted")
async def test_pod_spec_changes_beyond_images_are_invalid(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    with pytest.raises(Invalid) as caught:
        await pods.patch("p", {"spec": {"containers": [{"name": "app", "args": ["x"]}]}},
                         namespace=apiserver.namespace, patch_type="strategic")
    assert caught.value.message.startswith(
        'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than ')


async def test_json_patch_move_and_copy(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("c", a="1", b="2"), namespace=apiserver.namespace)
    ops = [{"op": "move", "from": "/data/a", "path": "/data/z"},
           {"op": "copy", "from": "/data/b", "path": "/data/y"}]
    patched = await configmaps.patch("c", ops, namespace=apiserver.namespace, patch_type="json")
    assert patched["data"] == {"b": "2", "y": "2", "z": "1"}


async def test_json_patch_whose_test_succeeds_applies(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    ops = [{"op": "test", "path": "/metadata/labels/app", "value": "web"},
           {"op": "replace", "path": "/metadata/labels/app", "value": "api"}]
    patched = await pods.patch("p", ops, namespace=apiserver.namespace, patch_type="json")
    assert patched["metadata"]["labels"]["app"] == "api"


async def test_json_patch_whose_test_fails_raises_invalid_and_changes_nothing(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    ops = [{"op": "replace", "path": "/metadata/labels/app", "value": "api"},
           {"op": "test", "path": "/metadata/labels/tier", "value": "back"}]
    with pytest.raises(Invalid):
        await pods.patch("p", ops, namespace=apiserver.namespace, patch_type="json")
    unchanged = await pods.get("p", namespace=apiserver.namespace)
    assert unchanged["metadata"]["labels"]["app"] == "web"


async def test_json_patch_removing_a_missing_path_raises_invalid(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    with pytest.raises(Invalid):
        await pods.patch("p", [{"op": "remove", "path": "/metadata/annotations/none"}],
                         namespace=apiserver.namespace, patch_type="json")


# -- strategic merge patch ----------------------------------------------------------------


async def test_strategic_merge_patch_merges_containers_by_name(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    patch = {"spec": {"containers": [{"name": "side", "image": "side:2"}]}}
    patched = await pods.patch("p", patch, namespace=apiserver.namespace, patch_type="strategic")
    assert _containers(patched) == [("app", "app:1"), ("side", "side:2")]


async def test_strategic_merge_patch_adds_an_element_by_merge_key(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web"), namespace=apiserver.namespace)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "log", "image": "x"}]}}}}
    patched = await deployments.patch("web", patch, namespace=apiserver.namespace,
                                      patch_type="strategic")
    names = [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]]
    assert names == ["log", "app"]  # a new element leads


def _containers_named(names: str | list[str], image: str) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": [
        {"name": n, "image": image} for n in names]}}}}


async def _deployment_with_containers(apiserver: ApiServer, api: ApiClient, name: str,
                                      **create: Any) -> Resource:
    deployments = api.resource("apps/v1", "deployments")
    body = deployment(name)
    body["spec"]["template"]["spec"].update(_containers_named("abc", "x")["spec"]["template"]
                                            ["spec"])
    await deployments.create(body, namespace=apiserver.namespace, **create)
    return deployments


@pytest.mark.parametrize(("patched", "expected"), [
    ("d", "dabc"), ("db", "dabc"), ("bd", "abdc"), ("ca", "bca"), ("de", "deabc"),
    ("bda", "bdac"), ("cd", "abcd"),
])
async def test_strategic_merge_patch_orders_the_merged_list(
    apiserver: ApiServer, apiserver_client: ApiClient, patched: str, expected: str
) -> None:
    deployments = await _deployment_with_containers(apiserver, apiserver_client, "web")
    result = await deployments.patch("web", _containers_named(patched, "y"),
                                     namespace=apiserver.namespace, patch_type="strategic")
    names = [c["name"] for c in result["spec"]["template"]["spec"]["containers"]]
    assert "".join(names) == expected


async def test_strategic_merge_patch_merges_env_by_name(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"},
                                                                {"name": "B", "value": "2"}]
    await deployments.create(body, namespace=apiserver.namespace)
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "env": [{"name": "B", "value": "20"}]}]}}}}
    patched = await deployments.patch("web", patch, namespace=apiserver.namespace,
                                      patch_type="strategic")
    assert patched["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"}, {"name": "B", "value": "20"}]


async def test_strategic_delete_directive_removes_one_element(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "s"})
    await deployments.create(body, namespace=apiserver.namespace)
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "side", "$patch": "delete"}]}}}}
    patched = await deployments.patch("web", patch, namespace=apiserver.namespace,
                                      patch_type="strategic")
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == ["app"]


async def test_strategic_replace_directive_replaces_a_map(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    pods = await _pod(apiserver, apiserver_client)
    patch = {"metadata": {"labels": {"$patch": "replace", "only": "this"}}}
    patched = await pods.patch("p", patch, namespace=apiserver.namespace, patch_type="strategic")
    assert patched["metadata"]["labels"] == {"only": "this"}


async def test_strategic_delete_from_primitive_list_removes_finalizers(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    body = configmap("c")
    body["metadata"]["finalizers"] = ["a.io/one", "a.io/two", "a.io/three"]
    await configmaps.create(body, namespace=apiserver.namespace)
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.io/two"]}}
    patched = await configmaps.patch("c", patch, namespace=apiserver.namespace,
                                     patch_type="strategic")
    assert patched["metadata"]["finalizers"] == ["a.io/one", "a.io/three"]
    await configmaps.patch("c", {"metadata": {"finalizers": None}}, namespace=apiserver.namespace)


async def test_strategic_merge_patch_appends_to_finalizers_as_a_set(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    body = configmap("c")
    body["metadata"]["finalizers"] = ["a.io/one"]
    await configmaps.create(body, namespace=apiserver.namespace)
    patch = {"metadata": {"finalizers": ["a.io/two", "a.io/one"]}}
    patched = await configmaps.patch("c", patch, namespace=apiserver.namespace,
                                     patch_type="strategic")
    assert sorted(patched["metadata"]["finalizers"]) == ["a.io/one", "a.io/two"]
    await configmaps.patch("c", {"metadata": {"finalizers": None}}, namespace=apiserver.namespace)


async def test_strategic_merge_patch_of_a_custom_resource_is_unsupported(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    served = await crds()
    tfjobs = served.resource(apiserver_client)
    await tfjobs.create(served.body("j", spec={"workers": 1}), namespace=apiserver.namespace)
    with pytest.raises(ApiError) as caught:
        await tfjobs.patch("j", {"spec": {"workers": 2}}, namespace=apiserver.namespace,
                           patch_type="strategic")
    assert (caught.value.status, caught.value.reason) == (415, "UnsupportedMediaType")


async def test_merge_patch_of_a_custom_resource_merges_nested_maps(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    served = await crds()
    tfjobs = served.resource(apiserver_client)
    await tfjobs.create(served.body("j", spec={"workers": 1, "image": "a"}),
                        namespace=apiserver.namespace)
    patched = await tfjobs.patch("j", {"spec": {"workers": 2}}, namespace=apiserver.namespace)
    assert patched["spec"] == {"workers": 2, "image": "a"}


# -- server-side apply --------------------------------------------------------------------


def _managers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((e["manager"], e["operation"]) for e in obj["metadata"]["managedFields"])


async def test_apply_creates_a_missing_object_owned_by_its_manager(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    applied = await apiserver_client.resource("v1", "configmaps").patch(
        "c", configmap("c", a="1"), namespace=apiserver.namespace, patch_type="apply",
        field_manager="deployer")
    assert applied["data"] == {"a": "1"}
    assert _managers(applied) == [("deployer", "Apply")]


async def test_apply_again_without_a_field_removes_the_field_it_owned(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1", b="2"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="deployer")
    applied = await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                                     patch_type="apply", field_manager="deployer")
    assert applied["data"] == {"a": "1"}


async def test_two_appliers_of_different_fields_share_the_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="one")
    applied = await configmaps.patch("c", configmap("c", b="2"), namespace=apiserver.namespace,
                                     patch_type="apply", field_manager="two")
    assert applied["data"] == {"a": "1", "b": "2"}
    assert _managers(applied) == [("one", "Apply"), ("two", "Apply")]


async def test_applying_the_same_value_as_another_applier_shares_ownership(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="one")
    applied = await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                                     patch_type="apply", field_manager="two")
    assert _managers(applied) == [("one", "Apply"), ("two", "Apply")]


async def test_apply_conflicting_with_another_applier_raises_conflict_until_forced(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="one")
    with pytest.raises(Conflict) as caught:
        await configmaps.patch("c", configmap("c", a="2"), namespace=apiserver.namespace,
                               patch_type="apply", field_manager="two")
    assert caught.value.message == 'Apply failed with 1 conflict: conflict with "one": .data.a'
    assert caught.value.details["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "one"', "field": ".data.a"}]
    forced = await configmaps.patch("c", configmap("c", a="2"), namespace=apiserver.namespace,
                                    patch_type="apply", field_manager="two", force=True)
    assert forced["data"] == {"a": "2"}
    assert _managers(forced) == [("two", "Apply")]


async def test_apply_over_a_field_a_controller_patched_conflicts(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.patch("web", deployment("web", 1), namespace=apiserver.namespace,
                            patch_type="apply", field_manager="deployer")
    await deployments.patch("web", {"spec": {"replicas": 3}}, namespace=apiserver.namespace,
                            field_manager="autoscaler")
    with pytest.raises(Conflict) as caught:
        await deployments.patch("web", deployment("web", 1), namespace=apiserver.namespace,
                                patch_type="apply", field_manager="deployer")
    assert caught.value.message == ('Apply failed with 1 conflict: conflict with "autoscaler" '
                                    "using apps/v1: .spec.replicas")


async def test_apply_conflicts_over_several_fields_are_all_listed(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1", b="1"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="one")
    with pytest.raises(Conflict) as caught:
        await configmaps.patch("c", configmap("c", a="2", b="2"), namespace=apiserver.namespace,
                               patch_type="apply", field_manager="two")
    assert caught.value.message == ('Apply failed with 2 conflicts: conflicts with "one":\n'
                                    "- .data.a\n- .data.b")
    assert [c["field"] for c in caught.value.details["causes"]] == [".data.a", ".data.b"]


@pytest.mark.parametrize(("applied", "expected"), [
    ("d", "abcd"), ("db", "adbc"), ("bd", "abcd"), ("ca", "bca"),
])
async def test_apply_orders_the_merged_list(
    apiserver: ApiServer, apiserver_client: ApiClient, applied: str, expected: str
) -> None:
    deployments = await _deployment_with_containers(apiserver, apiserver_client, "web",
                                                    field_manager="creator")
    config = deployment("web")
    config["spec"]["template"]["spec"] = _containers_named(applied, "y")["spec"]["template"][
        "spec"]
    result = await deployments.patch("web", config, namespace=apiserver.namespace,
                                     patch_type="apply", field_manager="deployer", force=True)
    names = [c["name"] for c in result["spec"]["template"]["spec"]["containers"]]
    assert "".join(names) == expected


async def test_apply_dry_run_stores_nothing(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.patch("c", configmap("c", a="1"), namespace=apiserver.namespace,
                           patch_type="apply", field_manager="me", dry_run=True)
    with pytest.raises(NotFound):
        await configmaps.get("c", namespace=apiserver.namespace)


async def test_apply_to_the_status_subresource_keeps_the_spec(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    status = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "status": {"replicas": 2}}
    applied = await deployments.patch("web", status, namespace=apiserver.namespace,
                                      patch_type="apply", field_manager="ctl",
                                      subresource="status")
    assert (applied["spec"]["replicas"], applied["status"]["replicas"]) == (2, 2)
    entry = next(e for e in applied["metadata"]["managedFields"] if e["manager"] == "ctl")
    assert (entry["operation"], entry["subresource"]) == ("Apply", "status")
