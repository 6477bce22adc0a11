"""The field table's notation and its parsed form.

The tables (``meta.py``, ``core.py``, ...) describe each message of the Kubernetes ``.proto``
definitions in one compact text block, derived by hand from the published
``k8s.io/api/*/generated.proto`` and apimachinery's ``meta/v1``, ``api/resource``,
``util/intstr`` and ``runtime`` protos. A message starts at column 0 with ``Name:``; indented
lines continue it. Each field is ``jsonName=number[:type][?]``:

- type: ``s`` string (the default, also every enum: they are strings in k8s protos), ``i``
  int32/int64, ``b`` bool, ``y`` bytes (base64 in JSON), ``f`` double; a message name (``Name``
  in the same table, ``pkg.Name`` from another); ``Quantity``, ``IntOrString``, ``Time``,
  ``MicroTime``, ``Duration``, ``FieldsV1``, ``Strings`` (a message whose field 1 is the
  list itself, as ``ExtraValue``) are the special encodings;
- ``[T]`` a repeated field, ``{T}`` a ``map<string, T>`` (repeated key=1/value=2 entries);
- ``^T`` an embedded Go struct whose JSON fields are inlined into the parent (the json name is
  then ``_``);
- a trailing ``?`` keeps a zero scalar: Go pointers (``*int32``, ``*bool``, ``*string``) and
  fields without ``omitempty``. Other zero scalars are dropped, as Go's JSON encoder's
  ``omitempty`` does for the non-pointer fields gogo-protobuf always writes.

Contract: a message field present on the wire is present in the JSON (possibly ``{}``), absent
stays absent — exactly Go's JSON of the decoded struct, minus the ``null`` of nil values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SCALARS", "SPECIALS", "Field", "Message", "parse_table"]

SCALARS = frozenset({"s", "i", "b", "y", "f"})
SPECIALS = frozenset(
    {"Quantity", "IntOrString", "Time", "MicroTime", "Duration", "FieldsV1", "Strings"}
)

_FIELD = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*)=(\d+)(?::(\^|\[|\{)?([A-Za-z][A-Za-z0-9_.]*)[\]}]?)?(\?)?$"
)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message: how its wire value becomes a JSON value."""

    json_name: str
    number: int
    type: str  # a scalar code, a special name or a qualified message name
    repeated: bool = False
    map: bool = False
    inline: bool = False
    keep_zero: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """One message: its qualified name and its fields by number."""

    name: str
    fields: dict[int, Field]


def _qualify(type_name: str, package: str) -> str:
    if type_name in SCALARS or type_name in SPECIALS or "." in type_name:
        return type_name
    return f"{package}.{type_name}"


def parse_table(package: str, text: str) -> dict[str, Message]:
    """The messages of one table block, named ``package.Name``; ValueError on a malformed
    field (the tables are checked by the tests at import, never at request time)."""
    messages: dict[str, Message] = {}
    current: dict[int, Field] | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            name, _, rest = line.partition(":")
            current = {}
            messages[f"{package}.{name.strip()}"] = Message(f"{package}.{name.strip()}", current)
            line = rest
        if current is None:
            raise ValueError(f"{package}: field before the first message: {line!r}")
        for token in line.split():
            match = _FIELD.match(token)
            if match is None:
                raise ValueError(f"{package}: malformed field {token!r}")
            json_name, number, shape, type_name, keep = match.groups()
            field = Field(
                json_name=json_name,
                number=int(number),
                type=_qualify(type_name or "s", package),
                repeated=shape == "[",
                map=shape == "{",
                inline=shape == "^",
                keep_zero=keep == "?",
            )
            if field.number in current:
                raise ValueError(f"{package}: field number {number} twice in one message")
            current[field.number] = field
    return messages
