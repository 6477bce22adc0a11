"""List: order, selectors, pagination over a snapshot, resourceVersion rules."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.errors import BadRequest, Expired, Invalid, ServerTimeout
from kubeflow_informer.selectors import FieldSelector, LabelSelector

from .conftest import configmap, modified, pod


def _seed(storage: Storage, configmaps: ResourceInfo, count: int) -> None:
    for i in range(count):
        storage.create(configmaps, configmap(f"cm-{i:03d}"), namespace="default")


def test_items_are_sorted_by_key(
    storage: Storage, configmaps: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "alpha"}}, namespace=None)
    for ns, name in (("default", "b"), ("alpha", "z"), ("default", "a")):
        storage.create(configmaps, configmap(name, namespace=ns), namespace=ns)
    assert [s.key for s in storage.list(configmaps).items] == ["alpha/z", "default/a", "default/b"]


def test_namespace_restricts_the_list(
    storage: Storage, configmaps: ResourceInfo, namespaces: ResourceInfo
) -> None:
    storage.create(namespaces, {"metadata": {"name": "def"}}, namespace=None)
    storage.create(configmaps, configmap("x", namespace="def"), namespace="def")
    storage.create(configmaps, configmap("y"), namespace="default")
    assert [s.key for s in storage.list(configmaps, namespace="def").items] == ["def/x"]


def test_list_resource_version_is_the_current_one(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    _seed(storage, configmaps, 2)
    assert storage.list(configmaps).resource_version == storage.resource_version


def test_label_selector_filters(storage: Storage, pods: ResourceInfo) -> None:
    storage.create(pods, pod("a", app="web"), namespace="default")
    storage.create(pods, pod("b", app="db"), namespace="default")
    storage.create(pods, pod("c"), namespace="default")
    names = [
        s.name
        for s in storage.list(pods, label_selector=LabelSelector.parse("app in (web,db)")).items
    ]
    assert names == ["a", "b"]
    names = [s.name for s in storage.list(pods, label_selector=LabelSelector.parse("!app")).items]
    assert names == ["c"]


def test_field_selector_on_pod_phase(storage: Storage, pods: ResourceInfo) -> None:
    running = pod("a")
    running["status"] = {"phase": "Running"}
    storage.create(pods, running, namespace="default")
    storage.create(pods, pod("b"), namespace="default")
    selected = storage.list(pods, field_selector=FieldSelector.parse("status.phase=Running")).items
    assert [s.name for s in selected] == ["a"]


def test_field_selector_on_name(storage: Storage, configmaps: ResourceInfo) -> None:
    _seed(storage, configmaps, 3)
    selected = storage.list(configmaps, field_selector=FieldSelector.parse("metadata.name!=cm-001"))
    assert [s.name for s in selected.items] == ["cm-000", "cm-002"]


def test_unsupported_field_selector_is_bad_request(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(BadRequest) as caught:
        storage.list(configmaps, field_selector=FieldSelector.parse("spec.nodeName=n1"))
    assert caught.value.message == ('"spec.nodeName" is not a known field selector: only '
                                    '"metadata.name", "metadata.namespace"')


def test_limit_gives_a_continue_token_and_remaining_count(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    _seed(storage, configmaps, 5)
    first = storage.list(configmaps, limit=2)
    assert [s.name for s in first.items] == ["cm-000", "cm-001"]
    assert first.continue_token is not None
    assert first.remaining_item_count == 3


def test_continue_walks_every_item_once(storage: Storage, configmaps: ResourceInfo) -> None:
    _seed(storage, configmaps, 7)
    names, token = [], None
    while True:
        page = storage.list(configmaps, limit=3, continue_token=token)
        names += [s.name for s in page.items]
        token = page.continue_token
        if token is None:
            break
    assert names == [f"cm-{i:03d}" for i in range(7)]


def test_last_page_has_no_continue_token(storage: Storage, configmaps: ResourceInfo) -> None:
    _seed(storage, configmaps, 4)
    page = storage.list(configmaps, limit=4)
    assert page.continue_token is None
    assert page.remaining_item_count is None


def test_pages_come_from_the_first_page_snapshot(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    _seed(storage, configmaps, 4)
    first = storage.list(configmaps, limit=2)
    storage.delete(configmaps, "default", "cm-003")
    storage.create(configmaps, configmap("cm-002a"), namespace="default")
    changed = modified(storage.get(configmaps, "default", "cm-002").obj, data={"k": "v"})
    storage.update(configmaps, changed, namespace="default", name="cm-002")
    second = storage.list(configmaps, limit=2, continue_token=first.continue_token)
    assert [s.name for s in second.items] == ["cm-002", "cm-003"]
    assert second.items[0].obj["data"] == {}
    assert second.resource_version == first.resource_version


def test_continue_after_compaction_is_expired_with_an_inconsistent_continuation(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    _seed(storage, configmaps, 4)
    first = storage.list(configmaps, limit=2)
    storage.create(configmaps, configmap("zz-late"), namespace="default")
    storage.compact()
    with pytest.raises(Expired) as caught:
        storage.list(configmaps, limit=2, continue_token=first.continue_token)
    assert caught.value.status == 410
    assert caught.value.message.startswith(
        "The provided continue parameter is too old to display a consistent list result."
    )
    assert "use the continue token in this response" in caught.value.message
    token = caught.value.status_object["metadata"]["continue"]
    rest = storage.list(configmaps, limit=10, continue_token=token)
    names = [item.obj["metadata"]["name"] for item in rest.items]
    last_of_first = first.items[-1].obj["metadata"]["name"]
    assert names and all(name > last_of_first for name in names)
    assert "zz-late" in names  # the current state: created after the first page
    assert rest.resource_version == storage.resource_version


def test_garbage_continue_token_is_bad_request(storage: Storage, configmaps: ResourceInfo) -> None:
    with pytest.raises(BadRequest):
        storage.list(configmaps, continue_token="not-a-token")


def test_exact_resource_version_serves_the_past_state(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a", k="1"), namespace="default")
    then = storage.resource_version
    storage.update(configmaps, configmap("a", k="2"), namespace="default", name="a")
    storage.create(configmaps, configmap("b"), namespace="default")
    past = storage.list(configmaps, resource_version=str(then), resource_version_match="Exact")
    assert [(s.name, s.obj["data"]) for s in past.items] == [("a", {"k": "1"})]
    assert past.resource_version == then


def test_exact_resource_version_outside_the_window_is_expired(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    then = storage.resource_version
    storage.create(configmaps, configmap("b"), namespace="default")
    storage.compact()
    with pytest.raises(Expired) as caught:
        storage.list(configmaps, resource_version=str(then), resource_version_match="Exact")
    assert caught.value.message == "The resourceVersion for the provided list is too old."


def test_not_older_than_serves_the_current_state(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    storage.create(configmaps, configmap("a"), namespace="default")
    then = storage.resource_version
    storage.create(configmaps, configmap("b"), namespace="default")
    result = storage.list(
        configmaps, resource_version=str(then), resource_version_match="NotOlderThan"
    )
    assert [s.name for s in result.items] == ["a", "b"]
    assert result.resource_version == storage.resource_version


def test_resource_version_zero_serves_the_current_state(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    _seed(storage, configmaps, 2)
    assert len(storage.list(configmaps, resource_version="0").items) == 2


def test_future_resource_version_is_too_large(storage: Storage, configmaps: ResourceInfo) -> None:
    future = storage.resource_version + 10
    with pytest.raises(ServerTimeout) as caught:
        storage.list(
            configmaps, resource_version=str(future), resource_version_match="NotOlderThan"
        )
    err = caught.value
    assert err.status == 504
    assert err.message.startswith(f"Timeout: Too large resource version: {future}, current:")
    assert err.status_object["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"


def test_resource_version_match_without_resource_version_is_invalid(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(Invalid):
        storage.list(configmaps, resource_version_match="NotOlderThan")


def test_exact_match_with_resource_version_zero_is_invalid(
    storage: Storage, configmaps: ResourceInfo
) -> None:
    with pytest.raises(Invalid):
        storage.list(configmaps, resource_version="0", resource_version_match="Exact")


def test_selected_pagination_has_no_remaining_count(storage: Storage, pods: ResourceInfo) -> None:
    for i in range(4):
        storage.create(pods, pod(f"p{i}", app="web"), namespace="default")
    page = storage.list(pods, label_selector=LabelSelector.parse("app=web"), limit=2)
    assert page.continue_token is not None
    assert page.remaining_item_count is None
