"""Strategic merge patch: the list semantics and directives of built-in kinds."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubeflow_informer.apiserver.patching import (
    MalformedPatch,
    PatchError,
    UnsupportedPatchType,
    apply_strategic_merge_patch,
    supports_strategic_merge,
)

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "finalizers": ["a/one"],
        "ownerReferences": [{"uid": "u1", "name": "rs1", "kind": "ReplicaSet"}],
    },
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "app:1",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "args": ["--x"],
            },
            {"name": "side", "image": "side:1"},
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "tolerations": [{"key": "k1", "operator": "Exists"}],
    },
    "status": {"conditions": [{"type": "Ready", "status": "False"}]},
}


def smp(patch: dict[str, Any], kind: str = "Pod", doc: dict[str, Any] = POD) -> dict[str, Any]:
    return apply_strategic_merge_patch(doc, patch, kind)


def test_containers_merge_by_name() -> None:
    out = smp({"spec": {"containers": [{"name": "app", "image": "app:2"}]}})
    app, side = out["spec"]["containers"]
    assert app["image"] == "app:2"
    assert app["env"] == POD["spec"]["containers"][0]["env"]
    assert side == {"name": "side", "image": "side:1"}


def test_an_unmatched_element_leads_the_list() -> None:
    out = smp({"spec": {"containers": [{"name": "new", "image": "n"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["new", "app", "side"]


# (live names, patched names) -> result, as kube-apiserver 1.36 orders them
@pytest.mark.parametrize(("patched", "expected"), [
    (["d"], ["d", "a", "b", "c"]),
    (["d", "b"], ["d", "a", "b", "c"]),
    (["b", "d"], ["a", "b", "d", "c"]),
    (["c", "a"], ["b", "c", "a"]),
    (["d", "e"], ["d", "e", "a", "b", "c"]),
    (["b", "d", "a"], ["b", "d", "a", "c"]),
    (["c", "d"], ["a", "b", "c", "d"]),
])
def test_merged_list_order_follows_the_patch_and_the_live_list(
    patched: list[str], expected: list[str]
) -> None:
    doc = {"spec": {"containers": [{"name": n, "image": "x"} for n in "abc"]}}
    patch = {"spec": {"containers": [{"name": n, "image": "y"} for n in patched]}}
    out = smp(patch, doc=doc)
    assert [c["name"] for c in out["spec"]["containers"]] == expected


def test_env_merges_by_name_inside_a_container() -> None:
    out = smp({"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "9"}]}]}})
    assert out["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "9"},
    ]


def test_container_ports_merge_by_container_port() -> None:
    patch = {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 443}]}]}}
    ports = smp(patch)["spec"]["containers"][0]["ports"]
    assert [p["containerPort"] for p in ports] == [443, 80]


def test_args_and_tolerations_are_replaced() -> None:
    out = smp(
        {
            "spec": {
                "containers": [{"name": "app", "args": ["--y"]}],
                "tolerations": [{"key": "k2", "operator": "Exists"}],
            }
        }
    )
    assert out["spec"]["containers"][0]["args"] == ["--y"]
    assert out["spec"]["tolerations"] == [{"key": "k2", "operator": "Exists"}]


def test_conditions_merge_by_type() -> None:
    out = smp({"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "X"}]}})
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"}, {"type": "X"}]


def test_finalizers_merge_as_a_set() -> None:
    out = smp({"metadata": {"finalizers": ["a/one", "b/two"]}})
    assert out["metadata"]["finalizers"] == ["a/one", "b/two"]


def test_owner_references_merge_by_uid() -> None:
    out = smp({"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]}})
    assert out["metadata"]["ownerReferences"] == [
        {"uid": "u1", "name": "rs1", "kind": "ReplicaSet", "controller": True}
    ]


def test_delete_directive_removes_list_element() -> None:
    out = smp({"spec": {"containers": [{"name": "side", "$patch": "delete"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["app"]


def test_delete_directive_removes_a_map() -> None:
    out = smp({"spec": {"volumes": [{"name": "data", "emptyDir": {"$patch": "delete"}}]}})
    assert out["spec"]["volumes"] == [{"name": "data"}]


def test_replace_directive_in_list_replaces_the_list() -> None:
    out = smp({"spec": {"containers": [{"name": "only", "image": "o"}, {"$patch": "replace"}]}})
    assert out["spec"]["containers"] == [{"name": "only", "image": "o"}]


def test_replace_directive_in_map_replaces_the_map() -> None:
    out = smp({"metadata": {"$patch": "replace", "name": "q"}})
    assert out["metadata"] == {"name": "q"}


def test_merge_directive_is_accepted() -> None:
    out = smp({"metadata": {"$patch": "merge", "labels": {"a": "b"}}})
    assert out["metadata"]["labels"] == {"a": "b"}
    assert out["metadata"]["name"] == "p"


def test_delete_from_primitive_list() -> None:
    out = smp({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/one"]}})
    assert out["metadata"]["finalizers"] == []


def test_set_element_order_reorders_the_merged_list() -> None:
    out = smp(
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "side"}, {"name": "app"}],
                "containers": [{"name": "app", "image": "app:3"}],
            }
        }
    )
    assert [c["name"] for c in out["spec"]["containers"]] == ["side", "app"]
    assert out["spec"]["containers"][1]["image"] == "app:3"


def test_retain_keys_drops_unlisted_keys() -> None:
    patch = {
        "spec": {
            "volumes": [
                {"name": "data", "$retainKeys": ["name", "hostPath"], "hostPath": {"path": "/d"}}
            ]
        }
    }
    assert smp(patch)["spec"]["volumes"] == [{"name": "data", "hostPath": {"path": "/d"}}]


def test_service_ports_merge_by_port() -> None:
    svc = {"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    out = smp(
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}, "Service", svc
    )
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 8080}, {"port": 443}]


def test_deployment_template_containers_merge_by_name() -> None:
    dep = {"metadata": {"name": "d"}, "spec": {"template": {"spec": copy.deepcopy(POD["spec"])}}}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "s:2"}]}}}}
    containers = smp(patch, "deployments", dep)["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["app:1", "s:2"]


def test_null_deletes_a_key() -> None:
    assert "status" not in smp({"status": None})


def test_input_is_not_mutated() -> None:
    before = copy.deepcopy(POD)
    smp({"spec": {"containers": [{"name": "app", "image": "x", "env": [{"name": "C"}]}]}})
    assert before == POD


def test_element_without_merge_key_is_an_error() -> None:
    with pytest.raises(PatchError) as info:
        smp({"spec": {"containers": [{"image": "x"}]}})
    assert info.value.status == 422


def test_unknown_directive_is_malformed() -> None:
    with pytest.raises(MalformedPatch):
        smp({"metadata": {"$patch": "explode"}})


def test_custom_resources_are_refused_with_415() -> None:
    assert not supports_strategic_merge("TFJob")
    with pytest.raises(UnsupportedPatchType) as info:
        apply_strategic_merge_patch({"metadata": {}}, {"spec": {}}, "TFJob")
    assert info.value.status == 415
    assert info.value.reason == "UnsupportedMediaType"


def test_kind_and_plural_names_resolve() -> None:
    assert supports_strategic_merge("Pod")
    assert supports_strategic_merge("pods")
    assert supports_strategic_merge("configmaps")
