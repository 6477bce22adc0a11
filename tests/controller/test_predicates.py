"""Predicates filter events as controller-runtime's predicate package does."""

from __future__ import annotations

from typing import Any

from kubeflow_informer.controller.predicates import (
    AnnotationChangedPredicate,
    FuncPredicate,
    GenerationChangedPredicate,
    LabelChangedPredicate,
    ResourceVersionChangedPredicate,
    all_of,
    any_of,
    not_,
    object_predicate,
)


def obj(generation: int = 1, rv: str = "1", labels: Any = None, annotations: Any = None) -> dict:
    meta: dict[str, Any] = {"name": "a", "namespace": "ns", "generation": generation,
                            "resourceVersion": rv}
    if labels is not None:
        meta["labels"] = labels
    if annotations is not None:
        meta["annotations"] = annotations
    return {"metadata": meta}


def test_generation_changed_passes_spec_changes() -> None:
    assert GenerationChangedPredicate().update(obj(1, "1"), obj(2, "2"))


def test_generation_changed_skips_status_only_updates() -> None:
    assert not GenerationChangedPredicate().update(obj(1, "1"), obj(1, "2"))


def test_generation_changed_passes_create_and_delete() -> None:
    p = GenerationChangedPredicate()
    assert p.create(obj()) and p.delete(obj()) and p.generic(obj())


def test_resource_version_changed_skips_resyncs() -> None:
    p = ResourceVersionChangedPredicate()
    assert not p.update(obj(rv="5"), obj(rv="5"))
    assert p.update(obj(rv="5"), obj(rv="6"))


def test_label_changed_compares_labels_and_treats_absent_as_empty() -> None:
    p = LabelChangedPredicate()
    assert p.update(obj(labels={"a": "1"}), obj(labels={"a": "2"}))
    assert not p.update(obj(labels={"a": "1"}, rv="1"), obj(labels={"a": "1"}, rv="2"))
    assert not p.update(obj(), obj(labels={}))


def test_annotation_changed_compares_annotations() -> None:
    p = AnnotationChangedPredicate()
    assert p.update(obj(annotations={"x": "1"}), obj(annotations={}))
    assert not p.update(obj(annotations={"x": "1"}), obj(annotations={"x": "1"}, generation=9))


def test_func_predicate_passes_event_kinds_without_a_function() -> None:
    p = FuncPredicate(update=lambda old, new: False)
    assert not p.update(obj(), obj())
    assert p.create(obj()) and p.delete(obj())


def test_object_predicate_applies_to_the_new_object_on_update() -> None:
    p = object_predicate(lambda o: o["metadata"].get("labels", {}).get("team") == "ml")
    assert p.update(obj(), obj(labels={"team": "ml"}))
    assert not p.update(obj(labels={"team": "ml"}), obj())
    assert not p.create(obj())


def test_combinators_follow_boolean_logic() -> None:
    gen, labels = GenerationChangedPredicate(), LabelChangedPredicate()
    old, new = obj(1, labels={"a": "1"}), obj(1, labels={"a": "2"})
    assert any_of(gen, labels).update(old, new)
    assert not all_of(gen, labels).update(old, new)
    assert not_(gen).update(old, new)
    assert not not_(gen).create(old)
