"""The OpenAPI v2 document in protobuf, as client-go asks for it.

client-go (``DiscoveryClient.OpenAPISchema``, used by kubectl's client-side validation and
``explain --output=plaintext-openapiv2``) requests ``/openapi/v2`` as
``application/com.github.proto-openapi.spec.v2@v1.0+protobuf`` and decodes the body as gnostic's
``openapi.v2.Document`` message, whatever the response's content type. The real server converts
its JSON document with gnostic's compiler; :func:`encode_document` does the same conversion:

* every object becomes its gnostic message, fields in field-number order (the order Go's
  ``proto.Marshal`` writes), proto3 zero values left out;
* maps (``paths``, ``definitions``, ``properties``, ``responses``...) become repeated
  ``Named*`` pairs in document order; ``x-`` keys become ``vendor_extension`` ``NamedAny`` pairs;
* free-form values (``x-`` extensions, ``default``, ``enum``, ``example``) become ``Any.yaml``,
  their YAML text as gnostic's ``yaml.v3`` emitter writes it (:func:`yaml_text`).

The field numbers are those of gnostic's published ``openapiv2/OpenAPIv2.proto``. A test checks
that the built-in document encodes to the very bytes the real server sends.
"""

from __future__ import annotations

import enum
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

__all__ = ["encode_document", "yaml_text"]

# ------------------------------------------------------------------------------- wire format


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_KEYS: dict[tuple[int, int], bytes] = {}


def _key(field: int, wire: int) -> bytes:
    key = _KEYS.get((field, wire))
    if key is None:
        key = _KEYS[(field, wire)] = _varint(field << 3 | wire)
    return key


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


# ------------------------------------------------------------------------------- YAML values

# Plain text that YAML would read as something other than a string: yaml.v3 double-quotes it.
_NOT_A_STRING = re.compile(
    r"^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+)"
    r"|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?)$"
)
_PRINTABLE = re.compile(r"^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$")
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


def _plain_allowed(text: str) -> bool:
    """Whether libyaml's emitter may write ``text`` as a plain block scalar."""
    if not text or text[0] == " " or text[-1] == " " or not _PRINTABLE.match(text):
        return False
    if text.startswith(("---", "...")) or text[0] in _INDICATORS:
        return False
    if text[0] in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    return ": " not in text and not text.endswith(":") and " #" not in text


def _yaml_scalar(value: Any) -> str:
    """A scalar as yaml.v3 writes it: plain when it can, single-quoted when plain text would be
    misread as syntax, double-quoted when it would be misread as another type."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return orjson.dumps(value).decode()
    text = str(value)
    if _NOT_A_STRING.match(text):
        return orjson.dumps(text).decode()  # a JSON string is a valid YAML double-quoted one
    if _plain_allowed(text):
        return text
    if _PRINTABLE.match(text):
        return "'" + text.replace("'", "''") + "'"
    return orjson.dumps(text).decode()


def _yaml_lines(value: Any, indent: str) -> list[str]:
    """Block YAML of a mapping or a sequence, one line per entry, for ``yaml_text``."""
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{indent}{_yaml_scalar(key)}:"
            if isinstance(item, (Mapping, list)) and item:
                lines.append(head)
                lines.extend(_yaml_lines(item, indent + "  "))
            else:
                lines.append(f"{head} {_yaml_flow(item)}")
    else:
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                nested = _yaml_lines(item, indent + "  ")
                lines.append(f"{indent}- {nested[0][len(indent) + 2:]}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{indent}- {_yaml_flow(item)}")
    return lines


def _yaml_flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _yaml_scalar(value)


def yaml_text(value: Any) -> str:
    """The YAML of a JSON value as ``Any.yaml`` carries it (a document, newline-terminated)."""
    if isinstance(value, (Mapping, list)) and value:
        return "\n".join(_yaml_lines(value, "")) + "\n"
    return _yaml_flow(value) + "\n"


# ------------------------------------------------------------------------------- messages

class _Scalar(enum.Enum):
    """How a scalar (or repeated scalar) field is written."""

    STRING = enum.auto()
    BOOL = enum.auto()
    DOUBLE = enum.auto()
    INT = enum.auto()
    STRINGS = enum.auto()
    ANY = enum.auto()
    ANYS = enum.auto()


_STRING, _BOOL, _DOUBLE, _INT = _Scalar.STRING, _Scalar.BOOL, _Scalar.DOUBLE, _Scalar.INT
_STRINGS, _ANY, _ANYS = _Scalar.STRINGS, _Scalar.ANY, _Scalar.ANYS

# A field's encoder: a scalar kind, or a function giving the payloads of its (repeated) message.
Encoder = _Scalar | Callable[[Any], list[bytes]]
# A message: its fields as (JSON key, field number, encoder) in field-number order, and the
# field number of its vendor extensions (0: none).
Table = tuple[tuple[tuple[str, int, Encoder], ...], int]


def _any(value: Any) -> bytes:
    return _length_delimited(2, yaml_text(value).encode())


def _named_any(name: str, value: Any) -> bytes:
    return _length_delimited(1, name.encode()) + _length_delimited(2, _any(value))


def _encode(obj: Mapping[str, Any], table: Table) -> bytes:
    fields, extension_field = table
    parts = []
    for name, number, encoder in fields:
        if name in obj:
            parts.append(_field(number, encoder, obj[name]))
    if extension_field:
        parts.extend(
            _length_delimited(extension_field, _named_any(key, value))
            for key, value in obj.items()
            if key.startswith("x-")
        )
    return b"".join(parts)


def _field(number: int, encoder: Encoder, value: Any) -> bytes:
    if not isinstance(encoder, _Scalar):
        return b"".join(_length_delimited(number, payload) for payload in encoder(value))
    if encoder is _STRING:
        return _length_delimited(number, str(value).encode()) if value else b""
    if encoder is _BOOL:
        return _key(number, 0) + b"\x01" if value else b""
    if encoder is _DOUBLE:
        return _key(number, 1) + struct.pack("<d", float(value)) if value else b""
    if encoder is _INT:
        return _key(number, 0) + _varint(int(value)) if value else b""
    if encoder is _STRINGS:
        return b"".join(_length_delimited(number, str(v).encode()) for v in value)
    if encoder is _ANY:
        return _length_delimited(number, _any(value))
    return b"".join(_length_delimited(number, _any(v)) for v in value)  # ANYS


def _one(table_of: Callable[[], Table]) -> Callable[[Any], list[bytes]]:
    return lambda value: [_encode(value, table_of())]


def _named(encode_value: Callable[[Any], bytes]) -> Callable[[Any], list[bytes]]:
    """A JSON map as repeated ``Named*`` (name, value) messages."""
    return lambda mapping: [
        _length_delimited(1, name.encode()) + _length_delimited(2, encode_value(value))
        for name, value in mapping.items()
    ]


def _map_message(encode_value: Callable[[Any], bytes]) -> Callable[[Any], list[bytes]]:
    """A message whose field 1 is the repeated ``Named*`` pairs of a JSON map."""
    named = _named(encode_value)
    return lambda mapping: [b"".join(_length_delimited(1, pair) for pair in named(mapping))]


def _schema(value: Mapping[str, Any]) -> bytes:
    return _encode(value, _SCHEMA)


def _additional_properties(value: Any) -> list[bytes]:
    if isinstance(value, bool):
        return [_key(2, 0) + (b"\x01" if value else b"\x00")]
    return [_length_delimited(1, _schema(value))]


def _type_item(value: Any) -> list[bytes]:
    values = value if isinstance(value, list) else [value]
    return [b"".join(_length_delimited(1, str(v).encode()) for v in values)]


def _items_item(value: Any) -> list[bytes]:
    values = value if isinstance(value, list) else [value]
    return [b"".join(_length_delimited(1, _schema(v)) for v in values)]


_EXTERNAL_DOCS: Table = ((("description", 1, _STRING), ("url", 2, _STRING)), 3)
_XML: Table = ((("name", 1, _STRING), ("namespace", 2, _STRING), ("prefix", 3, _STRING),
                ("attribute", 4, _BOOL), ("wrapped", 5, _BOOL)), 6)

_SCHEMA: Table = (
    (
        ("$ref", 1, _STRING), ("format", 2, _STRING), ("title", 3, _STRING),
        ("description", 4, _STRING), ("default", 5, _ANY), ("multipleOf", 6, _DOUBLE),
        ("maximum", 7, _DOUBLE), ("exclusiveMaximum", 8, _BOOL), ("minimum", 9, _DOUBLE),
        ("exclusiveMinimum", 10, _BOOL), ("maxLength", 11, _INT), ("minLength", 12, _INT),
        ("pattern", 13, _STRING), ("maxItems", 14, _INT), ("minItems", 15, _INT),
        ("uniqueItems", 16, _BOOL), ("maxProperties", 17, _INT), ("minProperties", 18, _INT),
        ("required", 19, _STRINGS), ("enum", 20, _ANYS),
        ("additionalProperties", 21, _additional_properties), ("type", 22, _type_item),
        ("items", 23, _items_item),
        ("allOf", 24, lambda values: [_schema(v) for v in values]),
        ("properties", 25, _map_message(_schema)), ("discriminator", 26, _STRING),
        ("readOnly", 27, _BOOL), ("xml", 28, _one(lambda: _XML)),
        ("externalDocs", 29, _one(lambda: _EXTERNAL_DOCS)), ("example", 30, _ANY),
    ),
    31,
)

_PRIMITIVE_FIELDS: tuple[tuple[str, Encoder | None], ...] = (
    ("type", _STRING), ("format", _STRING), ("items", None), ("collectionFormat", _STRING),
    ("default", _ANY), ("maximum", _DOUBLE), ("exclusiveMaximum", _BOOL), ("minimum", _DOUBLE),
    ("exclusiveMinimum", _BOOL), ("maxLength", _INT), ("minLength", _INT), ("pattern", _STRING),
    ("maxItems", _INT), ("minItems", _INT), ("uniqueItems", _BOOL), ("enum", _ANYS),
    ("multipleOf", _DOUBLE),
)


def _numbered(head: Sequence[tuple[str, Encoder | None]], extension_offset: int = 0) -> Table:
    """A parameter-like table: ``head`` fields then the primitive ones, numbered in order."""
    fields = [*head, *_PRIMITIVE_FIELDS]
    numbered = tuple(
        (name, number, encoder if encoder is not None else _one(lambda: _PRIMITIVES_ITEMS))
        for number, (name, encoder) in enumerate(fields, start=1)
    )
    return numbered, len(fields) + 1 + extension_offset


_PRIMITIVES_ITEMS: Table = _numbered(())
_QUERY_OR_FORM: Table = _numbered((("required", _BOOL), ("in", _STRING), ("description", _STRING),
                                   ("name", _STRING), ("allowEmptyValue", _BOOL)))
_PATH_OR_HEADER: Table = _numbered((("required", _BOOL), ("in", _STRING),
                                    ("description", _STRING), ("name", _STRING)))
_BODY: Table = ((("description", 1, _STRING), ("name", 2, _STRING), ("in", 3, _STRING),
                 ("required", 4, _BOOL), ("schema", 5, _one(lambda: _SCHEMA))), 6)
_NON_BODY = {"header": (1, _PATH_OR_HEADER), "formData": (2, _QUERY_OR_FORM),
             "query": (3, _QUERY_OR_FORM), "path": (4, _PATH_OR_HEADER)}


def _parameter(value: Mapping[str, Any]) -> bytes:
    if value.get("in") == "body":
        return _length_delimited(1, _encode(value, _BODY))
    number, table = _NON_BODY[str(value.get("in"))]
    return _length_delimited(2, _length_delimited(number, _encode(value, table)))


def _json_reference(value: Mapping[str, Any]) -> bytes:
    return _field(1, _STRING, value.get("$ref")) + _field(2, _STRING, value.get("description"))


def _parameters_item(value: Mapping[str, Any]) -> bytes:
    if "$ref" in value:
        return _length_delimited(2, _json_reference(value))
    return _length_delimited(1, _parameter(value))


def _response(value: Mapping[str, Any]) -> bytes:
    if "$ref" in value:
        return _length_delimited(2, _json_reference(value))
    fields = _field(1, _STRING, value.get("description"))
    if "schema" in value:
        fields += _length_delimited(2, _length_delimited(1, _schema(value["schema"])))
    if "headers" in value or "examples" in value:
        raise ValueError("response headers and examples are not encoded")
    extensions = b"".join(_length_delimited(5, _named_any(k, v)) for k, v in value.items()
                          if k.startswith("x-"))
    return _length_delimited(1, fields + extensions)


def _responses(value: Mapping[str, Any]) -> list[bytes]:
    codes = b"".join(
        _length_delimited(1, _length_delimited(1, code.encode())
                          + _length_delimited(2, _response(response)))
        for code, response in value.items() if not code.startswith("x-")
    )
    extensions = b"".join(_length_delimited(2, _named_any(k, v)) for k, v in value.items()
                          if k.startswith("x-"))
    return [codes + extensions]


_OPERATION: Table = (
    (
        ("tags", 1, _STRINGS), ("summary", 2, _STRING), ("description", 3, _STRING),
        ("externalDocs", 4, _one(lambda: _EXTERNAL_DOCS)), ("operationId", 5, _STRING),
        ("produces", 6, _STRINGS), ("consumes", 7, _STRINGS),
        ("parameters", 8, lambda values: [_parameters_item(v) for v in values]),
        ("responses", 9, _responses), ("schemes", 10, _STRINGS), ("deprecated", 11, _BOOL),
    ),
    13,
)
_PATH_ITEM: Table = (
    (
        ("$ref", 1, _STRING), ("get", 2, _one(lambda: _OPERATION)),
        ("put", 3, _one(lambda: _OPERATION)), ("post", 4, _one(lambda: _OPERATION)),
        ("delete", 5, _one(lambda: _OPERATION)), ("options", 6, _one(lambda: _OPERATION)),
        ("head", 7, _one(lambda: _OPERATION)), ("patch", 8, _one(lambda: _OPERATION)),
        ("parameters", 9, lambda values: [_parameters_item(v) for v in values]),
    ),
    10,
)


def _paths(value: Mapping[str, Any]) -> list[bytes]:
    extensions = b"".join(_length_delimited(1, _named_any(k, v)) for k, v in value.items()
                          if k.startswith("x-"))
    paths = b"".join(
        _length_delimited(2, _length_delimited(1, path.encode())
                          + _length_delimited(2, _encode(item, _PATH_ITEM)))
        for path, item in value.items() if not path.startswith("x-")
    )
    return [extensions + paths]


def _security_definition(value: Mapping[str, Any]) -> bytes:
    if value.get("type") == "apiKey":
        table: Table = ((("type", 1, _STRING), ("name", 2, _STRING), ("in", 3, _STRING),
                         ("description", 4, _STRING)), 5)
        return _length_delimited(2, _encode(value, table))
    if value.get("type") == "basic":
        basic: Table = ((("type", 1, _STRING), ("description", 2, _STRING)), 3)
        return _length_delimited(1, _encode(value, basic))
    raise ValueError(f"security definition {value.get('type')!r} is not encoded")


def _security(values: Sequence[Mapping[str, Any]]) -> list[bytes]:
    return [
        b"".join(
            _length_delimited(1, _length_delimited(1, name.encode()) + _length_delimited(
                2, b"".join(_length_delimited(1, str(s).encode()) for s in scopes)))
            for name, scopes in requirement.items()
        )
        for requirement in values
    ]


_INFO: Table = ((("title", 1, _STRING), ("version", 2, _STRING), ("description", 3, _STRING),
                 ("termsOfService", 4, _STRING)), 7)
_DOCUMENT: Table = (
    (
        ("swagger", 1, _STRING), ("info", 2, _one(lambda: _INFO)), ("host", 3, _STRING),
        ("basePath", 4, _STRING), ("schemes", 5, _STRINGS), ("consumes", 6, _STRINGS),
        ("produces", 7, _STRINGS), ("paths", 8, _paths),
        ("definitions", 9, _map_message(_schema)),
        ("parameters", 10, _map_message(_parameter)), ("security", 12, _security),
        ("securityDefinitions", 13, _map_message(_security_definition)),
    ),
    16,
)


def encode_document(document: Mapping[str, Any]) -> bytes:
    """The gnostic ``openapi.v2.Document`` protobuf of a Swagger 2.0 document (JSON data)."""
    if "responses" in document or "tags" in document or "externalDocs" in document:
        raise ValueError("document-level responses, tags and externalDocs are not encoded")
    return _encode(document, _DOCUMENT)
