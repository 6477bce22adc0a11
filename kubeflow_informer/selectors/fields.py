"""Field selectors with Kubernetes semantics (apimachinery ``fields.ParseSelector``).

``f=v``, ``f==v``, ``f!=v``, comma is AND; in a value ``\\,``, ``\\=`` and ``\\\\`` escape the
special characters, and an unescaped ``,`` or ``=`` in a value, or any other escape, is an error
(:class:`~kubeflow_informer.errors.SelectorError`). A field the object does not have compares as
the empty string (``spec.nodeName=`` selects unscheduled pods). Which fields an object has is the
API server's business (``kubeflow_informer.apiserver.fields``): :meth:`FieldSelector.matches`
takes the field set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubeflow_informer.errors import SelectorError

__all__ = ["FieldSelector", "escape_field_value"]


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
