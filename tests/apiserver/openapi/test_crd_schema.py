"""How a CRD's schema is published in OpenAPI v3 and v2, and the names of its documents (each
rule was read off kube-apiserver 1.36; ``test_discovery_parity.py`` compares whole documents)."""

from __future__ import annotations

from typing import Any

import orjson

from kubeflow_informer.apiserver.data import openapi_text
from kubeflow_informer.apiserver.openapi.crd_documents import (
    CrdNames,
    crd_parts,
    operation_identifier,
    schema_name,
)
from kubeflow_informer.apiserver.openapi.crd_schema import StandardFields, v2_schema, v3_schema

GVK = {"group": "example.com", "version": "v1", "kind": "Widget"}
TEMPLATE_KIND = "@@REVERSED_GROUP@@.@@VERSION@@.@@KIND@@"


def _standard() -> StandardFields:
    template = orjson.loads(openapi_text().crd["Namespaced"]["v3"])
    return StandardFields.from_template(template["components"]["schemas"][TEMPLATE_KIND],
                                        "embedded")


def _v3(schema: dict[str, Any]) -> dict[str, Any]:
    return v3_schema(schema, _standard(), **GVK)


def _v2(schema: dict[str, Any]) -> dict[str, Any]:
    return v2_schema(schema, _standard(), **GVK)


def test_the_template_schema_publishes_as_the_real_server_published_it() -> None:
    template = orjson.loads(openapi_text().crd["Cluster"]["v3"])
    published = template["components"]["schemas"][TEMPLATE_KIND]
    schema = {"type": "object", "properties": {"embedded": {
        "type": "object", "x-kubernetes-embedded-resource": True,
        "x-kubernetes-preserve-unknown-fields": True}}}
    gvk = {"group": "@@GROUP@@", "version": "@@VERSION@@", "kind": "@@KIND@@"}
    assert v3_schema(schema, _standard(), **gvk) == published


def test_v3_adds_the_standard_fields_and_replaces_declared_metadata() -> None:
    published = _v3({"type": "object", "description": "A widget.", "properties": {
        "metadata": {"type": "object", "properties": {"name": {"type": "string"}}},
        "spec": {"type": "object"}}})
    assert list(published) == ["description", "type", "properties",
                               "x-kubernetes-group-version-kind"]
    assert list(published["properties"]) == ["apiVersion", "kind", "metadata", "spec"]
    assert published["properties"]["metadata"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    assert published["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "kind": "Widget", "version": "v1"}]


def test_v3_leaves_out_go_zero_values_but_keeps_zero_numbers_and_defaults() -> None:
    published = _v3({"type": "object", "properties": {"n": {
        "type": "integer", "minimum": 0, "default": 0, "nullable": False, "description": "",
        "x-kubernetes-preserve-unknown-fields": False}}})
    assert published["properties"]["n"] == {"type": "integer", "default": 0, "minimum": 0}


def test_v3_embedded_resources_get_standard_fields_and_int_or_string_an_any_of() -> None:
    published = _v3({"type": "object", "properties": {
        "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                     "required": ["spec"], "properties": {"spec": {"type": "object"}}},
        "port": {"x-kubernetes-int-or-string": True}}})
    template = published["properties"]["template"]
    assert template["required"] == ["spec", "kind", "apiVersion"]
    assert list(template["properties"]) == ["apiVersion", "kind", "metadata", "spec"]
    assert published["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]


def test_v3_validation_rules_keep_the_api_field_order() -> None:
    published = _v3({"type": "object", "x-kubernetes-validations": [
        {"message": "m", "rule": "self.a > 0", "optionalOldSelf": False}]})
    assert published["x-kubernetes-validations"] == [{"rule": "self.a > 0", "message": "m"}]


def test_v2_root_preserving_unknown_fields_is_a_bare_object() -> None:
    assert _v2({"type": "object", "description": "d", "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"spec": {"type": "object"}}}) == {
        "type": "object",
        "x-kubernetes-group-version-kind": [
            {"group": "example.com", "kind": "Widget", "version": "v1"}],
    }


def test_v2_drops_what_kubectl_would_misjudge() -> None:
    spec = _v2({"type": "object", "properties": {"spec": {
        "type": "object", "required": ["maybe", "size"],
        "properties": {
            "maybe": {"type": "string", "nullable": True, "maxLength": 3},
            "size": {"type": "integer", "default": 3},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"a": {"type": "string"}}},
            "choice": {"type": "object", "oneOf": [{"required": ["a"]}]},
            "port": {"x-kubernetes-int-or-string": True},
        }}}})["properties"]["spec"]
    assert spec["required"] == ["size"]
    assert spec["properties"] == {
        "choice": {"type": "object"},
        "free": {"x-kubernetes-preserve-unknown-fields": True},
        "maybe": {"maxLength": 3},
        "port": {"x-kubernetes-int-or-string": True},
        "size": {"type": "integer"},
    }


def test_v2_references_are_inline() -> None:
    published = _v2({"type": "object"})
    assert published["properties"]["metadata"] == {
        "description": published["properties"]["metadata"]["description"],
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    }


def test_operation_identifiers_follow_kube_apiserver() -> None:
    assert operation_identifier("example.com", capitalize_first=True) == "ExampleCom"
    assert operation_identifier("my-group.sub.example.io", capitalize_first=False) == (
        "myGroupSubExampleIo")
    assert operation_identifier("v1alpha2", capitalize_first=True) == "V1alpha2"
    assert schema_name("my-group.sub.example.io", "v1", "Rich") == "io.example.sub.my-group.v1.Rich"


def test_crd_parts_keep_only_the_declared_subresources() -> None:
    names = CrdNames(group="snapshot.storage.k8s.io", version="v1", kind="Snap",
                     list_kind="SnapList", plural="snaps", namespaced=False, status=True,
                     scale=False)
    parts = crd_parts(names, {"type": "object"})
    assert sorted(parts.v3_paths) == [
        "/apis/snapshot.storage.k8s.io/v1/snaps",
        "/apis/snapshot.storage.k8s.io/v1/snaps/{name}",
        "/apis/snapshot.storage.k8s.io/v1/snaps/{name}/status",
    ]
    get = parts.v3_paths["/apis/snapshot.storage.k8s.io/v1/snaps/{name}"]["get"]
    assert (get["operationId"], get["tags"]) == ("readSnapshotStorageV1Snap",
                                                 ["snapshotStorage_v1"])
    assert "io.k8s.api.autoscaling.v1.Scale" not in parts.v3_schemas
    assert set(parts.v2_definitions) == {"io.k8s.storage.snapshot.v1.Snap",
                                         "io.k8s.storage.snapshot.v1.SnapList"}
    assert set(parts.v2_paths) == set(parts.v3_paths)
