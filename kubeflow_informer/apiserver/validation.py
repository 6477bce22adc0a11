"""Request-body checks the real apiserver makes before storing an object.

* The body's ``apiVersion``/``kind`` must be those of the endpoint (400 BadRequest otherwise);
  missing ones are filled in, as the decoder defaults them from the URL.
* ``metadata.name`` is required (or ``generateName``) and must be a DNS-1123 subdomain, or a
  DNS-1123 label for namespaces and services (422 Invalid with a ``FieldValueInvalid`` cause).
* The body's namespace must agree with the request's (400 BadRequest).
"""

from __future__ import annotations

import re
from typing import Any

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.builtins import LABEL_NAMED, PATH_SEGMENT_NAMED
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.errors import ApiError

_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def path_segment_problems(name: str) -> list[str]:
    """Why ``name`` cannot be one segment of a URL path (``path.IsValidPathSegmentName``)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def name_problems(info: ResourceInfo, name: str) -> list[str]:
    """Why ``name`` is not a valid object name for this resource (empty list when it is)."""
    if info.group_resource in PATH_SEGMENT_NAMED:
        return path_segment_problems(name)
    if (info.group, info.plural) in LABEL_NAMED:
        problems = []
        if len(name) > 63:
            problems.append("must be no more than 63 characters")
        if not _LABEL_RE.fullmatch(name):
            problems.append(_LABEL_MSG)
        return problems
    return subdomain_problems(name)


def subdomain_problems(name: str) -> list[str]:
    """Why ``name`` is not a DNS-1123 subdomain (``IsDNS1123Subdomain``)."""
    problems = []
    if len(name) > 253:
        problems.append("must be no more than 253 characters")
    if not _SUBDOMAIN_RE.fullmatch(name):
        problems.append(_SUBDOMAIN_MSG)
    return problems


def check_name(info: ResourceInfo, name: Any) -> None:
    """Raise 422 Invalid unless ``name`` is a valid name for this resource."""
    if not isinstance(name, str) or not name:
        raise status.invalid(
            info.group,
            info.kind,
            "",
            [
                status.field_cause(
                    "FieldValueRequired",
                    "metadata.name",
                    "Required value: name or generateName is required",
                )
            ],
        )
    problems = name_problems(info, name)
    if problems:
        causes = [
            status.field_cause(
                "FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {problem}'
            )
            for problem in problems
        ]
        raise status.invalid(info.group, info.kind, name, causes)


def check_type(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """Fill in or check ``apiVersion``/``kind`` against the endpoint (400 on a mismatch).

    Returns the object with ``kind`` and ``apiVersion`` first, the order the real server writes.

    A body with another served version of the same group and kind is accepted and rewritten to
    this endpoint's version (every version here shares one schema).
    """
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if api_version and api_version != info.api_version:
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if group != info.group or kind not in (None, "", info.kind):
            raise status.bad_request(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({info.api_version})"
            )
    if kind and kind != info.kind:
        raise status.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({info.kind})"
        )
    return {"kind": info.kind, "apiVersion": info.api_version, **obj} | {
        "kind": info.kind,
        "apiVersion": info.api_version,
    }


def check_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """The body's metadata dict (created when missing); 400 when it is not an object."""
    meta = obj.get("metadata")
    if meta is None:
        meta = {}
        obj["metadata"] = meta
    if not isinstance(meta, dict):
        raise status.bad_request("metadata must be an object")
    return meta


def resolve_namespace(info: ResourceInfo, meta: dict[str, Any], namespace: str | None) -> None:
    """Put the request namespace into the body (or drop it for cluster-scoped resources)."""
    body_ns = meta.get("namespace")
    if not info.namespaced:
        meta.pop("namespace", None)
        return
    if not namespace:
        if not body_ns:
            raise status.bad_request("the namespace of the object must be set")
        return
    if body_ns and body_ns != namespace:
        raise status.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    meta["namespace"] = namespace


def check_url_name(meta: dict[str, Any], name: str) -> None:
    """PUT: the body's name must be the URL's (400 BadRequest otherwise)."""
    body_name = meta.get("name")
    if body_name and body_name != name:
        raise status.bad_request(
            f"the name of the object ({body_name}) does not match the name on the URL ({name})"
        )
    meta["name"] = name


def check_new_finalizers(
    info: ResourceInfo, name: str, old_meta: dict[str, Any], new_meta: dict[str, Any]
) -> ApiError | None:
    """A deleting object may lose finalizers but not gain new ones (422, ObjectMeta rule)."""
    if not old_meta.get("deletionTimestamp"):
        return None
    old = set(old_meta.get("finalizers") or ())
    added = [f for f in new_meta.get("finalizers") or () if f not in old]
    if not added:
        return None
    return status.invalid(
        info.group,
        info.kind,
        name,
        [
            status.field_cause(
                "FieldValueForbidden",
                "metadata.finalizers",
                "Forbidden: no new finalizers can be added if the object is being deleted, "
                f"found new finalizers {added!r}".replace("'", '"'),
            )
        ],
    )
