"""``/openapi/v2`` and ``/openapi/v3``: the OpenAPI documents of the served API.

kubectl reads them for ``explain`` (v3), for its client-side validation of ``apply``/``create``
(v2, in protobuf), to know which kinds take the ``fieldValidation`` parameter (v3), and for the
strategic merge patches of ``apply``. The documents themselves are the real server's for the
built-in kinds and generated for CRDs (``apiserver/openapi/``); this module speaks HTTP as the
real server does:

* ``/openapi/v3`` answers the index (with the real server's ``text/plain`` content type);
* ``/openapi/v3/{key}`` answers JSON; with the current ``?hash=`` it is immutable
  (``Cache-Control: public, immutable``, a year's ``Expires``), with a stale one a ``301`` to the
  current URL, without one ``no-cache``; an unknown key is an empty ``404``;
* ``/openapi/v2`` answers JSON, or protobuf when asked for
  ``application/com.github.proto-openapi.spec.v2@v1.0+protobuf`` (what client-go sends);
* every document carries an ``ETag`` and answers ``304`` to a matching ``If-None-Match``; an
  ``Accept`` naming no format served is an empty ``406`` (v3 protobuf is not produced).
"""

from __future__ import annotations

import datetime
from typing import Literal

import orjson
from aiohttp import web

from kubeflow_informer.apiserver.handlers.context import ServerState, state_of
from kubeflow_informer.apiserver.handlers.negotiation import MediaRange, first_acceptable
from kubeflow_informer.apiserver.openapi.documents import OpenApiDocuments, document_hash

__all__ = ["PROTOBUF_V2", "handle_v2", "handle_v3_group", "handle_v3_index"]

#: The content type of the v2 document in protobuf, as the real server labels it.
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_PROTOBUF_V2_ASKED = frozenset(
    {PROTOBUF_V2, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}
)
_YEAR = datetime.timedelta(days=365)

Format = Literal["json", "protobuf"]


def documents_of(state: ServerState) -> OpenApiDocuments:
    """The server's documents, created on the first OpenAPI request."""
    if state.openapi is None:
        state.openapi = OpenApiDocuments(state.storage)
    return state.openapi


def _format(request: web.Request, *, protobuf: bool) -> Format | None:
    def choose(media_range: MediaRange) -> Format | None:
        if protobuf and media_range.mime in _PROTOBUF_V2_ASKED:
            return "protobuf"
        if media_range.matches("application/json"):
            return "json"
        return None

    return first_acceptable(request.headers.get("Accept", ""), choose)


def _document(request: web.Request, body: bytes, etag_hash: str, content_type: str,
              cache_control: str) -> web.Response:
    etag = f'"{etag_hash}"'
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    response = web.Response(body=body, headers=headers)
    response.headers["Content-Type"] = content_type
    return response


async def handle_v3_index(request: web.Request) -> web.Response:
    """GET /openapi/v3: the index of group/version documents."""
    body = orjson.dumps(documents_of(state_of(request)).index())
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


async def handle_v3_group(request: web.Request) -> web.Response:
    """GET /openapi/v3/{key}: one document."""
    found = documents_of(state_of(request)).v3(request.match_info["tail"].strip("/"))
    if found is None:
        return web.Response(status=404)
    if _format(request, protobuf=False) is None:
        return web.Response(status=406)
    body, current = found
    asked = request.query.get("hash")
    if asked is not None and asked != current:
        location = f"{request.path}?hash={current}"
        return web.Response(status=301, headers={
            "Location": location, "ETag": f'"{current}"', "Cache-Control": "no-cache, private",
            "Content-Type": "application/json"})
    if asked is None:
        return _document(request, body, current, "application/json", "no-cache, private")
    response = _document(request, body, current, "application/json", "public, immutable")
    expires = datetime.datetime.now(datetime.UTC) + _YEAR
    response.headers["Expires"] = expires.strftime("%a, %d %b %Y %H:%M:%S UTC")
    return response


async def handle_v2(request: web.Request) -> web.Response:
    """GET /openapi/v2: JSON or gnostic protobuf."""
    chosen = _format(request, protobuf=True)
    if chosen is None:
        return web.Response(status=406)
    documents = documents_of(state_of(request))
    json_body = documents.v2(protobuf=False)
    etag = document_hash(json_body)
    if chosen == "protobuf":
        return _document(request, documents.v2(protobuf=True), etag, PROTOBUF_V2,
                         "no-cache, private")
    return _document(request, json_body, etag, "application/json", "no-cache, private")
