"""The OpenAPI documents one embedded server publishes: the built-in ones plus its CRDs'.

* ``/openapi/v3`` (the index) lists every document with its ``?hash=`` (SHA-512 of the body,
  upper-case hex, as the real server computes it), keys sorted.
* ``/openapi/v3/{key}``: the built-in documents are the real server's bytes; a custom
  resource's group/version document is built from the templates (``crd_documents.py``) for every
  served CRD version in it.
* ``/openapi/v2``: the real server's document, with the paths and definitions of every served
  CRD version merged in (sorted, as Go's maps are), as JSON or gnostic protobuf.

The built-in bytes, hashes and protobuf are shared by every server of the process (they are
facts); what depends on the CRDs is cached per server and rebuilt when a CRD changes
(:meth:`OpenApiDocuments._fingerprint`: the CRDs' names and resourceVersions).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from kubeflow_informer.apiserver.crd import CRD_RESOURCE, crd_names
from kubeflow_informer.apiserver.data import openapi_text
from kubeflow_informer.apiserver.openapi.crd_documents import (
    CrdNames,
    CrdParts,
    crd_parts,
    v3_document_head,
)
from kubeflow_informer.apiserver.openapi.protobuf_v2 import encode_document
from kubeflow_informer.apiserver.storage import Storage

__all__ = ["OpenApiDocuments", "document_hash"]

Fingerprint = tuple[tuple[str, str], ...]


def document_hash(body: bytes) -> str:
    """The ``hash`` of a v3 document in the index (and its ETag): SHA-512, upper-case hex."""
    return hashlib.sha512(body).hexdigest().upper()


@functools.cache
def _builtin_hash(key: str) -> str:
    return document_hash(openapi_text().v3[key])


@functools.cache
def _builtin_v2_protobuf() -> bytes:
    return encode_document(orjson.loads(openapi_text().v2))


def _served_versions(crd: dict[str, Any]) -> Iterable[tuple[CrdNames, dict[str, Any]]]:
    spec = crd.get("spec") or {}
    names = crd_names(crd)
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        schema = (version.get("schema") or {}).get("openAPIV3Schema") or {"type": "object"}
        yield CrdNames(
            group=spec["group"],
            version=version["name"],
            kind=names["kind"],
            list_kind=names["listKind"],
            plural=names["plural"],
            namespaced=spec.get("scope") == "Namespaced",
            status="status" in subresources,
            scale=isinstance(subresources.get("scale"), dict),
        ), schema


def _sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


class OpenApiDocuments:
    """The documents of one server (see the module docstring). Used on the event loop only."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._crd_fingerprint: Fingerprint | None = None
        self._crd_v3: dict[str, bytes] = {}
        self._crd_v2: list[CrdParts] = []
        self._v2: dict[tuple[Fingerprint, bool], bytes] = {}

    def __repr__(self) -> str:
        return f"OpenApiDocuments({len(self._crd_v3)} custom group/versions)"

    def _fingerprint(self) -> Fingerprint:
        objects = self._storage.objects_of(CRD_RESOURCE)
        return tuple(sorted((key, str(stored.rv)) for key, stored in objects.items()))

    def _refresh(self) -> Fingerprint:
        fingerprint = self._fingerprint()
        if fingerprint == self._crd_fingerprint:
            return fingerprint
        builtin = openapi_text().v3
        by_group_version: dict[str, list[CrdParts]] = {}
        for stored in self._storage.objects_of(CRD_RESOURCE).values():
            for names, schema in _served_versions(stored.obj):
                key = f"apis/{names.group}/{names.version}"
                if key not in builtin:
                    by_group_version.setdefault(key, []).append(crd_parts(names, schema))
        self._crd_v3 = {key: self._v3_document(parts) for key, parts in by_group_version.items()}
        self._crd_v2 = [part for parts in by_group_version.values() for part in parts]
        self._v2.clear()
        self._crd_fingerprint = fingerprint
        return fingerprint

    @staticmethod
    def _v3_document(parts: list[CrdParts]) -> bytes:
        paths: dict[str, Any] = {}
        schemas: dict[str, Any] = {}
        for part in parts:
            paths.update(part.v3_paths)
            schemas.update(part.v3_schemas)
        document = {**v3_document_head(), "paths": _sorted(paths),
                    "components": {"schemas": _sorted(schemas)}}
        return orjson.dumps(document)

    def index(self) -> dict[str, Any]:
        """The ``/openapi/v3`` document."""
        self._refresh()
        hashes = {key: _builtin_hash(key) for key in openapi_text().v3}
        hashes.update((key, document_hash(body)) for key, body in self._crd_v3.items())
        return {"paths": {
            key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={hashes[key]}"}
            for key in sorted(hashes)
        }}

    def v3(self, key: str) -> tuple[bytes, str] | None:
        """The body and hash of one v3 document (``api/v1``, ``apis/apps/v1``...), or None."""
        self._refresh()
        body = openapi_text().v3.get(key)
        if body is not None:
            return body, _builtin_hash(key)
        body = self._crd_v3.get(key)
        return (body, document_hash(body)) if body is not None else None

    def v2(self, *, protobuf: bool) -> bytes:
        """The ``/openapi/v2`` document as JSON or as gnostic protobuf."""
        fingerprint = self._refresh()
        if not self._crd_v2:
            return _builtin_v2_protobuf() if protobuf else openapi_text().v2
        cached = self._v2.get((fingerprint, protobuf))
        if cached is None:
            document = orjson.loads(openapi_text().v2)
            for part in self._crd_v2:
                document["paths"].update(part.v2_paths)
                document["definitions"].update(part.v2_definitions)
            document["paths"] = _sorted(document["paths"])
            document["definitions"] = _sorted(document["definitions"])
            cached = encode_document(document) if protobuf else orjson.dumps(document)
            self._v2[(fingerprint, protobuf)] = cached
        return cached
