from __future__ import annotations

import copy
from typing import Any

import orjson

from kubeflow_informer.cache import intern_strings, lean_object, strip_managed_fields

from .cache_fakes import pod


def decoded(obj: dict[str, Any]) -> dict[str, Any]:
    # What the reflector hands a transform: a fresh orjson decode nothing else references.
    return orjson.loads(orjson.dumps(obj))


def rich_pod(name: str) -> dict[str, Any]:
    obj = pod(name, app="web")
    obj["metadata"]["managedFields"] = [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]
    obj["spec"]["containers"] = [
        {"name": "app", "image": "registry.example/app:1.2", "args": ["--port", "8080"]},
    ]
    obj["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    return obj


def test_strip_managed_fields_removes_only_managed_fields() -> None:
    obj = decoded(rich_pod("a"))
    expected = copy.deepcopy(obj)
    del expected["metadata"]["managedFields"]
    assert strip_managed_fields(obj) == expected


def test_intern_strings_shares_equal_values_across_objects_without_changing_them() -> None:
    first, second = decoded(rich_pod("a")), decoded(rich_pod("b"))
    before = copy.deepcopy(second)
    assert first["spec"]["containers"][0]["image"] is not second["spec"]["containers"][0]["image"]
    intern_strings(first)
    assert intern_strings(second) is second
    assert second == before
    assert first["spec"]["containers"][0]["image"] is second["spec"]["containers"][0]["image"]
    assert first["spec"]["containers"][0]["args"][1] is second["spec"]["containers"][0]["args"][1]
    assert first["status"]["conditions"][0]["type"] is second["status"]["conditions"][0]["type"]
    assert first["metadata"]["labels"]["app"] is second["metadata"]["labels"]["app"]


def test_lean_object_strips_and_interns_and_is_idempotent() -> None:
    first, second = decoded(rich_pod("a")), decoded(rich_pod("b"))
    lean_object(first)
    once = copy.deepcopy(lean_object(second))
    assert "managedFields" not in second["metadata"]
    assert first["status"]["phase"] is second["status"]["phase"]
    assert lean_object(second) == once
    assert lean_object({"kind": "Status", "metadata": None}) == {"kind": "Status", "metadata": None}
