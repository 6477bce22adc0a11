"""Discovery and OpenAPI of the embedded server against the real kube-apiserver: no difference.

Both servers get the same CRDs (namespaced and cluster-scoped, several versions, status and
scale, a schema exercising the publishing rules of ``apiserver/openapi/crd_schema.py``); then
every discovery document (``/api``, ``/apis``, each group and group/version, aggregated ``/api``
and ``/apis``), the ``/openapi/v3`` index and every v3 document, and ``/openapi/v2`` are fetched
from both and compared. Only what must differ is normalized: the server address, and the
``?hash=`` of a CRD document (its bytes are serialized by another JSON encoder). CRDs that
other tests left in the shared control plane are left out of the real side.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.apiserver.openapi.protobuf_v2 import encode_document
from kubeflow_informer.testing import ControlPlane, eventually

# One pair of servers for the module: the real server deletes a CRD asynchronously, so the same
# CRDs cannot be created again for every test.
pytestmark = [pytest.mark.real_apiserver, pytest.mark.timeout(180),
              pytest.mark.asyncio(loop_scope="module")]

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
SUFFIX = f"p{os.getpid()}"
GROUPS = (f"widgets-{SUFFIX}.example.com", f"gadgets.{SUFFIX}.example.org",
          f"rich-{SUFFIX}.sub.example.io")


def _crd(group: str, plural: str, kind: str, scope: str, versions: list[dict[str, Any]],
         **names: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "scope": scope,
                 "names": {"plural": plural, "kind": kind, **names}, "versions": versions},
    }


_RICH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["spec"],
    "properties": {
        "metadata": {"type": "object", "properties": {"name": {"type": "string",
                                                                "maxLength": 20}}},
        "spec": {
            "type": "object",
            "description": "The spec: with 'quotes', \"double\" and # hash",
            "required": ["size", "mode", "maybe"],
            "x-kubernetes-validations": [{"rule": "self.size > 0", "message": "positive"}],
            "properties": {
                "size": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10,
                         "default": 3},
                "mode": {"type": "string", "enum": ["fast", "true", "1.0", ""],
                         "default": "fast"},
                "ratio": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": True,
                          "minimum": 0},
                "maybe": {"type": "string", "nullable": True, "description": "nullable"},
                "port": {"x-kubernetes-int-or-string": True},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"a": {"type": "string"}}},
                "emb": {"type": "object", "x-kubernetes-embedded-resource": True,
                        "required": ["spec"],
                        "properties": {"spec": {"type": "object"}}},
                "loose": {"type": "object", "x-kubernetes-embedded-resource": True,
                          "x-kubernetes-preserve-unknown-fields": True},
                "ports": {"type": "array", "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["name"],
                          "items": {"type": "object", "required": ["name"], "properties": {
                              "name": {"type": "string", "pattern": "^[a-z]+$"},
                              "num": {"type": "integer", "nullable": True}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"},
                           "x-kubernetes-map-type": "granular"},
                "choice": {"type": "object", "oneOf": [{"required": ["a"]}],
                           "properties": {"a": {"type": "string"}}},
                "when": {"type": "string", "format": "date-time", "title": "When",
                         "example": "2020-01-01T00:00:00Z"},
            },
        },
        "status": {"type": "object", "nullable": True,
                   "properties": {"phase": {"type": "string"}}},
    },
}

CUSTOM_RESOURCES = [
    _crd(GROUPS[0], "widgets", "Widget", "Namespaced", [
        {"name": "v1beta1", "served": True, "storage": False,
         "schema": {"openAPIV3Schema": {"type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True}}},
        {"name": "v1", "served": True, "storage": True,
         "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                  "statusReplicasPath": ".status.replicas"}},
         "schema": {"openAPIV3Schema": {"type": "object", "description": "A widget.",
                                        "properties": {"spec": {"type": "object", "properties": {
                                            "replicas": {"type": "integer"}}}}}}},
        {"name": "v2alpha1", "served": True, "storage": False,
         "schema": {"openAPIV3Schema": {"type": "object"}}},
    ], singular="widget", shortNames=["wd"], categories=["all", "stuff"]),
    _crd(GROUPS[1], "gadgets", "Gadget", "Cluster", [
        {"name": "v1", "served": True, "storage": True,
         "schema": {"openAPIV3Schema": {"type": "object"}}},
    ]),
    _crd(GROUPS[2], "riches", "RichThing", "Cluster", [
        {"name": "v1alpha2", "served": True, "storage": True, "subresources": {"status": {}},
         "schema": {"openAPIV3Schema": _RICH_SCHEMA}},
    ], singular="rich", listKind="RichThingCollection"),
]


class Side:
    """One server seen over raw HTTP."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def get(self, path: str, accept: str = "application/json") -> tuple[int, str, bytes]:
        async with self.session.get(self.base + path, headers={"Accept": accept},
                                    allow_redirects=False) as response:
            return response.status, response.headers.get("Content-Type", ""), await response.read()

    async def json(self, path: str, accept: str = "application/json") -> Any:
        status, _, body = await self.get(path, accept)
        assert status == 200, (self.base, path, status, body[:300])
        return orjson.loads(body)

    async def post(self, path: str, body: Any) -> None:
        async with self.session.post(self.base + path, json=body) as response:
            assert response.status == 201, await response.text()

    async def delete(self, path: str) -> None:
        async with self.session.delete(self.base + path) as response:
            await response.read()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sides(control_plane: ControlPlane) -> AsyncIterator[tuple[Side, Side]]:
    config = control_plane.config
    assert config.ca_data is not None
    context = ssl.create_default_context(cadata=config.ca_data.decode())
    async with (
        EmbeddedApiServer() as embedded,
        aiohttp.ClientSession() as embedded_session,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {config.token}"},
                              connector=aiohttp.TCPConnector(ssl=context)) as real_session,
    ):
        real, ours = Side(real_session, control_plane.url), Side(embedded_session, embedded.url)
        for crd in CUSTOM_RESOURCES:
            await real.post(CRDS, crd)
            await ours.post(CRDS, crd)
        try:
            await _wait_until_published(real)
            yield real, ours
        finally:
            for crd in CUSTOM_RESOURCES:
                await real.delete(f"{CRDS}/{crd['metadata']['name']}")


async def _wait_until_published(real: Side) -> None:
    """The real server publishes CRDs asynchronously: discovery first, OpenAPI a moment later."""
    wanted = {f"apis/{crd['spec']['group']}/{v['name']}"
              for crd in CUSTOM_RESOURCES for v in crd["spec"]["versions"]}
    names = {crd["spec"]["names"]["kind"] for crd in CUSTOM_RESOURCES}

    async def published() -> bool:
        index = await real.json("/openapi/v3")
        definitions = (await real.json("/openapi/v2"))["definitions"]
        kinds = {name.rsplit(".", 1)[-1] for name in definitions if SUFFIX in name}
        return wanted <= set(index["paths"]) and names <= kinds

    await eventually(published, timeout=60, what="the CRDs in the real server's OpenAPI")


def _foreign(group: str) -> bool:
    """A CRD group another test left in the shared control plane."""
    return "." in group and group not in GROUPS and not _builtin(group)


def _builtin(group: str) -> bool:
    from kubeflow_informer.apiserver.builtins import BUILTIN_GROUPS

    return group in BUILTIN_GROUPS


def _normalized(document: Any) -> Any:
    if isinstance(document, dict):
        document = dict(document)
        document.pop("serverAddressByClientCIDRs", None)
        if document.get("kind") == "APIGroupList":
            document["groups"] = [g for g in document["groups"] if not _foreign(g["name"])]
        if document.get("kind") == "APIGroupDiscoveryList":
            document["items"] = [i for i in document["items"]
                                 if not _foreign(i["metadata"].get("name", ""))]
    return document


async def _discovery_paths(real: Side) -> list[str]:
    paths = ["/api", "/api/v1", "/apis"]
    for group in (await real.json("/apis"))["groups"]:
        if _foreign(group["name"]):
            continue
        paths.append(f"/apis/{group['name']}")
        paths += [f"/apis/{version['groupVersion']}" for version in group["versions"]]
    return paths


async def test_discovery_documents_are_identical(sides: tuple[Side, Side]) -> None:
    real, ours = sides
    differences = []
    for path in await _discovery_paths(real):
        if _normalized(await real.json(path)) != _normalized(await ours.json(path)):
            differences.append(path)
    for path in ("/api", "/apis"):
        real_status, real_type, real_body = await real.get(path, AGGREGATED)
        our_status, our_type, our_body = await ours.get(path, AGGREGATED)
        if ((real_status, real_type, _normalized(orjson.loads(real_body)))
                != (our_status, our_type, _normalized(orjson.loads(our_body)))):
            differences.append(f"aggregated {path}")
    assert differences == []


@pytest.mark.parametrize(("path", "accept"), [
    ("/apis", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
    ("/apis", "text/html"),
    ("/apis/apps/v1", AGGREGATED),
    ("/apis/nope.example.com", "application/json"),
    ("/apis/nope.example.com/v1/things", "application/json"),
    ("/apis/apps/v9", "application/json"),
    ("/api/v2", "application/json"),
])
async def test_refusals_are_identical(sides: tuple[Side, Side], path: str, accept: str) -> None:
    real, ours = sides
    real_status, real_type, real_body = await real.get(path, accept)
    our_status, our_type, our_body = await ours.get(path, accept)
    assert (our_status, our_type) == (real_status, real_type)
    if real_type == "application/json":
        ours_status = orjson.loads(our_body)
        real_status_body = orjson.loads(real_body)
        assert ours_status["message"] == real_status_body["message"]
        assert ours_status.get("reason") == real_status_body.get("reason")
    else:
        assert our_body == real_body


@pytest.mark.parametrize(("path", "accept"), [
    ("/openapi/v3", "application/json"),
    ("/openapi/v3/apis/nope.example.com/v1", "application/json"),
    ("/openapi/v3/apis/apps/v1?hash=ABC", "application/json"),
    ("/openapi/v3/apis/apps/v1", "text/html"),
    ("/openapi/v2", "text/html"),
    ("/openapi/v2", PROTOBUF_V2),
])
async def test_openapi_answers_are_identical(sides: tuple[Side, Side], path: str,
                                             accept: str) -> None:
    real, ours = sides
    real_status, real_type, _ = await real.get(path, accept)
    assert (await ours.get(path, accept))[:2] == (real_status, real_type)


async def test_version_has_the_real_fields(sides: tuple[Side, Side]) -> None:
    real, ours = sides
    real_version, our_version = await real.json("/version"), await ours.json("/version")
    assert list(our_version) == list(real_version)
    for key in ("major", "minor", "emulationMajor", "emulationMinor", "minCompatibilityMajor",
                "minCompatibilityMinor"):
        assert our_version[key] == real_version[key]
    assert our_version["gitVersion"].startswith(real_version["gitVersion"])


async def test_openapi_v3_index_and_documents_are_identical(sides: tuple[Side, Side]) -> None:
    real, ours = sides
    real_index = {key: entry for key, entry in (await real.json("/openapi/v3"))["paths"].items()
                  if not _foreign(key.split("/")[1] if key.count("/") == 2 else "")}
    our_index = (await ours.json("/openapi/v3"))["paths"]
    assert sorted(our_index) == sorted(real_index)
    differences = []
    for key, entry in real_index.items():
        custom = any(group in key for group in GROUPS)
        if not custom and our_index[key] != entry:
            differences.append(f"{key}: hash")  # built-in documents are the real bytes
        real_document = await real.json(entry["serverRelativeURL"])
        if await ours.json(our_index[key]["serverRelativeURL"]) != real_document:
            differences.append(key)
    assert differences == []


def _defined_group(definition: dict[str, Any]) -> str:
    kinds = definition.get("x-kubernetes-group-version-kind") or [{}]
    return str(kinds[0].get("group", "")) if isinstance(kinds, list) else ""


async def test_openapi_v2_is_identical(sides: tuple[Side, Side]) -> None:
    real, ours = sides
    real_document = await real.json("/openapi/v2")
    real_document["paths"] = {path: item for path, item in real_document["paths"].items()
                              if not (path.startswith("/apis/") and _foreign(path.split("/")[2]))}
    real_document["definitions"] = {
        name: definition for name, definition in real_document["definitions"].items()
        if not _foreign(_defined_group(definition))
    }
    assert await ours.json("/openapi/v2") == real_document


async def test_openapi_v2_protobuf_is_the_real_servers_encoding(
    sides: tuple[Side, Side],
) -> None:
    real, _ = sides
    status, content_type, protobuf = await real.get("/openapi/v2", PROTOBUF_V2)
    assert (status, content_type) == (200, "application/com.github.proto-openapi.spec.v2.v1.0"
                                           "+protobuf")
    # the real server's own JSON document, CRDs included, encodes to its very bytes
    assert encode_document(await real.json("/openapi/v2")) == protobuf
