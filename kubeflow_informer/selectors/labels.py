"""Label selectors with Kubernetes semantics (apimachinery ``labels.Parse``): parse, match, format.

* ``k=v`` / ``k==v`` (equal), ``k!=v`` (not equal), ``k in (a,b)``, ``k notin (a,b)``, ``k``
  (exists), ``!k`` (does not exist), ``k>5`` / ``k<5`` (integer comparisons); a comma is AND;
  whitespace around tokens is ignored.
* ``!=`` and ``notin`` also match objects that do not carry the label at all, as in Kubernetes.
* Keys are qualified names (an optional DNS-subdomain prefix and ``/``, then a name of at most 63
  characters); values are empty or at most 63 characters of ``[A-Za-z0-9-_.]`` starting and ending
  alphanumerically. Anything else raises :class:`~kubeflow_informer.errors.SelectorError`.

Why pre-compiled tuples: the embedded API server evaluates a selector for every watcher on every
event, so parsing happens once and :meth:`LabelSelector.matches` is a plain loop over
``(key, op, value)`` tuples without regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeflow_informer.errors import SelectorError

__all__ = ["LabelSelector"]

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
                if expect_value:
                    # "a,)" ends with an empty value and "()" is the set {""}, as
                    # apimachinery's parser reads them (kube-apiserver 1.36 agrees).
                    values.append("")
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
