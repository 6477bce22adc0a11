"""The OpenAPI documents of custom resources, filled in from the real server's templates.

apiextensions-apiserver publishes, for each served version of a CRD, the same paths and
operations whatever the CRD: only names change (group, version, kind, plural, and the forms
derived from them in operation ids, tags and schema names). The capture tool recorded the
documents of two template CRDs (namespaced and cluster-scoped, with ``status`` and ``scale``)
with ``@@TOKEN@@`` markers; :func:`crd_parts` fills them in for one CRD version, drops the
subresources it does not declare, and puts in its schema (``crd_schema.py``).

The derived names follow kube-apiserver's rules (``GetOperationIDAndTags`` and
``ToRESTFriendlyName``): the tag is the group without ``.k8s.io``, turned into an identifier
(every character that is not a letter or ``_``, or a leading digit, is dropped and capitalizes
the next one), then ``_`` and the version; operation ids use the same identifier capitalized;
schema names reverse the group's dotted parts (``example.com`` -> ``com.example.v1.Widget``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubeflow_informer.apiserver.data import openapi_text
from kubeflow_informer.apiserver.openapi.crd_schema import (
    StandardFields,
    v2_schema,
    v3_schema,
    v3_to_v2_references,
)

__all__ = ["CrdNames", "CrdParts", "crd_parts", "operation_identifier", "schema_name"]

# The embedded-resource property of the template CRDs' schema (see the capture tool).
_TEMPLATE_EMBEDDED = "embedded"
_SCALE_SCHEMAS = ("ScaleSpec", "ScaleStatus", "Scale")


def operation_identifier(text: str, *, capitalize_first: bool) -> str:
    """``text`` as kube-apiserver turns it into part of an operation id or a tag."""
    out = []
    capitalize = capitalize_first
    for index, char in enumerate(text):
        if char.isalpha() or char == "_" or (index and char.isdigit()):
            out.append(char.upper() if capitalize else char)
            capitalize = False
        else:
            capitalize = True
    return "".join(out)


def schema_name(group: str, version: str, kind: str) -> str:
    """The definition name of a kind: the group's dotted parts reversed, then version, kind."""
    return ".".join([*reversed(group.split(".")), version, kind])


@dataclass(frozen=True)
class CrdNames:
    """The names of one served CRD version, as its documents print them."""

    group: str
    version: str
    kind: str
    list_kind: str
    plural: str
    namespaced: bool
    status: bool
    scale: bool

    def markers(self) -> dict[str, str]:
        """The value of each ``@@TOKEN@@`` of the templates."""
        trimmed = self.group.removesuffix(".k8s.io")
        return {
            "@@GROUP@@": self.group,
            "@@REVERSED_GROUP@@": ".".join(reversed(self.group.split("."))),
            "@@OPERATION_GROUP@@": operation_identifier(trimmed, capitalize_first=True),
            "@@TAG_GROUP@@": operation_identifier(trimmed, capitalize_first=False),
            "@@OPERATION_VERSION@@": operation_identifier(self.version, capitalize_first=True),
            "@@VERSION@@": self.version,
            "@@LIST_KIND@@": self.list_kind,
            "@@KIND@@": self.kind,
            "@@PLURAL@@": self.plural,
        }


@dataclass
class CrdParts:
    """What one CRD version adds: its v3 paths and schemas, its v2 paths and definitions."""

    v3_paths: dict[str, Any] = field(default_factory=dict)
    v3_schemas: dict[str, Any] = field(default_factory=dict)
    v2_paths: dict[str, Any] = field(default_factory=dict)
    v2_definitions: dict[str, Any] = field(default_factory=dict)


def _fill(template: str, markers: dict[str, str]) -> Any:
    for marker, value in markers.items():
        template = template.replace(marker, orjson.dumps(value).decode()[1:-1])
    return orjson.loads(template)


@functools.cache
def _standard_fields() -> StandardFields:
    template = orjson.loads(openapi_text().crd["Namespaced"]["v3"])
    kind_schema = template["components"]["schemas"]["@@REVERSED_GROUP@@.@@VERSION@@.@@KIND@@"]
    return StandardFields.from_template(kind_schema, _TEMPLATE_EMBEDDED)


@functools.cache
def v3_document_head() -> dict[str, Any]:
    """The top-level fields of a CRD group/version document (``openapi``, ``info``)."""
    template = orjson.loads(openapi_text().crd["Namespaced"]["v3"])
    return {key: value for key, value in template.items() if key not in ("paths", "components")}


def _keep_path(path: str, names: CrdNames) -> bool:
    if path.endswith("/{name}/status"):
        return names.status
    if path.endswith("/{name}/scale"):
        return names.scale
    return True


def crd_parts(names: CrdNames, schema: dict[str, Any]) -> CrdParts:
    """The documents' share of one served CRD version whose ``openAPIV3Schema`` is ``schema``."""
    templates = openapi_text().crd["Namespaced" if names.namespaced else "Cluster"]
    markers = names.markers()
    v3 = _fill(templates["v3"], markers)
    v2_paths = _fill(templates["v2_paths"], markers)
    kind_name = schema_name(names.group, names.version, names.kind)
    list_name = schema_name(names.group, names.version, names.list_kind)
    schemas = dict(v3["components"]["schemas"])
    if not names.scale:
        for suffix in _SCALE_SCHEMAS:
            schemas.pop(f"io.k8s.api.autoscaling.v1.{suffix}", None)
    coordinates = {"group": names.group, "version": names.version, "kind": names.kind}
    schemas[kind_name] = v3_schema(schema, _standard_fields(), **coordinates)
    return CrdParts(
        v3_paths={p: item for p, item in v3["paths"].items() if _keep_path(p, names)},
        v3_schemas=schemas,
        v2_paths={p: item for p, item in v2_paths.items() if _keep_path(p, names)},
        v2_definitions={
            kind_name: v2_schema(schema, _standard_fields(), **coordinates),
            list_name: v3_to_v2_references(schemas[list_name]),
        },
    )
