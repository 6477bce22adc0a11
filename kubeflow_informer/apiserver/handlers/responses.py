"""Building HTTP answers: JSON bodies from bytes, ``Status`` errors, common errors.

Bodies are built from already-serialized bytes wherever possible (``StoredObject.raw``), so the
request path never re-serializes a stored object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.status import status_error
from kubeflow_informer.apiserver.stored import StoredObject
from kubeflow_informer.errors import ApiError

__all__ = [
    "JSON",
    "error_response",
    "json_response",
    "list_body",
    "method_not_allowed",
    "not_acceptable",
    "not_found_path",
    "not_found_text",
    "raw_response",
    "unsupported_media_type",
]

JSON = "application/json"


def raw_response(body: bytes, status: int = 200, *, content_type: str = JSON) -> web.Response:
    """A response whose body is already-serialized JSON."""
    return web.Response(body=body, status=status, content_type=content_type)


def json_response(value: Mapping[str, Any] | list[Any], status: int = 200) -> web.Response:
    """A JSON response serialized with orjson (for small, computed bodies only)."""
    return raw_response(orjson.dumps(value), status)


def error_response(error: ApiError) -> web.Response:
    """The ``Status`` body of ``error`` with its HTTP code (and ``Retry-After`` when set)."""
    body = error.status_object or {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": error.message,
        "reason": error.reason,
        "code": error.status,
    }
    response = raw_response(orjson.dumps(body), error.status or 500)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(0, int(error.retry_after)))
    return response


def not_found_path() -> ApiError:
    """The 404 of a path the server does not serve (the real server's generic wording)."""
    return status_error(404, "NotFound", "the server could not find the requested resource")


def not_found_text() -> web.Response:
    """The plain-text 404 of a path no handler serves at all (``/apis/unknown.group``, ``/x``),
    as Go's ``http.NotFound`` writes it for the real server."""
    return web.Response(
        text="404 page not found\n",
        status=404,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def not_acceptable() -> ApiError:
    """406 for an ``Accept`` header naming no format the endpoint produces (the real wording)."""
    return status_error(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml, "
        "application/vnd.kubernetes.protobuf",
    )


def method_not_allowed() -> ApiError:
    """405 for a verb the resource does not support."""
    return status_error(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def unsupported_media_type(content_type: str, accepted: Iterable[str]) -> ApiError:
    """415 for a body in a format the endpoint does not take."""
    return status_error(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
    )


def list_body(
    info: ResourceInfo,
    items: Iterable[StoredObject],
    resource_version: int,
    *,
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
) -> bytes:
    """A ``*List`` body made by joining the items' stored bytes (never re-serialized)."""
    metadata: dict[str, Any] = {"resourceVersion": str(resource_version)}
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    head = b"".join(
        (
            b'{"kind":"',
            info.list_kind.encode(),
            b'","apiVersion":"',
            info.api_version.encode(),
            b'","metadata":',
            orjson.dumps(metadata),
            b',"items":[',
        )
    )
    return head + b",".join([item.raw for item in items]) + b"]}"
