"""Field ownership of ordinary writes: ``managedFields`` ``Update`` entries, as kube-apiserver's
field manager records them.

Every create, update and non-apply patch through the API records the fields it changed under
its manager (operation ``Update``, ``subresource: status`` for status writes), so a later
server-side apply of one of those fields by another manager conflicts as on a real cluster. The
manager is the ``fieldManager`` query parameter, else the request's User-Agent up to its first
``/`` (the real server's default: ``kubectl``, ``OpenAPI-Generator`` ...). Writes the server makes
itself (garbage collection, namespace cleanup, benchmark seeding) record nothing.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver.builtins import is_builtin
from kubeflow_informer.apiserver.patching.apply import update_managed_fields
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import RecordWrite

__all__ = ["field_manager", "record_write", "schema_kind"]


def schema_kind(info: ResourceInfo) -> str:
    """The kind name the patch algorithms look up: qualified for custom resources so that a
    custom ``Job`` never picks up the built-in ``batch/v1`` Job's merge keys."""
    return info.kind if is_builtin(info) else f"{info.kind}.{info.group}"


def field_manager(request: web.Request) -> str:
    """``?fieldManager=``, else the User-Agent's product name (before the first ``/``)."""
    explicit = request.query.get("fieldManager")
    if explicit:
        return explicit
    return request.headers.get("User-Agent", "").split("/", 1)[0]


def record_write(
    request: web.Request, info: ResourceInfo, subresource: str | None
) -> RecordWrite:
    """The storage hook that records this request's write under its field manager."""
    manager = field_manager(request)
    kind = schema_kind(info)

    def record(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        return update_managed_fields(
            old, new, field_manager=manager, kind=kind, subresource=subresource
        )

    return record
