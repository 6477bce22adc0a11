"""What a request asks to do, as an authorizer sees it: kube-apiserver's ``RequestInfo``.

:func:`attributes_of` turns a method, a path and a query into :class:`RequestAttributes` the way
the real server's request-info resolver does, *before* routing and independently of what is
served: an unknown resource is authorized (and refused with 403) like any other, exactly as on a
real cluster, where a user without rights sees 403 rather than 404.

The rules (those of ``k8s.io/apiserver/pkg/endpoints/request``):

* ``/api/{version}/...`` and ``/apis/{group}/{version}/...`` with a resource after the version
  are resource requests; everything else (``/api``, ``/apis/{group}``, ``/version``,
  ``/healthz``, ``/openapi/v3``...) is a non-resource request whose verb is the lowercased HTTP
  method (``get``, ``post``...).
* Verbs: POST ``create``, GET/HEAD ``get``, PUT ``update``, PATCH ``patch``, DELETE ``delete``; a
  GET without a name is ``list``, or ``watch`` with ``?watch=true`` (or ``1``...); a DELETE
  without a name is ``deletecollection``; the legacy ``/watch/`` prefix makes it ``watch``. A GET
  *with* a name and ``?watch=true`` stays ``get``, as on the real server.
* ``namespaces/{ns}/...`` sets the namespace; ``namespaces/{name}`` itself (and its ``status``
  and ``finalize`` subresources) has namespace ``{name}`` too.
* A GET-turned-``list``/``watch`` whose field selector pins ``metadata.name=X`` is authorized
  with name ``X``, so ``resourceNames`` rules can grant watching one object (not so for the
  legacy ``/watch/`` prefix, as on the real server).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kubeflow_informer.apiserver.auth import UserInfo
from kubeflow_informer.apiserver.validation import path_segment_problems
from kubeflow_informer.selectors import FieldSelector, SelectorError

__all__ = ["RequestAttributes", "attributes_of"]

_VERB_OF_METHOD = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
_FALSE_VALUES = frozenset({"false", "0"})


@dataclass(frozen=True, slots=True)
class RequestAttributes:
    """One request (or one SubjectAccessReview) as the authorizer judges it.

    For a non-resource request only ``user``, ``verb`` and ``path`` mean anything.
    """

    user: UserInfo
    verb: str
    resource_request: bool
    path: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""

    @property
    def combined_resource(self) -> str:
        """``pods`` or ``pods/log``: what a rule's ``resources`` entries are compared with."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


def _watch_requested(query: Mapping[str, str]) -> bool:
    value = query.get("watch")
    return value is not None and value.lower() not in _FALSE_VALUES


def _name_from_field_selector(query: Mapping[str, str]) -> str:
    text = query.get("fieldSelector")
    if not text:
        return ""
    try:
        selector = FieldSelector.parse(text)
    except SelectorError:
        return ""
    names = [value for field, op, value in selector.requirements
             if field == "metadata.name" and op == "="]
    # Only a single exact requirement pins a name (RequiresExactMatch); a path-unsafe name
    # is ignored, as the real server does.
    if len(names) != 1 or path_segment_problems(names[0]):
        return ""
    return names[0]


def attributes_of(
    user: UserInfo, method: str, path: str, query: Mapping[str, str]
) -> RequestAttributes:
    """The authorization attributes of ``method path?query`` sent by ``user``."""
    parts = [segment for segment in path.strip("/").split("/") if segment]
    non_resource = RequestAttributes(user, method.lower(), False, path=path)
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return non_resource
    if parts[0] == "apis":
        if len(parts) < 4:
            return non_resource
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        group, version, rest = "", parts[1], parts[2:]
    verb = _VERB_OF_METHOD.get(method.upper(), "")
    if rest[0] == "watch":
        if len(rest) < 2:
            # The real resolver fails on a bare /watch; treat it like an unknown path.
            return non_resource
        verb = "watch"
        rest = rest[1:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if not name and verb == "get":
        verb = "watch" if _watch_requested(query) else "list"
        name = _name_from_field_selector(query)
    if not name and verb == "delete":
        verb = "deletecollection"
    return RequestAttributes(
        user,
        verb,
        True,
        path=path,
        api_group=group,
        api_version=version,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name=name,
    )
