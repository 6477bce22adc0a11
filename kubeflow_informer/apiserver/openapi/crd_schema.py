"""The schema a custom resource publishes in OpenAPI, from its CRD version's ``openAPIV3Schema``.

apiextensions-apiserver publishes a CRD's structural schema with the Kubernetes fields added, in
two forms (rules observed on kube-apiserver 1.36 and pinned by tests against it):

OpenAPI v3 (:func:`v3_schema`), what ``kubectl explain`` reads:

* the schema as written, minus the zero values Go leaves out (``false``, ``""``, empty lists and
  maps), keys in kube-openapi's order (extensions last, sorted), properties sorted by name;
* ``apiVersion``, ``kind`` and ``metadata`` (a reference to ``ObjectMeta``) replace whatever the
  root declares for them, and the root gets ``x-kubernetes-group-version-kind``;
* an ``x-kubernetes-embedded-resource`` object gets its own ``apiVersion``, ``kind`` and
  ``metadata`` and requires ``kind`` and ``apiVersion``;
* an ``x-kubernetes-int-or-string`` field without ``anyOf`` gets ``anyOf: [integer, string]``;
* references are wrapped in ``allOf`` when they carry a description.

OpenAPI v2 (:func:`v2_schema`), what kubectl's client-side validation reads, is stripped of
what v2 cannot say or kubectl would misjudge: ``default``, ``allOf``/``oneOf``/``anyOf``/``not``
are dropped; a ``nullable`` field loses its ``type``, ``properties`` and ``items`` and leaves its
parent's ``required``; an ``x-kubernetes-preserve-unknown-fields`` field loses ``type``,
``properties`` and ``items`` (and, embedded, gets no standard fields); an array left without
``items`` loses its ``type``; a root that preserves unknown fields is published as a bare object.
References are inline (``{"description": ..., "$ref": ...}``).

The standard fields (their descriptions) are not written here: :class:`StandardFields` takes
them from the captured template of a CRD's document (``apiserver/data``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["StandardFields", "v2_schema", "v3_schema", "v3_to_v2_references"]

V3_REF = "#/components/schemas/"
V2_REF = "#/definitions/"

# kube-openapi's order of schema keys (its struct field order); extensions follow, sorted.
_KEY_ORDER = {
    key: rank
    for rank, key in enumerate((
        "description", "$ref", "type", "nullable", "format", "title", "default", "maximum",
        "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
        "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
        "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties",
        "additionalProperties", "discriminator", "readOnly", "externalDocs", "example",
    ))
}
_VALIDATION_RULE_ORDER = ("rule", "message", "messageExpression", "reason", "fieldPath",
                          "optionalOldSelf")
_SUBSCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
_V2_DROPPED = ("default", "allOf", "oneOf", "anyOf", "not")
_UNKNOWN_FIELDS = "x-kubernetes-preserve-unknown-fields"
_EMBEDDED = "x-kubernetes-embedded-resource"
_INT_OR_STRING = "x-kubernetes-int-or-string"


@dataclass(frozen=True)
class StandardFields:
    """The v3 property schemas the server adds: at the root of a custom resource
    (``apiVersion``, ``kind``, ``metadata``) and to an embedded resource."""

    root: Mapping[str, Any]
    embedded: Mapping[str, Any]

    @classmethod
    def from_template(cls, kind_schema: Mapping[str, Any], embedded_property: str
                      ) -> StandardFields:
        """From the published schema of the template CRD (``tools/capture_kubernetes_api.py``)."""
        properties = kind_schema["properties"]
        root = {key: properties[key] for key in ("apiVersion", "kind", "metadata")}
        embedded = properties[embedded_property]["properties"]
        return cls(root=root, embedded={key: embedded[key] for key in root})


def _is_zero(value: Any) -> bool:
    return value is False or value == "" or value == [] or value == {} or value is None


def _ordered(schema: dict[str, Any]) -> dict[str, Any]:
    known = sorted((k for k in schema if k in _KEY_ORDER), key=_KEY_ORDER.__getitem__)
    extensions = sorted(k for k in schema if k not in _KEY_ORDER)
    return {key: schema[key] for key in (*known, *extensions)}


def _validation_rules(rules: list[Any]) -> list[Any]:
    return [
        {key: rule[key] for key in _VALIDATION_RULE_ORDER
         if key in rule and not _is_zero(rule[key])}
        if isinstance(rule, Mapping) else rule
        for rule in rules
    ]


def _structural(schema: Mapping[str, Any], standard: StandardFields) -> dict[str, Any]:
    """The v3 form of one node and its children, standard fields of embedded resources added."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in ("default", "example") and _is_zero(value):
            continue  # what Go's omitempty leaves out (numbers are pointers: 0 stays)
        if key == "properties" and isinstance(value, Mapping):
            out[key] = {name: _structural(value[name], standard) for name in sorted(value)}
        elif key in ("items", "not", "additionalProperties") and isinstance(value, Mapping):
            out[key] = _structural(value, standard)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_structural(item, standard) for item in value]
        elif key == "x-kubernetes-validations" and isinstance(value, list):
            out[key] = _validation_rules(value)
        else:
            out[key] = value
    if out.get(_INT_OR_STRING) and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get(_EMBEDDED):
        _add_fields(out, standard.embedded)
        required = list(out.get("required") or [])
        out["required"] = required + [k for k in ("kind", "apiVersion") if k not in required]
    return _ordered(out)


def _add_fields(schema: dict[str, Any], fields: Mapping[str, Any]) -> None:
    properties = dict(schema.get("properties") or {})
    properties.update(fields)
    schema["properties"] = {name: properties[name] for name in sorted(properties)}


def _gvk(group: str, version: str, kind: str) -> list[dict[str, str]]:
    return [{"group": group, "kind": kind, "version": version}]


def v3_schema(schema: Mapping[str, Any], standard: StandardFields, *, group: str, version: str,
              kind: str) -> dict[str, Any]:
    """The published OpenAPI v3 schema of a custom resource (see the module docstring)."""
    out = _structural(schema, standard)
    _add_fields(out, standard.root)
    out["x-kubernetes-group-version-kind"] = _gvk(group, version, kind)
    return _ordered(out)


def _v2_node(schema: Mapping[str, Any], root: bool = False) -> dict[str, Any]:
    out = {key: value for key, value in schema.items() if key not in _V2_DROPPED}
    if out.pop("nullable", False) or (out.get(_UNKNOWN_FIELDS) and not root):
        for key in ("type", "properties", "items"):
            out.pop(key, None)
        if out.get(_EMBEDDED) and out.get(_UNKNOWN_FIELDS):
            out.pop("required", None)  # the standard fields it would have required are gone
    properties = out.get("properties")
    if isinstance(properties, Mapping):
        nullable = {name for name, child in properties.items() if child.get("nullable")}
        out["properties"] = {name: _v2_node(child) for name, child in properties.items()}
        if nullable and "required" in out:
            out["required"] = [name for name in out["required"] if name not in nullable]
            if not out["required"]:
                del out["required"]
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), Mapping):
            out[key] = _v2_node(out[key])
    if out.get("type") == "array" and "items" not in out:
        del out["type"]
    if isinstance(out.get("x-kubernetes-validations"), list):
        out["x-kubernetes-validations"] = [
            {key: rule[key] for key in sorted(rule)} if isinstance(rule, Mapping) else rule
            for rule in out["x-kubernetes-validations"]
        ]
    return out


def v3_to_v2_references(value: Any) -> Any:
    """A v3 schema with v2 references: ``allOf: [{$ref}]`` beside a description becomes an
    inline ``$ref``, and ``#/components/schemas/`` becomes ``#/definitions/``."""
    if isinstance(value, list):
        return [v3_to_v2_references(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "$ref" and isinstance(item, str) and item.startswith(V3_REF):
            out[key] = V2_REF + item[len(V3_REF):]
        elif (key == "allOf" and isinstance(item, list) and len(item) == 1
              and isinstance(item[0], Mapping) and set(item[0]) == {"$ref"}):
            out["$ref"] = V2_REF + str(item[0]["$ref"])[len(V3_REF):]
        else:
            out[key] = v3_to_v2_references(item)
    return _ordered(out) if "$ref" in out else out


def v2_schema(schema: Mapping[str, Any], standard: StandardFields, *, group: str, version: str,
              kind: str) -> dict[str, Any]:
    """The published OpenAPI v2 schema of a custom resource (see the module docstring)."""
    if schema.get(_UNKNOWN_FIELDS):
        return {"type": "object", "x-kubernetes-group-version-kind": _gvk(group, version, kind)}
    published = v3_schema(schema, standard, group=group, version=version, kind=kind)
    # references first: the allOf a reference is wrapped in is not one of those v2 drops
    return _v2_node(v3_to_v2_references(published), root=True)
