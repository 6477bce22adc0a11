"""The gnostic protobuf encoding of OpenAPI v2 documents (byte-level contract; the whole built-in
document is checked against the real server's bytes in ``tests/apiserver/http``)."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.openapi.protobuf_v2 import encode_document, yaml_text


@pytest.mark.parametrize(("value", "text"), [
    ("merge", "merge\n"),
    ("merge,retainKeys", "merge,retainKeys\n"),
    ("self.size > 0", "self.size > 0\n"),
    ("SIGRTMIN+1", "SIGRTMIN+1\n"),
    ("*", "'*'\n"),
    ("it's: here", "'it''s: here'\n"),
    ("", '""\n'),
    ("true", '"true"\n'),
    ("no", '"no"\n'),
    ("1.0", '"1.0"\n'),
    ("2020-01-01", '"2020-01-01"\n'),
    ("two\nlines", '"two\\nlines"\n'),
    (True, "true\n"),
    (3, "3\n"),
    (["name", "port"], "- name\n- port\n"),
    ([{"group": "apps", "kind": "Deployment", "version": "v1"}],
     "- group: apps\n  kind: Deployment\n  version: v1\n"),
    ([{"discriminator": "type", "fields": {"a": "A"}}],
     "- discriminator: type\n  fields:\n    a: A\n"),
    ({}, "{}\n"),
])
def test_values_become_the_yaml_gnostic_writes(value: Any, text: str) -> None:
    assert yaml_text(value) == text


def test_scalar_fields_are_written_in_field_order_without_zero_values() -> None:
    document = {"swagger": "2.0", "info": {"title": "T", "version": ""}, "host": ""}
    # field 1 "2.0", field 2 Info{title(1)="T"}; empty strings are proto3 zero values
    assert encode_document(document) == b"\n\x032.0\x12\x03\n\x01T"


def test_a_definition_with_properties_and_an_extension() -> None:
    document = {"definitions": {"A": {
        "type": "object",
        "required": ["x"],
        "properties": {"x": {"type": "integer", "minimum": 1}},
        "x-kubernetes-map-type": "atomic",
    }}}
    schema = (
        b"\x9a\x01\x01x"                                  # required(19) "x"
        b"\xb2\x01\x08\n\x06object"                       # type(22) TypeItem{"object"}
        b"\xca\x01\x1c\n\x1a\n\x01x\x12\x15"              # properties(25) {x: Schema(21 bytes)}
        b"I\x00\x00\x00\x00\x00\x00\xf0?"                 #   minimum(9) 1.0, fixed64
        b"\xb2\x01\t\n\x07integer"                        #   type(22) "integer"
        b'\xfa\x01"\n\x15x-kubernetes-map-type\x12\t\x12\x07atomic\n'  # extension(31), Any.yaml
    )
    named = b"\n\x01A\x12" + bytes([len(schema)]) + schema  # NamedSchema{name, value}
    definitions = b"\n" + bytes([len(named)]) + named  # Definitions{additional_properties}
    assert encode_document(document) == b"J" + bytes([len(definitions)]) + definitions


def test_parameters_are_body_query_or_references() -> None:
    operation = {"parameters": [
        {"$ref": "#/parameters/pretty"},
        {"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/A"}},
        {"name": "dryRun", "in": "query", "type": "string", "uniqueItems": True},
    ]}
    encoded = encode_document({"paths": {"/x": {"post": operation}}})
    assert b"\x12\x15\n\x13#/parameters/pretty" in encoded  # ParametersItem.json_reference
    assert b"\x12\x04body\x1a\x04body \x01" in encoded  # BodyParameter name, in, required
    query = b"\x12\x05query\"\x06dryRun2\x06string\xa0\x01\x01"  # in, name, type, uniqueItems
    assert query in encoded


def test_unsupported_document_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="not encoded"):
        encode_document({"tags": [{"name": "x"}]})
