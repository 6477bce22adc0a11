"""Label and field selectors: parse, match, format - with Kubernetes semantics.

Label selectors follow apimachinery ``labels.Parse``:

* ``k=v`` / ``k==v`` (equal), ``k!=v`` (not equal), ``k in (a,b)``, ``k notin (a,b)``, ``k``
  (exists), ``!k`` (does not exist), ``k>5`` / ``k<5`` (integer comparisons); a comma is AND;
  whitespace around tokens is ignored.
* ``!=`` and ``notin`` also match objects that do not carry the label at all, as in Kubernetes.
* Keys are qualified names (an optional DNS-subdomain prefix and ``/``, then a name of at most 63
  characters); values are empty or at most 63 characters of ``[A-Za-z0-9-_.]`` starting and ending
  alphanumerically. Anything else raises :class:`SelectorError`.

Field selectors follow apimachinery ``fields.ParseSelector``: ``f=v``, ``f==v``, ``f!=v``, comma is
AND; in a value ``\\,``, ``\\=`` and ``\\\\`` escape the special characters, and an unescaped ``,``
or ``=`` in a value, or any other escape, is an error. A field the object does not have compares as
the empty string (``spec.nodeName=`` selects unscheduled pods).

Why pre-compiled tuples: the embedded API server evaluates a selector for every watcher on every
event, so parsing happens once and :meth:`LabelSelector.matches` / :meth:`FieldSelector.matches`
are plain loops over ``(key, op, value)`` tuples without regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeflow_informer.errors import KubeflowInformerError

__all__ = [
    "FieldSelector",
    "LabelSelector",
    "SelectorError",
    "escape_field_value",
    "fields_for",
    "object_fields",
    "pod_fields",
]


class SelectorError(KubeflowInformerError, ValueError):
    """A label or field selector that cannot be parsed or is not valid."""


# Operator codes of a compiled label requirement.
_EQ, _NE, _IN, _NOTIN, _EXISTS, _NOT_EXISTS, _GT, _LT = range(8)
_OP_TEXT = {_EQ: "=", _NE: "!=", _IN: "in", _NOTIN: "notin", _GT: ">", _LT: "<"}
_EXPRESSION_OPS = {"In": _IN, "NotIn": _NOTIN, "Exists": _EXISTS, "DoesNotExist": _NOT_EXISTS}

_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_EMPTY: Mapping[str, str] = {}

_LabelReq = tuple[str, int, Any]


def _validate_key(key: str) -> None:
    """Reject a label key that is not a qualified name (apimachinery ``IsQualifiedName``)."""
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            raise SelectorError(f"invalid label key {key!r}: prefix part must be non-empty")
        if len(prefix) > 253 or not _DNS_SUBDOMAIN_RE.match(prefix):
            raise SelectorError(
                f"invalid label key {key!r}: prefix must be a DNS subdomain "
                "(lowercase alphanumerics, '-' and '.', at most 253 characters)"
            )
    else:
        raise SelectorError(f"invalid label key {key!r}: at most one '/' is allowed")
    if not name:
        raise SelectorError(f"invalid label key {key!r}: name part must be non-empty")
    if len(name) > 63:
        raise SelectorError(f"invalid label key {key!r}: name part must be at most 63 characters")
    if not _NAME_RE.match(name):
        raise SelectorError(
            f"invalid label key {key!r}: name part must consist of alphanumerics, '-', '_' or '.',"
            " and start and end with an alphanumeric character"
        )


def _validate_value(value: str) -> None:
    """Reject a label value that Kubernetes would not store (``IsValidLabelValue``)."""
    if not value:
        return
    if len(value) > 63:
        raise SelectorError(f"invalid label value {value!r}: must be at most 63 characters")
    if not _NAME_RE.match(value):
        raise SelectorError(
            f"invalid label value {value!r}: must consist of alphanumerics, '-', '_' or '.',"
            " and start and end with an alphanumeric character"
        )


def _make_requirement(key: str, op: int, values: Iterable[str]) -> _LabelReq:
    """Validate one requirement and compile it to the tuple :meth:`LabelSelector.matches` reads."""
    _validate_key(key)
    vals = list(values)
    if op in (_EQ, _NE):
        if len(vals) != 1:
            raise SelectorError(f"label requirement on {key!r}: exactly one value is required")
        _validate_value(vals[0])
        return (key, op, vals[0])
    if op in (_IN, _NOTIN):
        if not vals:
            raise SelectorError(f"label requirement on {key!r}: 'in'/'notin' need values")
        for value in vals:
            _validate_value(value)
        return (key, op, frozenset(vals))
    if op in (_GT, _LT):
        if len(vals) != 1:
            raise SelectorError(f"label requirement on {key!r}: exactly one value is required")
        try:
            number = int(vals[0])
        except ValueError:
            raise SelectorError(
                f"label requirement on {key!r}: '>'/'<' need an integer, got {vals[0]!r}"
            ) from None
        return (key, op, number)
    if vals:
        raise SelectorError(f"label requirement on {key!r}: exists/!exists take no values")
    return (key, op, None)


def _format_requirement(req: _LabelReq) -> str:
    key, op, value = req
    if op == _EXISTS:
        return key
    if op == _NOT_EXISTS:
        return f"!{key}"
    if op in (_IN, _NOTIN):
        return f"{key} {_OP_TEXT[op]} ({','.join(sorted(value))})"
    return f"{key}{_OP_TEXT[op]}{value}"


# --- label selector lexer/parser -------------------------------------------------------------

_SPECIAL = frozenset("!=(),<>")
_TOKEN_ID, _TOKEN_OP, _TOKEN_PUNCT, _TOKEN_END = range(4)


def _lex(text: str) -> list[tuple[int, str]]:
    """Split selector text into identifier, operator and punctuation tokens."""
    tokens: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append((_TOKEN_PUNCT, ch))
            i += 1
        elif ch in "!=<>":
            two = text[i : i + 2]
            if two in ("==", "!="):
                tokens.append((_TOKEN_OP, two))
                i += 2
            else:
                tokens.append((_TOKEN_OP, ch))
                i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append((_TOKEN_ID, text[start:i]))
    tokens.append((_TOKEN_END, ""))
    return tokens


class _LabelParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _lex(text)
        self.pos = 0

    def _error(self, why: str) -> SelectorError:
        return SelectorError(f"invalid label selector {self.text!r}: {why}")

    def _next(self) -> tuple[int, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _peek(self) -> tuple[int, str]:
        return self.tokens[self.pos]

    def parse(self) -> list[_LabelReq]:
        reqs: list[_LabelReq] = []
        if self._peek()[0] == _TOKEN_END:
            return reqs
        while True:
            reqs.append(self._requirement())
            kind, text = self._next()
            if kind == _TOKEN_END:
                return reqs
            if (kind, text) != (_TOKEN_PUNCT, ","):
                raise self._error(f"expected ',' or end of selector, found {text!r}")

    def _requirement(self) -> _LabelReq:
        kind, text = self._next()
        negated = False
        if (kind, text) == (_TOKEN_OP, "!"):
            negated = True
            kind, text = self._next()
        if kind != _TOKEN_ID:
            raise self._error(f"expected a label key, found {text or 'end of selector'!r}")
        key = text
        try:
            if negated:
                return _make_requirement(key, _NOT_EXISTS, ())
            kind, text = self._peek()
            if kind == _TOKEN_END or (kind, text) == (_TOKEN_PUNCT, ","):
                return _make_requirement(key, _EXISTS, ())
            self.pos += 1
            if kind == _TOKEN_ID and text in ("in", "notin"):
                return _make_requirement(key, _IN if text == "in" else _NOTIN, self._value_set())
            if kind == _TOKEN_OP and text in ("=", "==", "!=", ">", "<"):
                op = {"=": _EQ, "==": _EQ, "!=": _NE, ">": _GT, "<": _LT}[text]
                return _make_requirement(key, op, (self._exact_value(),))
        except SelectorError as exc:
            if str(exc).startswith("invalid label selector"):
                raise
            raise self._error(str(exc)) from None
        raise self._error(f"expected an operator after {key!r}, found {text!r}")

    def _exact_value(self) -> str:
        kind, text = self._peek()
        if kind == _TOKEN_END or (kind, text) == (_TOKEN_PUNCT, ","):
            return ""
        if kind != _TOKEN_ID:
            raise self._error(f"expected a value, found {text!r}")
        self.pos += 1
        return text

    def _value_set(self) -> list[str]:
        if self._next() != (_TOKEN_PUNCT, "("):
            raise self._error("expected '(' after 'in'/'notin'")
        values: list[str] = []
        expect_value = True
        while True:
            kind, text = self._next()
            if (kind, text) == (_TOKEN_PUNCT, ")"):
                if expect_value and values:
                    values.append("")  # "a,)" - a trailing empty value, as apimachinery allows
                return values
            if (kind, text) == (_TOKEN_PUNCT, ","):
                if expect_value:
                    values.append("")
                expect_value = True
            elif kind == _TOKEN_ID and expect_value:
                values.append(text)
                expect_value = False
            else:
                raise self._error(f"unexpected {text or 'end of selector'!r} in value set")


class LabelSelector:
    """A parsed, validated label selector; immutable and hashable.

    ``matches(labels)`` is the hot path. ``str()`` gives the canonical text (requirements sorted
    by key, set values sorted, ``==`` written as ``=``), which parses back to an equal selector.
    ``empty`` is true for the selector that selects everything. A selector built from a missing
    ``metav1.LabelSelector`` (``from_dict(None)``) or an empty Service selector selects nothing:
    ``selects_nothing`` is true and ``str()`` is empty, as apimachinery's ``Nothing()``.
    """

    __slots__ = ("_canonical", "_nothing", "_reqs")

    def __init__(self, requirements: Iterable[_LabelReq] = (), *, nothing: bool = False) -> None:
        self._reqs: tuple[_LabelReq, ...] = tuple(sorted(requirements, key=lambda r: r[0]))
        self._nothing = nothing
        self._canonical = "" if nothing else ",".join(_format_requirement(r) for r in self._reqs)

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse label selector text; an empty or blank string selects everything."""
        return cls(_LabelParser(text).parse())

    @classmethod
    def everything(cls) -> LabelSelector:
        """The selector that matches every object (also ``LabelSelector.parse("")``)."""
        return cls()

    @classmethod
    def nothing(cls) -> LabelSelector:
        """The selector that matches no object."""
        return cls(nothing=True)

    @classmethod
    def from_match_labels(
        cls, labels: Mapping[str, str] | None, *, empty_selects_nothing: bool = True
    ) -> LabelSelector:
        """A selector requiring every ``key: value`` of a plain mapping.

        The mapping form is the Service (``spec.selector``) and ReplicationController shape. For a
        Service an empty or missing selector selects no pods (the endpoints are managed by hand),
        hence the default ``empty_selects_nothing=True``; pass ``False`` for apimachinery
        ``SelectorFromSet`` semantics, where an empty set selects everything.
        """
        if not labels:
            return cls.nothing() if empty_selects_nothing else cls()
        return cls(_make_requirement(k, _EQ, (v,)) for k, v in labels.items())

    @classmethod
    def from_dict(cls, selector: Mapping[str, Any] | None) -> LabelSelector:
        """Convert a ``metav1.LabelSelector`` (``matchLabels`` / ``matchExpressions``).

        As apimachinery ``LabelSelectorAsSelector``: ``None`` selects nothing, ``{}`` selects
        everything; ``In``/``NotIn`` need values, ``Exists``/``DoesNotExist`` must have none.
        """
        if selector is None:
            return cls.nothing()
        if not isinstance(selector, Mapping):
            raise SelectorError("a label selector must be a mapping")
        reqs: list[_LabelReq] = []
        match_labels = selector.get("matchLabels") or {}
        if not isinstance(match_labels, Mapping):
            raise SelectorError("matchLabels must be a mapping of strings")
        for key, value in match_labels.items():
            if not isinstance(value, str):
                raise SelectorError(f"matchLabels[{key!r}] must be a string")
            reqs.append(_make_requirement(str(key), _EQ, (value,)))
        for expr in selector.get("matchExpressions") or ():
            if not isinstance(expr, Mapping):
                raise SelectorError("each matchExpressions entry must be a mapping")
            operator = expr.get("operator")
            op = _EXPRESSION_OPS.get(operator) if isinstance(operator, str) else None
            if op is None:
                raise SelectorError(f"{operator!r} is not a valid label selector operator")
            values = expr.get("values") or []
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise SelectorError("matchExpressions values must be a list of strings")
            reqs.append(_make_requirement(str(expr.get("key", "")), op, values))
        return cls(reqs)

    @property
    def empty(self) -> bool:
        """True when the selector selects everything (no requirements)."""
        return not self._reqs and not self._nothing

    @property
    def selects_nothing(self) -> bool:
        """True for the selector that matches no object."""
        return self._nothing

    @property
    def requirements(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """``(key, operator, values)`` in canonical order; operators as in the text form
        (``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``, ``>``, ``<``), values sorted."""
        out: list[tuple[str, str, tuple[str, ...]]] = []
        for key, op, value in self._reqs:
            if op == _EXISTS:
                out.append((key, "exists", ()))
            elif op == _NOT_EXISTS:
                out.append((key, "!", ()))
            elif op in (_IN, _NOTIN):
                out.append((key, _OP_TEXT[op], tuple(sorted(value))))
            else:
                out.append((key, _OP_TEXT[op], (str(value),)))
        return out

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these labels is selected (``None`` means no labels)."""
        if self._nothing:
            return False
        if labels is None:
            labels = _EMPTY
        for key, op, value in self._reqs:
            current = labels.get(key)
            if op == _EQ:
                if current != value:
                    return False
            elif op == _IN:
                if current is None or current not in value:
                    return False
            elif op == _NE:
                if current == value:
                    return False
            elif op == _NOTIN:
                if current is not None and current in value:
                    return False
            elif op == _EXISTS:
                if current is None:
                    return False
            elif op == _NOT_EXISTS:
                if current is not None:
                    return False
            else:
                if current is None:
                    return False
                try:
                    number = int(current)
                except ValueError:
                    return False
                if (op == _GT and number <= value) or (op == _LT and number >= value):
                    return False
        return True

    def __str__(self) -> str:
        return self._canonical

    def __repr__(self) -> str:
        if self._nothing:
            return "LabelSelector.nothing()"
        return f"LabelSelector({self._canonical!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSelector):
            return NotImplemented
        return self._nothing == other._nothing and self._canonical == other._canonical

    def __hash__(self) -> int:
        return hash((self._nothing, self._canonical))


# --- field selectors -------------------------------------------------------------------------


def escape_field_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` so ``value`` can be written into a field selector."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(value: str, text: str) -> str:
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise SelectorError(
                    f"invalid field selector {text!r}: invalid escape sequence '\\{ch}'"
                )
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise SelectorError(f"invalid field selector {text!r}: unescaped {ch!r} in a value")
        else:
            out.append(ch)
    if escaped:
        raise SelectorError(f"invalid field selector {text!r}: dangling '\\' at end of a value")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped by a backslash."""
    terms: list[str] = []
    start = 0
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


class FieldSelector:
    """A parsed field selector; immutable and hashable.

    Terms are sorted (as apimachinery does), so ``str()`` is canonical: ``f=v`` / ``f!=v`` joined
    by commas, values escaped. A missing field compares as ``""``.
    """

    __slots__ = ("_canonical", "_reqs")

    def __init__(self, requirements: Iterable[tuple[str, str, str]] = ()) -> None:
        reqs: list[tuple[str, bool, str]] = []
        for field, op, value in requirements:
            if op not in ("=", "==", "!="):
                raise SelectorError(f"invalid field selector operator {op!r}")
            reqs.append((field, op != "!=", value))
        reqs.sort(key=lambda r: (r[0], not r[1], r[2]))
        self._reqs: tuple[tuple[str, bool, str], ...] = tuple(reqs)
        self._canonical = ",".join(
            f"{f}{'=' if eq else '!='}{escape_field_value(v)}" for f, eq, v in self._reqs
        )

    @classmethod
    def parse(cls, text: str) -> FieldSelector:
        """Parse field selector text; an empty string selects everything."""
        reqs: list[tuple[str, str, str]] = []
        for part in _split_terms(text):
            if not part:
                continue
            split = _split_term(part)
            if split is None:
                raise SelectorError(f"invalid field selector {text!r}: can't understand {part!r}")
            field, op, raw = split
            field = field.strip()
            if not field:
                raise SelectorError(f"invalid field selector {text!r}: empty field name")
            reqs.append((field, op, _unescape_field_value(raw, text)))
        return cls(reqs)

    @property
    def empty(self) -> bool:
        """True when the selector selects everything."""
        return not self._reqs

    @property
    def requirements(self) -> list[tuple[str, str, str]]:
        """``(field, op, value)`` with op ``=`` or ``!=`` (``==`` normalised to ``=``)."""
        return [(f, "=" if eq else "!=", v) for f, eq, v in self._reqs]

    def requires_exact_match(self, field: str) -> str | None:
        """The value an ``=`` term demands of ``field``, if any (lets a server narrow a list)."""
        for f, eq, v in self._reqs:
            if eq and f == field:
                return v
        return None

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether an object with these field values is selected."""
        for field, eq, value in self._reqs:
            if (fields.get(field, "") == value) is not eq:
                return False
        return True

    def __str__(self) -> str:
        return self._canonical

    def __repr__(self) -> str:
        return f"FieldSelector({self._canonical!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self._canonical == other._canonical

    def __hash__(self) -> int:
        return hash(self._canonical)


# --- field sets per resource -----------------------------------------------------------------


def _get(obj: Mapping[str, Any], section: str, key: str) -> str:
    part = obj.get(section)
    if not isinstance(part, Mapping):
        return ""
    value = part.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def object_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The fields every resource supports: ``metadata.name`` and ``metadata.namespace``."""
    meta = obj.get("metadata") or {}
    return {
        "metadata.name": str(meta.get("name") or ""),
        "metadata.namespace": str(meta.get("namespace") or ""),
    }


def _text(section: Mapping[str, Any], key: str) -> str:
    value = section.get(key)
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def pod_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The field set of a Pod, as kube-apiserver's pod field selector sees it."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    pod_ip = status.get("podIP")
    if not pod_ip:
        # podIPs[0] is the primary address; podIP mirrors it when both are set.
        ips = status.get("podIPs")
        pod_ip = ips[0].get("ip") if ips and isinstance(ips[0], Mapping) else ""
    return {
        "metadata.name": _text(meta, "name"),
        "metadata.namespace": _text(meta, "namespace"),
        "spec.nodeName": _text(spec, "nodeName"),
        "spec.restartPolicy": _text(spec, "restartPolicy"),
        "spec.schedulerName": _text(spec, "schedulerName"),
        "spec.serviceAccountName": _text(spec, "serviceAccountName"),
        "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
        "status.phase": _text(status, "phase"),
        "status.podIP": str(pod_ip or ""),
        "status.nominatedNodeName": _text(status, "nominatedNodeName"),
    }


def _event_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
        fields[f"involvedObject.{key}"] = _get(obj, "involvedObject", key)
    fields["reason"] = str(obj.get("reason") or "")
    fields["reportingComponent"] = str(obj.get("reportingComponent") or "")
    fields["source"] = _get(obj, "source", "component")
    fields["type"] = str(obj.get("type") or "")
    return fields


def _secret_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["type"] = str(obj.get("type") or "")
    return fields


def _namespace_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["status.phase"] = _get(obj, "status", "phase")
    return fields


def _node_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    fields = object_fields(obj)
    fields["spec.unschedulable"] = _get(obj, "spec", "unschedulable") or "false"
    return fields


_FIELD_FUNCS = {
    "pods": pod_fields,
    "pod": pod_fields,
    "events": _event_fields,
    "event": _event_fields,
    "secrets": _secret_fields,
    "secret": _secret_fields,
    "namespaces": _namespace_fields,
    "namespace": _namespace_fields,
    "nodes": _node_fields,
    "node": _node_fields,
}


def fields_for(kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """The field set a field selector sees for ``obj``.

    ``kind`` is a resource plural or a kind, case-insensitive (``"pods"``, ``"Pod"``). Pods,
    events (core/v1), secrets, namespaces and nodes have their extra fields; every other resource
    has ``metadata.name`` and ``metadata.namespace`` only, as in kube-apiserver.
    """
    func = _FIELD_FUNCS.get(kind.lower(), object_fields)
    return func(obj)
