"""The client's single-object verbs on both servers: create, get, replace, delete, dry run,
status and scale subresources. Each test works in its own namespace; what it asserts is what
kube-apiserver answers."""

from __future__ import annotations

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import AlreadyExists, Conflict, Invalid, NotFound
from kubeflow_informer.testing import ApiServer
from tests.bodies import configmap, deployment
from tests.custom_resources import CrdFactory, tfjob_crd

pytestmark = pytest.mark.timeout(60)



async def test_create_returns_the_stored_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    created = await apiserver_client.resource("v1", "configmaps").create(
        configmap("a", k="v"), namespace=apiserver.namespace)
    meta = created["metadata"]
    assert (meta["name"], meta["namespace"], created["data"]) == ("a", apiserver.namespace,
                                                                  {"k": "v"})
    assert meta["uid"] and meta["resourceVersion"].isdigit() and meta["creationTimestamp"]


async def test_get_returns_what_create_stored(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("a", k="v"), namespace=apiserver.namespace)
    assert await configmaps.get("a", namespace=apiserver.namespace) == created


async def test_generate_name_gets_a_random_suffix(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    body = {"metadata": {"generateName": "job-"}, "data": {}}
    created = await apiserver_client.resource("v1", "configmaps").create(
        body, namespace=apiserver.namespace)
    name = created["metadata"]["name"]
    assert name.startswith("job-") and len(name) == len("job-") + 5
    assert created["metadata"]["generateName"] == "job-"


async def test_namespace_may_come_from_the_body(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    body = configmap("a")
    body["metadata"]["namespace"] = apiserver.namespace
    created = await apiserver_client.resource("v1", "configmaps").create(body)
    assert created["metadata"]["namespace"] == apiserver.namespace


async def test_get_of_a_missing_object_raises_not_found_with_its_details(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(NotFound) as caught:
        await apiserver_client.resource("v1", "configmaps").get("nope",
                                                               namespace=apiserver.namespace)
    assert caught.value.message == 'configmaps "nope" not found'
    assert caught.value.details == {"name": "nope", "kind": "configmaps"}


async def test_creating_a_taken_name_raises_already_exists(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    with pytest.raises(AlreadyExists) as caught:
        await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    assert caught.value.message == 'configmaps "a" already exists'


async def test_invalid_name_raises_invalid_naming_the_field(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(Invalid) as caught:
        await apiserver_client.resource("v1", "configmaps").create(
            configmap("Not_Valid"), namespace=apiserver.namespace)
    assert [c["field"] for c in caught.value.details["causes"]] == ["metadata.name"]


async def test_replace_with_the_current_resource_version_bumps_it(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("a", k="1"), namespace=apiserver.namespace)
    created["data"] = {"k": "2"}
    replaced = await configmaps.replace(created)
    assert replaced["data"] == {"k": "2"}
    assert int(replaced["metadata"]["resourceVersion"]) > int(
        created["metadata"]["resourceVersion"])


async def test_replace_with_a_stale_resource_version_raises_conflict(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    stale = await configmaps.create(configmap("a", k="1"), namespace=apiserver.namespace)
    await configmaps.replace({**stale, "data": {"k": "2"}})
    with pytest.raises(Conflict) as caught:
        await configmaps.replace({**stale, "data": {"k": "3"}})
    assert caught.value.message == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again")


async def test_replace_without_resource_version_updates_a_builtin_unconditionally(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("a", k="1"), namespace=apiserver.namespace)
    replaced = await configmaps.replace(configmap("a", k="2"), namespace=apiserver.namespace)
    assert replaced["data"] == {"k": "2"}


async def test_identical_replace_writes_nothing(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("a", k="1"), namespace=apiserver.namespace)
    again = await configmaps.replace(created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_delete_of_a_configmap_answers_a_success_status(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    answer = await configmaps.delete("a", namespace=apiserver.namespace)
    assert (answer["kind"], answer["status"]) == ("Status", "Success")
    assert answer["details"] == {"name": "a", "kind": "configmaps",
                                 "uid": created["metadata"]["uid"]}
    with pytest.raises(NotFound):
        await configmaps.get("a", namespace=apiserver.namespace)


async def test_delete_of_a_missing_object_raises_not_found(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    with pytest.raises(NotFound):
        await apiserver_client.resource("v1", "configmaps").delete(
            "nope", namespace=apiserver.namespace)


async def test_delete_with_a_failed_uid_precondition_raises_conflict(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    created = await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    with pytest.raises(Conflict) as caught:
        await configmaps.delete("a", namespace=apiserver.namespace,
                                preconditions={"uid": "not-the-uid"})
    assert caught.value.message == (
        'Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition '
        f"(not-the-uid) does not match the UID in record ({created['metadata']['uid']}). "
        "The object might have been deleted and then recreated")
    assert caught.value.details == {"name": "a", "kind": "ConfigMap"}


async def test_delete_with_a_failed_resource_version_precondition_raises_conflict(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    created = await deployments.create(deployment("web"), namespace=apiserver.namespace)
    with pytest.raises(Conflict) as caught:
        await deployments.delete("web", namespace=apiserver.namespace,
                                 preconditions={"resourceVersion": "1"})
    assert caught.value.message == (
        'Operation cannot be fulfilled on Deployment.apps "web": the ResourceVersion in the '
        f"precondition (1) does not match the ResourceVersion in record "
        f"({created['metadata']['resourceVersion']}). The object might have been modified")
    assert caught.value.details == {"name": "web", "group": "apps", "kind": "Deployment"}


async def test_finalizers_hold_a_deleted_object_until_removed(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    body = configmap("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await configmaps.create(body, namespace=apiserver.namespace)
    marked = await configmaps.delete("a", namespace=apiserver.namespace)
    assert marked["metadata"]["deletionTimestamp"]
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    await configmaps.patch("a", {"metadata": {"finalizers": None}},
                           namespace=apiserver.namespace)
    with pytest.raises(NotFound):
        await configmaps.get("a", namespace=apiserver.namespace)


async def test_a_new_finalizer_on_a_deleting_object_is_invalid(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    body = configmap("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await configmaps.create(body, namespace=apiserver.namespace)
    await configmaps.delete("a", namespace=apiserver.namespace)
    with pytest.raises(Invalid):
        await configmaps.patch("a", {"metadata": {"finalizers": ["example.com/hold", "x.io/y"]}},
                               namespace=apiserver.namespace)


async def test_dry_run_create_and_delete_store_nothing(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("dry"), namespace=apiserver.namespace, dry_run=True)
    with pytest.raises(NotFound):
        await configmaps.get("dry", namespace=apiserver.namespace)
    await configmaps.create(configmap("kept"), namespace=apiserver.namespace)
    await configmaps.delete("kept", namespace=apiserver.namespace, dry_run=True)
    assert await configmaps.get("kept", namespace=apiserver.namespace)


async def test_delete_collection_deletes_only_the_selected_objects(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        body = configmap(name)
        body["metadata"]["labels"] = {"tier": tier}
        await configmaps.create(body, namespace=apiserver.namespace)
    await configmaps.delete_collection(namespace=apiserver.namespace, label_selector="tier=web")
    left = await configmaps.list(namespace=apiserver.namespace)
    assert [o["metadata"]["name"] for o in left["items"]] == ["b"]


async def test_cluster_scoped_objects_have_no_namespace(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    nodes = apiserver_client.resource("v1", "nodes", namespaced=False)
    name = f"{apiserver.namespace}-node"  # cluster-scoped: a name of the test's own
    created = await nodes.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    try:
        assert "namespace" not in created["metadata"]
        assert (await nodes.get(name))["metadata"]["uid"] == created["metadata"]["uid"]
    finally:
        await nodes.delete(name)


# -- status -------------------------------------------------------------------------------


async def test_replace_status_changes_only_the_status(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    created = await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    created["status"] = {"replicas": 2, "observedGeneration": 1}
    created["spec"]["replicas"] = 9
    updated = await deployments.replace_status(created)
    assert updated["status"]["replicas"] == 2
    assert updated["spec"]["replicas"] == 2
    assert updated["metadata"]["generation"] == 1


async def test_replace_ignores_the_status_and_bumps_generation_on_a_spec_change(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    created = await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    created["status"] = {"replicas": 7}
    created["spec"]["replicas"] = 3
    updated = await deployments.replace(created)
    assert updated["spec"]["replicas"] == 3
    assert "replicas" not in (updated.get("status") or {})
    assert updated["metadata"]["generation"] == 2


async def test_a_label_change_does_not_bump_generation(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web"), namespace=apiserver.namespace)
    patched = await deployments.patch("web", {"metadata": {"labels": {"x": "1"}}},
                                      namespace=apiserver.namespace)
    assert patched["metadata"]["generation"] == 1


async def test_status_patch_keeps_the_spec(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    patched = await deployments.patch(
        "web", {"spec": {"replicas": 5}, "status": {"replicas": 1}},
        namespace=apiserver.namespace, subresource="status")
    assert (patched["spec"]["replicas"], patched["status"]["replicas"]) == (2, 1)


async def test_get_status_returns_the_whole_object(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    created = await deployments.create(deployment("web"), namespace=apiserver.namespace)
    got = await deployments.get_status("web", namespace=apiserver.namespace)
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    assert got["spec"] == created["spec"]


async def test_a_kind_without_status_subresource_has_no_status_path(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    configmaps = apiserver_client.resource("v1", "configmaps")
    await configmaps.create(configmap("a"), namespace=apiserver.namespace)
    with pytest.raises(NotFound):
        await configmaps.get_status("a", namespace=apiserver.namespace)


async def test_custom_resource_status_and_spec_are_written_separately(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    served = await crds()
    tfjobs = served.resource(apiserver_client)
    created = await tfjobs.create(served.body("j", spec={"workers": 1}),
                                  namespace=apiserver.namespace)
    created["status"] = {"state": "Running"}
    created["spec"]["workers"] = 9
    status_written = await tfjobs.replace_status(created)
    assert (status_written["status"], status_written["spec"]) == ({"state": "Running"},
                                                                    {"workers": 1})
    status_written["spec"]["workers"] = 2
    status_written["status"] = {"state": "ignored"}
    spec_written = await tfjobs.replace(status_written)
    assert (spec_written["status"], spec_written["spec"]) == ({"state": "Running"},
                                                              {"workers": 2})
    assert spec_written["metadata"]["generation"] == 2


@pytest.mark.embedded_differs("status given on create is kept, so that tests can seed objects "
                               "in any state")
async def test_create_drops_the_status_of_a_custom_resource_with_a_status_subresource(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    served = await crds()
    created = await served.resource(apiserver_client).create(
        served.body("j", spec={"workers": 1}, status={"state": "Running"}),
        namespace=apiserver.namespace)
    assert "status" not in created


# -- scale --------------------------------------------------------------------------------


async def test_scale_reads_and_writes_a_deployment_s_replicas(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    scale = await deployments.get_scale("web", namespace=apiserver.namespace)
    assert (scale["apiVersion"], scale["kind"]) == ("autoscaling/v1", "Scale")
    assert (scale["spec"], scale["status"]["selector"]) == ({"replicas": 2}, "app=web")
    scale["spec"]["replicas"] = 4
    assert (await deployments.replace_scale("web", scale, namespace=apiserver.namespace)
            )["spec"]["replicas"] == 4
    await deployments.patch_scale("web", {"spec": {"replicas": 6}}, namespace=apiserver.namespace)
    assert (await deployments.get("web", namespace=apiserver.namespace))["spec"]["replicas"] == 6


async def test_scale_with_a_stale_resource_version_raises_conflict(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    deployments = apiserver_client.resource("apps/v1", "deployments")
    await deployments.create(deployment("web", 2), namespace=apiserver.namespace)
    scale = await deployments.get_scale("web", namespace=apiserver.namespace)
    await deployments.patch_scale("web", {"spec": {"replicas": 3}}, namespace=apiserver.namespace)
    scale["spec"]["replicas"] = 5
    with pytest.raises(Conflict):
        await deployments.replace_scale("web", scale, namespace=apiserver.namespace)


async def test_custom_resource_scale_follows_the_crd_s_paths(
    apiserver: ApiServer, apiserver_client: ApiClient, crds: CrdFactory
) -> None:
    definition = tfjob_crd()
    definition["spec"]["versions"][0]["subresources"]["scale"] = {
        "specReplicasPath": ".spec.workers", "statusReplicasPath": ".status.workers",
        "labelSelectorPath": ".status.selector"}
    served = await crds(definition)
    tfjobs = served.resource(apiserver_client)
    await tfjobs.create(served.body("j", spec={"workers": 1}), namespace=apiserver.namespace)
    scale = await tfjobs.get_scale("j", namespace=apiserver.namespace)
    assert (scale["kind"], scale["spec"], scale["status"]) == ("Scale", {"replicas": 1},
                                                               {"replicas": 0})
    await tfjobs.patch_scale("j", {"spec": {"replicas": 3}}, namespace=apiserver.namespace)
    assert (await tfjobs.get("j", namespace=apiserver.namespace))["spec"]["workers"] == 3
