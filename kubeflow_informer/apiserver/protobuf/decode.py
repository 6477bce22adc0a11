"""Protobuf request bodies to the JSON-shaped dicts every handler already takes.

A Kubernetes protobuf body is the 4-byte magic ``k8s\\x00`` followed by a ``runtime.Unknown``:
``typeMeta`` (1: ``apiVersion`` 1, ``kind`` 2), ``raw`` (2: the object's own message),
``contentEncoding`` (3) and ``contentType`` (4). The object message is decoded with the field
table of its kind (``KINDS``) into the dict Go's JSON encoder would have produced for the same
object, so a protobuf create is indistinguishable from a JSON one downstream.

Contract: :func:`decode_object` returns the object (``apiVersion`` and ``kind`` first) or
raises :class:`WireError` for bytes that are not a well-formed message (a 400) or
:class:`UnsupportedProtobuf` for a kind, or a field of a known kind, that the tables do not
describe (a 415: the data would otherwise be dropped silently, which the real server never
does).
"""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from kubeflow_informer.apiserver.protobuf.schema import SCALARS, Field, Message
from kubeflow_informer.apiserver.protobuf.tables import KINDS, MESSAGES
from kubeflow_informer.apiserver.protobuf.wire import (
    FIXED64,
    LENGTH,
    VARINT,
    WireError,
    fields,
    packed_varints,
    signed64,
)
from kubeflow_informer.errors import KubeflowInformerError

__all__ = ["MAGIC", "UnsupportedProtobuf", "WireError", "decode_object", "go_duration"]

MAGIC = b"k8s\x00"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ABSENT: Any = object()  # an empty Time: Go's zero time, null in JSON, so no key at all
_WIRE_TYPES = {"i": VARINT, "b": VARINT, "f": FIXED64}


class UnsupportedProtobuf(KubeflowInformerError):
    """A protobuf body this server has no field table for (kind or field); ``what`` names it."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def decode_object(body: bytes) -> dict[str, Any]:
    """The object in a ``k8s\\x00`` protobuf envelope, as a JSON-shaped dict."""
    if not body.startswith(MAGIC):
        raise WireError("the body does not start with the Kubernetes protobuf magic k8s\\x00")
    api_version = kind = content_encoding = ""
    raw: memoryview | None = None
    for number, wire_type, value in fields(memoryview(body)[len(MAGIC):]):
        if wire_type != LENGTH or not isinstance(value, memoryview):
            continue
        if number == 1:
            for sub, sub_type, sub_value in fields(value):
                if sub_type == LENGTH and isinstance(sub_value, memoryview) and sub in (1, 2):
                    text = _string(sub_value)
                    api_version, kind = (text, kind) if sub == 1 else (api_version, text)
        elif number == 2:
            raw = value
        elif number == 3:
            content_encoding = _string(value)
    if not kind:
        raise WireError("Object 'Kind' is missing in the protobuf envelope")
    if content_encoding:
        raise UnsupportedProtobuf(f"contentEncoding {content_encoding!r}")
    message = _message_for(api_version, kind)
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    obj.update(_decode(raw if raw is not None else memoryview(b""), message))
    return obj


def _message_for(api_version: str, kind: str) -> Message:
    name = KINDS.get((api_version, kind))
    if name is None and kind == "DeleteOptions":
        name = "meta.DeleteOptions"  # registered in every group version, as in the real server
    if name is None:
        raise UnsupportedProtobuf(f"kind {kind!r} of apiVersion {api_version!r}")
    return MESSAGES[name]


def _decode(data: memoryview, message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, wire_type, value in fields(data):
        field = message.fields.get(number)
        if field is None:
            raise UnsupportedProtobuf(f"field {number} of {message.name}")
        if field.map:
            key, item = _map_entry(_length(value, field), field)
            out.setdefault(field.json_name, {})[key] = item
        elif field.repeated:
            values = out.setdefault(field.json_name, [])
            if wire_type == LENGTH and field.type in _WIRE_TYPES:  # a packed repeated scalar
                values.extend(_packed(field, _length(value, field)))
            else:
                item = _value(field, wire_type, value)
                values.append(None if item is _ABSENT else item)
        elif field.inline:
            out.update(_decode(_length(value, field), MESSAGES[field.type]))
        else:
            decoded = _value(field, wire_type, value)
            if decoded is _ABSENT or (not field.keep_zero and _is_zero(field, decoded)):
                out.pop(field.json_name, None)
            else:
                out[field.json_name] = decoded
    return out


def _is_zero(field: Field, value: Any) -> bool:
    return field.type in SCALARS and not value


def _packed(field: Field, data: memoryview) -> list[Any]:
    if field.type == "f":
        if len(data) % 8:
            raise WireError(f"field {field.json_name}: packed doubles of {len(data)} bytes")
        return [struct.unpack_from("<d", data, offset)[0] for offset in range(0, len(data), 8)]
    return [_scalar(field, VARINT, v) for v in packed_varints(data)]


def _length(value: int | memoryview, field: Field) -> memoryview:
    if not isinstance(value, memoryview):
        raise WireError(f"field {field.json_name}: expected a length-delimited value")
    return value


def _string(value: memoryview) -> str:
    # Go keeps invalid UTF-8 in a string and its JSON encoder writes U+FFFD: do the same
    return bytes(value).decode("utf-8", "replace")


def _scalar(field: Field, wire_type: int, value: int | memoryview) -> Any:
    if wire_type != _WIRE_TYPES[field.type] or isinstance(value, memoryview):
        raise WireError(f"field {field.json_name}: wire type {wire_type} for a {field.type!r}")
    if field.type == "i":
        return signed64(value)
    if field.type == "b":
        return value != 0
    result: float = struct.unpack("<d", value.to_bytes(8, "little"))[0]
    return result


def _value(field: Field, wire_type: int, value: int | memoryview) -> Any:
    kind = field.type
    if kind in _WIRE_TYPES:
        return _scalar(field, wire_type, value)
    data = _length(value, field)
    if kind == "s":
        return _string(data)
    if kind == "y":
        return base64.b64encode(data).decode("ascii")
    return _special(kind, data) if kind in _SPECIAL_DECODERS else _decode(data, MESSAGES[kind])


def _map_entry(data: memoryview, field: Field) -> tuple[str, Any]:
    """One ``key=1``/``value=2`` entry; a missing value is the value type's zero, and a zero
    Time is ``null``, as Go's JSON writes a map value of ``metav1.Time{}``."""
    key = ""
    item: Any = None
    for number, wire_type, value in fields(data):
        if number == 1:
            key = _string(_length(value, field))
        elif number == 2:
            item = _value(field, wire_type, value)
    if item is None:
        item = (_scalar(field, _WIRE_TYPES[field.type], 0) if field.type in _WIRE_TYPES
                else _value(field, LENGTH, memoryview(b"")))
    return key, None if item is _ABSENT else item


def _sub_fields(data: memoryview) -> dict[int, int | memoryview]:
    return {number: value for number, _, value in fields(data)}


def _quantity(data: memoryview) -> str:
    text = _sub_fields(data).get(1)
    return _string(text) if isinstance(text, memoryview) and len(text) else "0"


def _int_or_string(data: memoryview) -> int | str:
    parts = _sub_fields(data)
    if parts.get(1, 0):  # type 1: String
        text = parts.get(3)
        return _string(text) if isinstance(text, memoryview) else ""
    number = parts.get(2, 0)
    return signed64(number) if isinstance(number, int) else 0


def _timestamp(data: memoryview, micro: bool) -> Any:
    if not len(data):
        return _ABSENT
    parts = _sub_fields(data)
    seconds, nanos = parts.get(1, 0), parts.get(2, 0)
    if not isinstance(seconds, int) or not isinstance(nanos, int):
        raise WireError("a Time with a length-delimited seconds or nanos")
    moment = _EPOCH + timedelta(seconds=signed64(seconds))
    if micro:  # metav1.MicroTime: RFC 3339 with microseconds, in UTC
        moment += timedelta(microseconds=signed64(nanos) // 1000)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # metav1.Time drops the fraction


def go_duration(nanoseconds: int) -> str:
    """``time.Duration.String()``: ``1h0m0s``, ``1.5s``, ``300ms``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    ns = abs(nanoseconds)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _fraction(ns, size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _fraction(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _fraction(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def _special(kind: str, data: memoryview) -> Any:
    return _SPECIAL_DECODERS[kind](data)


def _strings(data: memoryview) -> list[str]:
    return [_string(v) for n, _, v in fields(data) if n == 1 and isinstance(v, memoryview)]


def _fields_v1(data: memoryview) -> Any:
    raw = _sub_fields(data).get(1)
    if not isinstance(raw, memoryview) or not len(raw):
        return {}
    try:
        return orjson.loads(bytes(raw))
    except orjson.JSONDecodeError as exc:
        raise WireError(f"fieldsV1 is not JSON: {exc}") from None


def _duration(data: memoryview) -> str:
    value = _sub_fields(data).get(1, 0)
    return go_duration(signed64(value) if isinstance(value, int) else 0)


_SPECIAL_DECODERS: dict[str, Any] = {
    "Quantity": _quantity,
    "IntOrString": _int_or_string,
    "Time": lambda data: _timestamp(data, micro=False),
    "MicroTime": lambda data: _timestamp(data, micro=True),
    "Duration": _duration,
    "FieldsV1": _fields_v1,
    "Strings": _strings,
}
