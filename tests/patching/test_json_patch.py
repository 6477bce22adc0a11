"""RFC 6902 JSON patch."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubeflow_informer.apiserver.patching import (
    MalformedPatch,
    PatchError,
    PatchTestFailed,
    apply_json_patch,
)

DOC: dict[str, Any] = {"metadata": {"name": "a", "labels": {"x/y": "1"}}, "spec": {"l": [1, 2, 3]}}


def test_add_replace_remove() -> None:
    out = apply_json_patch(
        DOC,
        [
            {"op": "add", "path": "/spec/n", "value": 5},
            {"op": "replace", "path": "/metadata/name", "value": "b"},
            {"op": "remove", "path": "/spec/l/0"},
        ],
    )
    assert out == {"metadata": {"name": "b", "labels": {"x/y": "1"}}, "spec": {"l": [2, 3], "n": 5}}


def test_input_document_and_ops_are_not_mutated() -> None:
    doc = copy.deepcopy(DOC)
    value = {"deep": [1]}
    ops = [{"op": "add", "path": "/spec/v", "value": value}]
    out = apply_json_patch(doc, ops)
    out["spec"]["v"]["deep"].append(2)
    assert doc == DOC
    assert value == {"deep": [1]}


def test_pointer_escapes() -> None:
    out = apply_json_patch(DOC, [{"op": "replace", "path": "/metadata/labels/x~1y", "value": "2"}])
    assert out["metadata"]["labels"] == {"x/y": "2"}
    out = apply_json_patch({"a~b": 1}, [{"op": "remove", "path": "/a~0b"}])
    assert out == {}


def test_dash_appends_and_index_inserts() -> None:
    out = apply_json_patch(
        DOC,
        [
            {"op": "add", "path": "/spec/l/-", "value": 4},
            {"op": "add", "path": "/spec/l/0", "value": 0},
        ],
    )
    assert out["spec"]["l"] == [0, 1, 2, 3, 4]


def test_move_and_copy() -> None:
    out = apply_json_patch(
        DOC,
        [
            {"op": "copy", "from": "/spec/l", "path": "/spec/c"},
            {"op": "move", "from": "/metadata/name", "path": "/spec/name"},
        ],
    )
    assert out["spec"] == {"l": [1, 2, 3], "c": [1, 2, 3], "name": "a"}
    assert "name" not in out["metadata"]


def test_move_into_own_child_is_rejected() -> None:
    with pytest.raises(PatchError):
        apply_json_patch(DOC, [{"op": "move", "from": "/spec", "path": "/spec/x"}])


def test_failed_test_raises_patch_test_failed_with_422() -> None:
    with pytest.raises(PatchTestFailed) as info:
        apply_json_patch(DOC, [{"op": "test", "path": "/metadata/name", "value": "zzz"}])
    assert info.value.status == 422


def test_test_distinguishes_booleans_from_numbers() -> None:
    with pytest.raises(PatchTestFailed):
        apply_json_patch({"a": True}, [{"op": "test", "path": "/a", "value": 1}])
    apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}])


def test_passing_test_applies_following_ops() -> None:
    out = apply_json_patch(
        DOC,
        [
            {"op": "test", "path": "/spec/l", "value": [1, 2, 3]},
            {"op": "replace", "path": "/spec/l/1", "value": 9},
        ],
    )
    assert out["spec"]["l"] == [1, 9, 3]


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/nope"}],
        [{"op": "replace", "path": "/spec/missing", "value": 1}],
        [{"op": "add", "path": "/missing/child", "value": 1}],
        [{"op": "add", "path": "/spec/l/9", "value": 1}],
        [{"op": "remove", "path": "/spec/l/01"}],
        [{"op": "remove", "path": "/spec/l/-"}],
    ],
)
def test_ops_that_do_not_apply_are_422(ops: list[dict[str, Any]]) -> None:
    with pytest.raises(PatchError) as info:
        apply_json_patch(DOC, ops)
    assert info.value.status == 422


@pytest.mark.parametrize(
    "ops",
    [
        {"op": "add"},
        [{"op": "frobnicate", "path": "/a"}],
        [{"op": "add", "path": "/a"}],
        [{"op": "add", "path": "a", "value": 1}],
        [{"path": "/a"}],
        ["not-an-op"],
        [{"op": "remove", "path": "/a~2"}],
    ],
)
def test_malformed_patches_are_400(ops: Any) -> None:
    with pytest.raises(MalformedPatch) as info:
        apply_json_patch(DOC, ops)
    assert info.value.status == 400
