"""Facts of the Kubernetes API, captured from a real kube-apiserver by
``tools/capture_kubernetes_api.py``.

* ``discovery.json`` (24 KB, read when the table of built-in kinds is first built): ``/version``,
  the ``/apis`` group order and preferred versions, and every built-in ``APIResourceList``
  verbatim.
* ``openapi.json.xz`` (~190 KB; 9 MB of text once decompressed, on the first OpenAPI request
  only): ``/openapi/v2`` and every ``/openapi/v3`` document of the built-in API as served, and
  the templates of the documents a custom resource gets.

Both are read through :mod:`importlib.resources`, so they load from a wheel, an editable install
or a zip alike. The loaded values are cached for the process: they are immutable facts, shared by
every embedded server.
"""

from __future__ import annotations

import functools
import lzma
from importlib import resources
from typing import Any

import orjson

__all__ = ["OpenApiText", "discovery_facts", "openapi_text"]


def _read(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()


@functools.cache
def discovery_facts() -> dict[str, Any]:
    """``{"version": {...}, "groups": [...], "resources": {groupVersion: [entries]}}``."""
    facts: dict[str, Any] = orjson.loads(_read("discovery.json"))
    return facts


class OpenApiText:
    """The captured OpenAPI documents, as the real server's text (see the module docstring).

    ``v2`` is the ``/openapi/v2`` document; ``v3`` maps an index key (``apis/apps/v1``) to its
    document (both as the bytes the real server sends); ``crd`` maps a scope (``Namespaced``,
    ``Cluster``) to the templates of a custom resource's v3 document and v2 paths, with
    ``@@GROUP@@``-style markers.
    """

    __slots__ = ("crd", "kubernetes", "v2", "v3")

    def __init__(self, blob: dict[str, Any]) -> None:
        self.kubernetes: str = blob["kubernetes"]
        self.v2: bytes = blob["v2"].encode()
        self.v3: dict[str, bytes] = {key: text.encode() for key, text in blob["v3"].items()}
        self.crd: dict[str, dict[str, str]] = blob["crd"]

    def __repr__(self) -> str:
        return f"OpenApiText({self.kubernetes}, {len(self.v3)} v3 documents)"


@functools.cache
def openapi_text() -> OpenApiText:
    """The OpenAPI documents, decompressed once per process (~50 ms, 9 MB of text)."""
    return OpenApiText(orjson.loads(lzma.decompress(_read("openapi.json.xz"))))
