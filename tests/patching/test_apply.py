"""Server-side apply subset: merge, ownership in managedFields, removal and conflicts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from kubeflow_informer.apiserver.patching import (
    ApplyConflict,
    MalformedPatch,
    apply_server_side,
    decode_fields,
    update_managed_fields,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def deployment(replicas: int = 1, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "ns", "labels": labels or {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "app", "image": "app:1"}]}},
        },
    }


def apply(
    live: dict[str, Any] | None, cfg: dict[str, Any], manager: str = "mgr", force: bool = False
) -> dict[str, Any]:
    return apply_server_side(
        live, cfg, field_manager=manager, force=force, kind="Deployment", now=NOW
    )


def entry(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    return next(e for e in obj["metadata"]["managedFields"] if e["manager"] == manager)


def test_create_records_fields_v1_ownership() -> None:
    out = apply(None, deployment())
    assert out["spec"]["replicas"] == 1
    e = entry(out, "mgr")
    assert e["operation"] == "Apply"
    assert e["apiVersion"] == "apps/v1"
    assert e["fieldsType"] == "FieldsV1"
    assert e["time"] == "2026-01-02T03:04:05Z"
    containers = e["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers == {'k:{"name":"app"}': {".": {}, "f:image": {}, "f:name": {}}}
    assert "f:name" not in e["fieldsV1"]["f:metadata"]
    assert e["fieldsV1"]["f:metadata"]["f:labels"] == {"f:app": {}}


def test_reapply_merges_associative_lists() -> None:
    live = apply(None, deployment())
    live["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    cfg = deployment()
    cfg["spec"]["template"]["spec"]["containers"][0]["image"] = "app:2"
    out = apply(live, cfg)
    container = out["spec"]["template"]["spec"]["containers"][0]
    assert container == {"name": "app", "image": "app:2", "resources": {"limits": {"cpu": "1"}}}


def test_field_omitted_by_same_manager_is_removed() -> None:
    live = apply(None, deployment(labels={"app": "web", "tier": "front"}))
    out = apply(live, deployment(labels={"app": "web"}))
    assert out["metadata"]["labels"] == {"app": "web"}
    assert ("f:metadata", "f:labels", "f:tier") not in decode_fields(entry(out, "mgr")["fieldsV1"])


def test_omitted_field_owned_by_another_manager_is_kept() -> None:
    live = apply(None, deployment(labels={"app": "web", "tier": "front"}))
    live = apply(live, deployment(labels={"tier": "front"}), manager="other")
    out = apply(live, deployment(labels={"app": "web"}))
    assert out["metadata"]["labels"] == {"app": "web", "tier": "front"}


def test_removed_list_element_is_deleted() -> None:
    cfg = deployment()
    cfg["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "s"})
    live = apply(None, cfg)
    out = apply(live, deployment())
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["app"]


def test_conflict_with_other_manager_lists_fields() -> None:
    live = apply(None, deployment(replicas=1))
    with pytest.raises(ApplyConflict) as info:
        apply(live, deployment(replicas=3), manager="other")
    assert info.value.status == 409
    assert ("mgr", ".spec.replicas") in info.value.conflicts


def test_same_value_is_shared_not_conflict() -> None:
    live = apply(None, deployment(replicas=1))
    out = apply(live, deployment(replicas=1), manager="other")
    assert ("f:spec", "f:replicas") in decode_fields(entry(out, "mgr")["fieldsV1"])
    assert ("f:spec", "f:replicas") in decode_fields(entry(out, "other")["fieldsV1"])


def test_force_takes_ownership() -> None:
    live = apply(None, deployment(replicas=1))
    out = apply(live, deployment(replicas=3), manager="other", force=True)
    assert out["spec"]["replicas"] == 3
    assert ("f:spec", "f:replicas") not in decode_fields(entry(out, "mgr")["fieldsV1"])
    assert ("f:spec", "f:replicas") in decode_fields(entry(out, "other")["fieldsV1"])


def test_update_takes_changed_fields_and_then_apply_conflicts() -> None:
    live = apply(None, deployment(replicas=1))
    changed = copy.deepcopy(live)
    changed["spec"]["replicas"] = 5
    live = update_managed_fields(live, changed, field_manager="controller", kind="Deployment")
    ctrl = entry(live, "controller")
    assert ctrl["operation"] == "Update"
    assert decode_fields(ctrl["fieldsV1"]) == {("f:spec", "f:replicas")}
    with pytest.raises(ApplyConflict) as info:
        apply(live, deployment(replicas=2))
    assert info.value.conflicts == [("controller", ".spec.replicas")]


def test_inputs_are_not_mutated() -> None:
    live = apply(None, deployment())
    before = copy.deepcopy(live)
    cfg = deployment(replicas=4)
    cfg_before = copy.deepcopy(cfg)
    apply(live, cfg)
    assert live == before
    assert cfg == cfg_before


def test_custom_resources_apply_with_atomic_lists() -> None:
    cr = {"apiVersion": "x/v1", "kind": "TFJob", "metadata": {"name": "t"}, "spec": {"l": [1, 2]}}
    live = apply_server_side(None, cr, field_manager="m", force=False, kind="TFJob")
    cr2 = copy.deepcopy(cr)
    cr2["spec"]["l"] = [3]
    out = apply_server_side(live, cr2, field_manager="m", force=False, kind="TFJob")
    assert out["spec"]["l"] == [3]


def test_missing_field_manager_is_malformed() -> None:
    with pytest.raises(MalformedPatch):
        apply_server_side(None, deployment(), field_manager="", force=False, kind="Deployment")


# (live names, applied names) -> result, as kube-apiserver 1.36 orders them
@pytest.mark.parametrize(("applied", "expected"), [
    (["d"], ["a", "b", "c", "d"]),
    (["d", "b"], ["a", "d", "b", "c"]),
    (["b", "d"], ["a", "b", "c", "d"]),
    (["c", "a"], ["b", "c", "a"]),
])
def test_applied_list_order_keeps_live_elements_and_follows_the_configuration(
    applied: list[str], expected: list[str]
) -> None:
    live = deployment()
    live["spec"]["template"]["spec"]["containers"] = [{"name": n, "image": "x"} for n in "abc"]
    live = update_managed_fields(None, live, field_manager="creator", kind="Deployment", now=NOW)
    cfg = deployment()
    cfg["spec"]["template"]["spec"]["containers"] = [{"name": n, "image": "y"} for n in applied]
    out = apply(live, cfg, force=True)
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == expected
