"""A test-side protobuf encoder driven by the same field tables: JSON-shaped dict -> bytes.

It writes what Go's generated marshallers write (every field present in the dict, scalars
unpacked, map entries as key=1/value=2 messages), so tests can send real-server-compatible
protobuf bodies without a protobuf library. A key the table does not know raises KeyError:
test fixtures must only use fields the tables describe.
"""

from __future__ import annotations

import base64
import struct
from datetime import datetime
from typing import Any

import orjson

from kubeflow_informer.apiserver.protobuf import MAGIC
from kubeflow_informer.apiserver.protobuf.schema import Field, Message
from kubeflow_informer.apiserver.protobuf.tables import KINDS, MESSAGES


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def length_field(number: int, payload: bytes) -> bytes:
    return tag(number, 2) + varint(len(payload)) + payload


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = length_field(1, api_version.encode()) + length_field(2, kind.encode())
    unknown = length_field(1, type_meta) + length_field(2, raw)
    return MAGIC + unknown + length_field(3, b"") + length_field(4, b"")


def encode_object(obj: dict[str, Any]) -> bytes:
    """The protobuf body of a whole object (apiVersion and kind pick the table)."""
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    message = MESSAGES[KINDS[(obj["apiVersion"], obj["kind"])]]
    return envelope(obj["apiVersion"], obj["kind"], encode_message(body, message))


def encode_message(obj: dict[str, Any], message: Message) -> bytes:
    out = bytearray()
    used: set[str] = set()
    for number in sorted(message.fields):
        field = message.fields[number]
        if field.inline:
            inner = MESSAGES[field.type]
            names = _json_names(inner)
            part = {k: v for k, v in obj.items() if k in names}
            used.update(part)
            out += length_field(number, encode_message(part, inner))
            continue
        if field.json_name not in obj:
            continue
        used.add(field.json_name)
        value = obj[field.json_name]
        if field.map:
            for key, item in value.items():
                entry = length_field(1, key.encode()) + _encode_value(2, field, item)
                out += length_field(number, entry)
        elif field.repeated:
            for item in value:
                out += _encode_value(number, field, item)
        else:
            out += _encode_value(number, field, value)
    unknown = set(obj) - used
    if unknown:
        raise KeyError(f"{message.name} has no field for {sorted(unknown)}")
    return bytes(out)


def _json_names(message: Message) -> set[str]:
    names: set[str] = set()
    for field in message.fields.values():
        names |= _json_names(MESSAGES[field.type]) if field.inline else {field.json_name}
    return names


def _seconds(text: str) -> tuple[int, int]:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()), moment.microsecond * 1000


def _encode_value(number: int, field: Field, value: Any) -> bytes:
    kind = field.type
    if kind == "s":
        return length_field(number, value.encode())
    if kind == "i" or kind == "b":
        return tag(number, 0) + varint(int(value))
    if kind == "f":
        return tag(number, 1) + struct.pack("<d", value)
    if kind == "y":
        return length_field(number, base64.b64decode(value))
    if kind == "Quantity":
        return length_field(number, length_field(1, str(value).encode()))
    if kind == "IntOrString":
        if isinstance(value, int):
            return length_field(number, tag(1, 0) + varint(0) + tag(2, 0) + varint(value))
        return length_field(number, tag(1, 0) + varint(1) + length_field(3, value.encode()))
    if kind in ("Time", "MicroTime"):
        seconds, nanos = _seconds(value)
        payload = tag(1, 0) + varint(seconds) + (tag(2, 0) + varint(nanos) if nanos else b"")
        return length_field(number, payload)
    if kind == "FieldsV1":
        return length_field(number, length_field(1, orjson.dumps(value)))
    if kind == "Strings":
        return length_field(number, b"".join(length_field(1, v.encode()) for v in value))
    return length_field(number, encode_message(value, MESSAGES[kind]))
