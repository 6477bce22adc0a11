"""RFC 7386 JSON merge patch."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.patching import MalformedPatch, apply_merge_patch


def test_objects_merge_and_null_deletes() -> None:
    doc = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"x": 1}}
    out = apply_merge_patch(doc, {"metadata": {"labels": {"a": None, "c": "3"}}, "spec": None})
    assert out == {"metadata": {"labels": {"b": "2", "c": "3"}}}


def test_lists_are_replaced() -> None:
    out = apply_merge_patch({"l": [1, 2, 3]}, {"l": [4]})
    assert out == {"l": [4]}


def test_patch_object_replaces_scalar_target() -> None:
    assert apply_merge_patch({"a": 5}, {"a": {"b": 1, "c": None}}) == {"a": {"b": 1}}


def test_inputs_are_not_mutated() -> None:
    doc = {"a": {"b": 1}}
    patch = {"a": {"c": [1]}}
    out = apply_merge_patch(doc, patch)
    out["a"]["c"].append(2)
    assert doc == {"a": {"b": 1}}
    assert patch == {"a": {"c": [1]}}


def test_non_object_patch_is_malformed() -> None:
    with pytest.raises(MalformedPatch):
        apply_merge_patch({}, [1])
