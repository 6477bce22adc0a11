from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.cache import Indexer, namespace_index
from kubeflow_informer.cache.indexer import IndexerConflictError

from .cache_fakes import pod


def by_node(obj: dict[str, Any]) -> list[str]:
    node = obj.get("spec", {}).get("nodeName")
    return [node] if node else []


def make() -> Indexer:
    return Indexer({"namespace": namespace_index, "node": by_node})


def on_node(name: str, node: str, namespace: str = "default") -> dict[str, Any]:
    obj = pod(name, namespace)
    obj["spec"]["nodeName"] = node
    return obj


def test_objects_are_keyed_by_namespace_and_name() -> None:
    idx = make()
    obj = pod("a", "ns1")
    idx.add(obj)
    assert idx.get_by_key("ns1/a") is obj
    assert idx.list_keys() == ["ns1/a"]
    assert idx.list() == [obj]


def test_cluster_scoped_objects_are_keyed_by_name() -> None:
    idx = make()
    node = {"metadata": {"name": "node-1"}}
    idx.add(node)
    assert idx.get_by_key("node-1") is node
    assert idx.by_index("namespace", "") == [node]


def test_by_index_returns_objects_with_that_value() -> None:
    idx = make()
    idx.add(pod("a", "ns1"))
    idx.add(pod("b", "ns2"))
    idx.add(pod("c", "ns1"))
    assert sorted(o["metadata"]["name"] for o in idx.by_index("namespace", "ns1")) == ["a", "c"]
    assert sorted(idx.index_keys("namespace", "ns2")) == ["ns2/b"]


def test_update_moves_object_between_index_values() -> None:
    idx = make()
    idx.add(on_node("a", "n1"))
    idx.update(on_node("a", "n2"))
    assert idx.index_keys("node", "n1") == []
    assert idx.index_keys("node", "n2") == ["default/a"]


def test_index_values_without_objects_disappear() -> None:
    idx = make()
    idx.add(on_node("a", "n1"))
    idx.delete("default/a")
    assert idx.list_index_values("node") == []
    assert idx.list_index_values("namespace") == []


def test_delete_returns_the_stored_object() -> None:
    idx = make()
    obj = pod("a")
    idx.add(obj)
    assert idx.delete(pod("a")) is obj
    assert idx.delete("default/a") is None


def test_add_indexers_indexes_existing_objects() -> None:
    idx = Indexer()
    idx.add(on_node("a", "n1"))
    idx.add_indexers({"node": by_node})
    assert idx.index_keys("node", "n1") == ["default/a"]


def test_adding_an_existing_index_name_is_rejected() -> None:
    idx = make()
    with pytest.raises(IndexerConflictError):
        idx.add_indexers({"node": by_node})


def test_replace_rebuilds_content_and_indexes() -> None:
    idx = make()
    idx.add(on_node("a", "n1"))
    idx.replace([on_node("b", "n2")])
    assert idx.list_keys() == ["default/b"]
    assert idx.list_index_values("node") == ["n2"]


def test_index_returns_objects_sharing_any_value() -> None:
    idx = make()
    idx.add(on_node("a", "n1"))
    idx.add(on_node("b", "n1"))
    idx.add(on_node("c", "n2"))
    names = sorted(o["metadata"]["name"] for o in idx.index("node", on_node("x", "n1")))
    assert names == ["a", "b"]


def test_unknown_index_raises_key_error() -> None:
    with pytest.raises(KeyError):
        make().by_index("owner", "x")


def test_update_returns_previous_object() -> None:
    idx = make()
    first = pod("a")
    idx.add(first)
    assert idx.update(pod("a")) is first
