"""The protobuf wire format, read-only: varints, length-delimited fields, fixed32/fixed64.

Only what Kubernetes' proto2 messages use. :func:`fields` walks one message's bytes and yields
``(number, wire_type, value)``: an ``int`` for varints and fixed-width fields, a ``memoryview``
slice for length-delimited ones (strings, bytes, embedded messages, packed repeated scalars).
Malformed input (a truncated varint, a length past the end, a group wire type) raises
:class:`WireError`, which the decoder turns into a 400.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubeflow_informer.errors import KubeflowInformerError

__all__ = [
    "FIXED32",
    "FIXED64",
    "LENGTH",
    "VARINT",
    "WireError",
    "fields",
    "packed_varints",
    "read_varint",
    "signed64",
]

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5

_MASK64 = (1 << 64) - 1


class WireError(KubeflowInformerError, ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: memoryview, pos: int) -> tuple[int, int]:
    """The unsigned varint at ``pos`` and the position after it (at most 10 bytes, as in Go)."""
    result = 0
    shift = 0
    end = len(data)
    while True:
        if pos >= end:
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def signed64(value: int) -> int:
    """A varint as Go's int32/int64: negative numbers travel as 64-bit two's complement."""
    return value - (1 << 64) if value >= 1 << 63 else value


def fields(data: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """Every field of one message in wire order: ``(number, wire type, value)``."""
    pos = 0
    end = len(data)
    while pos < end:
        key, pos = read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
            yield number, wire_type, value
        elif wire_type == LENGTH:
            length, pos = read_varint(data, pos)
            if pos + length > end:
                raise WireError(f"field {number}: length {length} runs past the end")
            yield number, wire_type, data[pos:pos + length]
            pos += length
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise WireError(f"field {number}: truncated fixed64")
            yield number, wire_type, int.from_bytes(data[pos:pos + 8], "little")
            pos += 8
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise WireError(f"field {number}: truncated fixed32")
            yield number, wire_type, int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        else:
            raise WireError(f"field {number}: unsupported wire type {wire_type}")


def packed_varints(data: memoryview) -> list[int]:
    """The elements of a packed repeated varint field."""
    values = []
    pos = 0
    while pos < len(data):
        value, pos = read_varint(data, pos)
        values.append(value)
    return values
