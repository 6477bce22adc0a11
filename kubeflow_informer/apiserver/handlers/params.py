"""Query parameters and request bodies, parsed and validated as kube-apiserver does.

Every malformed input is a 400 ``BadRequest`` Status (never a 500): bad selectors, non-integer
``limit``, a body that is not a JSON (or YAML) object. An unknown ``dryRun`` value is a 422 on the
verb's options, as kube-apiserver validates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from aiohttp import web

from kubeflow_informer.apiserver.handlers.responses import unsupported_media_type
from kubeflow_informer.apiserver.protobuf import (
    MAGIC,
    PROTOBUF,
    UnsupportedProtobuf,
    WireError,
)
from kubeflow_informer.apiserver.protobuf import (
    decode_object as decode_protobuf,
)
from kubeflow_informer.apiserver.status import bad_request, field_cause, invalid, status_error
from kubeflow_informer.selectors import FieldSelector, LabelSelector, SelectorError

_BODY_TYPES = frozenset({"application/json", "application/octet-stream", ""})
_ACCEPTED_BODY_TYPES = ("application/json", "application/yaml", PROTOBUF)

__all__ = [
    "ListParams",
    "decode_body",
    "dry_run",
    "parse_bool",
    "parse_int",
    "parse_list_params",
]


def parse_bool(value: str | None) -> bool | None:
    """``true``/``1`` → True, ``false``/``0``/empty → False, absent → None (Go's ParseBool)."""
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "t"):
        return True
    if lowered in ("false", "0", "f", ""):
        return False
    raise bad_request(f"invalid boolean value {value!r}")


def parse_int(request: web.Request, name: str) -> int | None:
    """An integer query parameter, or None when absent or empty; 400 worded as the query
    decoding's ``strconv.ParseInt`` error."""
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


#: The options kind whose validation reports a bad ``dryRun``, by HTTP method.
_OPTIONS_KINDS = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions",
                  "DELETE": "DeleteOptions"}


def dry_run(request: web.Request, body_values: Any = None) -> bool:
    """True for ``dryRun=All`` (query or DeleteOptions body); any other value is a 422 on the
    verb's options kind (``CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported
    value: ["Yes"]...``), as kube-apiserver's ``ValidateDryRun`` reports it."""
    values = list(request.query.getall("dryRun", []))
    if isinstance(body_values, list):
        values.extend(str(v) for v in body_values)
    if any(value != "All" for value in values):
        message = f'Unsupported value: {orjson.dumps(values).decode()}: supported values: "All"'
        kind = _OPTIONS_KINDS.get(request.method, "CreateOptions")
        raise invalid("meta.k8s.io", kind, "",
                      [field_cause("FieldValueNotSupported", "dryRun", message)])
    return bool(values)


@dataclass(frozen=True, slots=True)
class ListParams:
    """The parameters of a list or watch request."""

    label_selector: LabelSelector | None
    field_selector: FieldSelector | None
    limit: int | None
    continue_token: str | None
    resource_version: str | None
    resource_version_match: str | None
    timeout_seconds: int | None
    watch: bool
    allow_bookmarks: bool
    send_initial_events: bool | None


def parse_list_params(request: web.Request, *, name: str | None = None) -> ListParams:
    """Parse list/watch query parameters; ``name`` (single-object watch) narrows the field
    selector to ``metadata.name``."""
    query = request.query
    label_selector = None
    field_selector = None
    try:
        label_text = query.get("labelSelector")
        if label_text:
            label_selector = LabelSelector.parse(label_text)
        field_text = query.get("fieldSelector") or ""
        if name is not None:
            field_text = f"metadata.name={name}" + (f",{field_text}" if field_text else "")
        if field_text:
            field_selector = FieldSelector.parse(field_text)
    except SelectorError as exc:
        raise bad_request(str(exc)) from None
    limit = parse_int(request, "limit")
    if limit is not None and limit <= 0:
        limit = None  # the real server treats limit<=0 as "no limit"
    timeout = parse_int(request, "timeoutSeconds")
    return ListParams(
        label_selector=label_selector,
        field_selector=field_selector,
        limit=limit,
        continue_token=query.get("continue") or None,
        resource_version=query.get("resourceVersion"),
        resource_version_match=query.get("resourceVersionMatch") or None,
        timeout_seconds=timeout if timeout and timeout > 0 else None,
        watch=bool(parse_bool(query.get("watch"))),
        allow_bookmarks=bool(parse_bool(query.get("allowWatchBookmarks"))),
        send_initial_events=parse_bool(query.get("sendInitialEvents")),
    )


async def decode_body(request: web.Request, *, yaml_ok: bool = True, check_type: bool = True,
                      kind: str | None = None) -> Any:
    """The request body as JSON, YAML or Kubernetes protobuf, by its Content-Type; 400 when
    undecodable.

    With ``check_type`` another Content-Type is a 415 (patch handlers, which checked the patch
    media type themselves, pass False). A protobuf body becomes the same dict as its JSON form
    (``apiserver/protobuf``); one of a kind the field tables do not cover is a 415 that names
    the kind and how to send JSON instead. ``kind`` is the resource's kind, for the 400 wording.
    """
    data = await request.read()
    if not data:
        raise bad_request("the request body is empty")
    content_type = request.content_type
    if content_type == PROTOBUF and check_type:
        return _decode_protobuf(data, kind)
    if check_type and content_type not in _BODY_TYPES and not (yaml_ok and "yaml" in content_type):
        raise unsupported_media_type(content_type, _ACCEPTED_BODY_TYPES)
    try:
        if yaml_ok and "yaml" in content_type:
            return yaml.safe_load(data)
        return orjson.loads(data)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise bad_request(f"the request body could not be decoded: {exc}") from None


def _decode_protobuf(data: bytes, kind: str | None) -> dict[str, Any]:
    # the real server's wording: up to 30 bytes of the body in hex
    expected = f" (must be of type {kind})" if kind else ""
    unrecognized = f"the object provided is unrecognized{expected}"
    shown = data[:30].hex() + (" ..." if len(data) > 30 else "")
    if not data.startswith(MAGIC):
        raise bad_request(
            f"{unrecognized}: provided data does not appear to be a protobuf message, expected "
            f"prefix [{' '.join(str(b) for b in MAGIC)}] ({shown})"
        )
    if len(data) == len(MAGIC):
        raise bad_request(f"{unrecognized}: empty body ({shown})")
    try:
        return decode_protobuf(data)
    except WireError as exc:
        raise bad_request(f"{unrecognized}: {exc}") from None
    except UnsupportedProtobuf as exc:
        raise status_error(
            415,
            "UnsupportedMediaType",
            f"the embedded API server has no protobuf field table for {exc.what}: send this "
            f"body as application/json instead (kubectl: write the object with "
            f"'--dry-run=client -o json' and pipe it to 'kubectl create -f -'; client-go: "
            f"rest.Config.ContentType = \"application/json\")",
        ) from None


async def decode_object(request: web.Request, kind: str | None = None) -> dict[str, Any]:
    """The request body as an object (a JSON object); 400 otherwise."""
    body = await decode_body(request, kind=kind)
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body
