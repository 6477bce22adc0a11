"""The Services-by-selector index: candidates through index look-ups, then a full match."""

from __future__ import annotations

from typing import Any

from examples.pod_detector.service_index import (
    SELECTOR_PAIR_INDEX,
    ServiceIndex,
    selector_pair_index,
    selects,
)
from kubeflow_informer.cache import Indexer, Lister


def service(name: str, selector: dict[str, str] | None, namespace: str = "shop") -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {"metadata": {"name": name, "namespace": namespace}, "spec": spec}


def index_of(*services: dict[str, Any]) -> ServiceIndex:
    indexer = Indexer({SELECTOR_PAIR_INDEX: selector_pair_index})
    for svc in services:
        indexer.add(svc)
    lister = Lister(indexer)
    return ServiceIndex(lambda namespace: lister)


def names(found: list[dict[str, Any]]) -> list[str]:
    return [s["metadata"]["name"] for s in found]


def test_index_values_are_namespaced_selector_pairs() -> None:
    values = selector_pair_index(service("web", {"app": "web", "tier": "front"}))
    assert sorted(values) == ["shop/app=web", "shop/tier=front"]


def test_service_without_selector_is_not_indexed_and_selects_nothing() -> None:
    headless = service("external-db", None)
    assert selector_pair_index(headless) == []
    assert not selects(headless, {"app": "db"})


def test_finds_services_whose_whole_selector_matches() -> None:
    index = index_of(
        service("web", {"app": "web"}),
        service("web-canary", {"app": "web", "track": "canary"}),
        service("cart", {"app": "cart"}),
    )
    assert names(index.services_for("shop", {"app": "web", "track": "stable"})) == ["web"]
    assert names(index.services_for("shop", {"app": "web", "track": "canary"})) == [
        "web", "web-canary",
    ]


def test_partial_selector_match_is_not_a_match() -> None:
    index = index_of(service("web-canary", {"app": "web", "track": "canary"}))
    assert index.services_for("shop", {"app": "web"}) == []


def test_services_of_other_namespaces_never_match() -> None:
    index = index_of(service("web", {"app": "web"}, namespace="staging"))
    assert index.services_for("shop", {"app": "web"}) == []


def test_pod_without_labels_has_no_services() -> None:
    index = index_of(service("web", {"app": "web"}))
    assert index.services_for("shop", None) == []
    assert index.services_for_pod({"metadata": {"name": "p", "namespace": "shop"}}) == []


def test_unwatched_namespace_has_no_services() -> None:
    assert ServiceIndex(lambda namespace: None).services_for("shop", {"app": "web"}) == []


def test_lookup_touches_only_the_index_buckets_of_the_pod_labels() -> None:
    """O(labels): Services sharing no label pair with the Pod are never even looked at."""
    indexer = Indexer({SELECTOR_PAIR_INDEX: selector_pair_index})
    for i in range(200):
        indexer.add(service(f"other-{i}", {"app": f"other-{i}"}))
    indexer.add(service("web", {"app": "web"}))
    looked_up: list[str] = []
    original = indexer.by_index

    def spy(index_name: str, value: str) -> list[dict[str, Any]]:
        found = original(index_name, value)
        looked_up.extend(s["metadata"]["name"] for s in found)
        return found

    indexer.by_index = spy  # type: ignore[method-assign]
    lister = Lister(indexer)
    found = ServiceIndex(lambda namespace: lister).services_for("shop", {"app": "web", "x": "y"})
    assert names(found) == ["web"]
    assert looked_up == ["web"]
