"""Event handlers map informer events to requests: For, Owns (ownerReferences), Watches."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.controller.predicates import GenerationChangedPredicate
from kubeflow_informer.controller.reconciler import Request
from kubeflow_informer.controller.sources import (
    EnqueueHandler,
    For,
    Owns,
    owner_mapper,
    request_for_object,
)


class RecordingQueue:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, item: Any) -> None:
        self.items.append(item)


class Tombstone:
    def __init__(self, key: str, obj: dict) -> None:
        self.key = key
        self.obj = obj


def pod(name: str, owners: list[dict] | None = None, generation: int = 1) -> dict:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "generation": generation}
    if owners is not None:
        meta["ownerReferences"] = owners
    return {"metadata": meta}


def owner_ref(kind: str, name: str, api_version: str = "apps/v1", controller: bool = True) -> dict:
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": "u-" + name,
            "controller": controller}


def test_for_handler_enqueues_the_object_itself() -> None:
    queue = RecordingQueue()
    EnqueueHandler(queue, request_for_object, (), name="t").on_add(pod("a"), False)
    assert queue.items == [Request("ns", "a")]


def test_owner_mapper_follows_only_the_controller_reference_of_the_owner_kind() -> None:
    mapper = owner_mapper("apps", "ReplicaSet", owner_namespaced=True, controller_only=True)
    child = pod("c", [
        owner_ref("ReplicaSet", "rs1"),
        owner_ref("ReplicaSet", "rs2", controller=False),
        owner_ref("Deployment", "d1"),
    ])
    assert mapper(child) == [Request("ns", "rs1")]


def test_owner_mapper_ignores_the_owner_version_but_not_its_group() -> None:
    mapper = owner_mapper("apps", "ReplicaSet", owner_namespaced=True, controller_only=True)
    assert mapper(pod("c", [owner_ref("ReplicaSet", "old", api_version="apps/v1beta2")])) == [
        Request("ns", "old")
    ]
    assert mapper(pod("c", [owner_ref("ReplicaSet", "x", api_version="other.io/v1")])) == []


def test_owner_mapper_uses_no_namespace_for_a_cluster_scoped_owner() -> None:
    mapper = owner_mapper("", "Node", owner_namespaced=False, controller_only=False)
    assert mapper(pod("c", [owner_ref("Node", "n1", api_version="v1", controller=False)])) == [
        Request(None, "n1")
    ]


def test_update_enqueues_the_owners_of_both_old_and_new_object() -> None:
    queue = RecordingQueue()
    mapper = owner_mapper("apps", "ReplicaSet", owner_namespaced=True, controller_only=True)
    handler = EnqueueHandler(queue, mapper, (), name="t")
    old, new = pod("c", [owner_ref("ReplicaSet", "a")]), pod("c", [owner_ref("ReplicaSet", "b")])
    handler.on_update(old, new)
    assert sorted(r.name for r in queue.items) == ["a", "b"]


def test_update_filtered_by_predicate_enqueues_nothing() -> None:
    queue = RecordingQueue()
    handler = EnqueueHandler(queue, request_for_object, (GenerationChangedPredicate(),), name="t")
    handler.on_update(pod("a", generation=1), pod("a", generation=1))
    assert queue.items == []
    handler.on_update(pod("a", generation=1), pod("a", generation=2))
    assert queue.items == [Request("ns", "a")]


def test_delete_of_a_tombstone_enqueues_the_object_inside() -> None:
    queue = RecordingQueue()
    EnqueueHandler(queue, request_for_object, (), name="t").on_delete(Tombstone("ns/a", pod("a")))
    assert queue.items == [Request("ns", "a")]


def test_a_failing_map_function_drops_the_event_without_raising() -> None:
    queue = RecordingQueue()

    def broken(_obj: Any) -> list[Request]:
        raise KeyError("spec")

    EnqueueHandler(queue, broken, (), name="t").on_add(pod("a"), False)
    assert queue.items == []


def test_owns_on_a_custom_resource_without_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        For("example.com/v1", "widgets").resolved_kind()
    assert For("example.com/v1", "widgets", kind="Widget").resolved_kind() == "Widget"
    assert Owns("v1", "pods").resolved_kind() == "Pod"
