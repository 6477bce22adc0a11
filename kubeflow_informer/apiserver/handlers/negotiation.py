"""``Accept`` header parsing for the endpoints that answer in more than one format.

A header is a comma-separated list of media ranges, each ``type/subtype`` with ``;key=value``
parameters (``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList``).
kube-apiserver serves the first range of the client's list it can produce, ignoring quality
factors except ``q=0`` (not acceptable); so does :func:`first_acceptable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["MediaRange", "first_acceptable", "parse_accept"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One entry of an ``Accept`` header; ``params`` excludes ``q``."""

    type: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def mime(self) -> str:
        """``type/subtype``."""
        return f"{self.type}/{self.subtype}"

    def matches(self, mime: str) -> bool:
        """True when this range accepts ``mime`` (wildcards included), whatever its params."""
        kind, _, subtype = mime.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", subtype)


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of ``header`` in the client's order; an empty header accepts ``*/*``."""
    ranges = []
    for item in header.split(","):
        mime, *parameters = (part.strip() for part in item.split(";"))
        if not mime:
            continue
        kind, _, subtype = mime.lower().partition("/")
        params = {}
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        if params.pop("q", None) in ("0", "0.0", "0.00", "0.000"):
            continue
        ranges.append(MediaRange(kind, subtype or "*", params))
    return ranges or [MediaRange("*", "*")]


def first_acceptable(header: str, choose: Callable[[MediaRange], T | None]) -> T | None:
    """``choose(range)`` for the first range of ``header`` it does not refuse (None), or None."""
    for media_range in parse_accept(header):
        chosen = choose(media_range)
        if chosen is not None:
            return chosen
    return None
