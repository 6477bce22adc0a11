"""Finalizer writes are guarded JSON patches; cleanup runs only on deletion."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.controller.finalizers import Finalizer

NAME = "example.com/cleanup"


class RecordingPatcher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str | None, str]] = []

    async def patch(self, name: str, body: Any, *, namespace: str | None = None,
                    patch_type: Any = "merge") -> dict[str, Any]:
        self.calls.append((name, body, namespace, patch_type))
        return {"metadata": {"name": name, "namespace": namespace, "patched": True}}


def obj(finalizers: list[str] | None = None, deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "w", "namespace": "ns", "resourceVersion": "7"}
    if finalizers is not None:
        meta["finalizers"] = finalizers
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta}


async def test_adding_to_an_existing_list_tests_the_list_then_appends() -> None:
    patcher = RecordingPatcher()
    await Finalizer(NAME, patcher).add(obj(["other.io/keep"]))
    (_, ops, namespace, patch_type), = patcher.calls
    assert patch_type == "json" and namespace == "ns"
    assert ops == [
        {"op": "test", "path": "/metadata/finalizers", "value": ["other.io/keep"]},
        {"op": "add", "path": "/metadata/finalizers/-", "value": NAME},
    ]


async def test_adding_the_first_finalizer_is_guarded_by_the_resource_version() -> None:
    patcher = RecordingPatcher()
    await Finalizer(NAME, patcher).add(obj())
    ops = patcher.calls[0][1]
    assert ops[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "7"}
    assert ops[1] == {"op": "add", "path": "/metadata/finalizers", "value": [NAME]}


async def test_removing_tests_the_index_still_holds_our_name() -> None:
    patcher = RecordingPatcher()
    await Finalizer(NAME, patcher).remove(obj(["a.io/x", NAME, "b.io/y"]))
    assert patcher.calls[0][1] == [
        {"op": "test", "path": "/metadata/finalizers/1", "value": NAME},
        {"op": "remove", "path": "/metadata/finalizers/1"},
    ]


async def test_handle_on_a_live_object_adds_without_cleanup() -> None:
    patcher, cleaned = RecordingPatcher(), []

    async def cleanup(o: Any) -> None:
        cleaned.append(o)

    outcome = await Finalizer(NAME, patcher).handle(obj(), cleanup)
    assert outcome.added and not outcome.deleting and cleaned == []


async def test_handle_on_a_deleting_object_cleans_up_then_removes() -> None:
    patcher, cleaned = RecordingPatcher(), []

    async def cleanup(o: Any) -> None:
        cleaned.append(o["metadata"]["name"])

    outcome = await Finalizer(NAME, patcher).handle(obj([NAME], deleting=True), cleanup)
    assert outcome.deleting and outcome.removed and cleaned == ["w"]
    assert patcher.calls[0][1][1]["op"] == "remove"


async def test_a_failing_cleanup_keeps_the_finalizer() -> None:
    patcher = RecordingPatcher()

    async def cleanup(_o: Any) -> None:
        raise RuntimeError("external system down")

    with pytest.raises(RuntimeError):
        await Finalizer(NAME, patcher).handle(obj([NAME], deleting=True), cleanup)
    assert patcher.calls == []


async def test_handle_does_nothing_when_present_or_deleted_without_ours() -> None:
    patcher = RecordingPatcher()

    async def cleanup(_o: Any) -> None:
        raise AssertionError("must not run")

    fin = Finalizer(NAME, patcher)
    assert not (await fin.handle(obj([NAME]), cleanup)).added
    assert (await fin.handle(obj(["x.io/y"], deleting=True), cleanup)).deleting
    assert patcher.calls == []
