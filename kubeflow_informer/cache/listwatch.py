"""The ``ListerWatcher`` protocol: what a reflector needs of the API to list and watch one resource.

A client ``Resource`` satisfies it; so do the in-memory fakes in the tests. The signatures are the
ones ``docs/architecture.md`` fixes for ``Resource.list`` and ``Resource.watch``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

__all__ = ["ListerWatcher", "WatchEventLike", "WatchStreamLike"]


class WatchEventLike(Protocol):
    """One watch event: ``type`` is ``ADDED``, ``MODIFIED``, ``DELETED`` or ``BOOKMARK``.

    ``ERROR`` events never reach the reflector: the stream raises the matching ``ApiError``.
    """

    @property
    def type(self) -> str: ...

    @property
    def object(self) -> dict[str, Any]: ...


class WatchStreamLike(Protocol):
    """An open watch: an async context manager (leaving it closes the connection) and an async
    iterator of events that ends when the server ends the watch cleanly."""

    async def __aenter__(self) -> WatchStreamLike: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...

    def __aiter__(self) -> AsyncIterator[WatchEventLike]: ...


@runtime_checkable
class ListerWatcher(Protocol):
    """Lists one page / opens one watch of a resource, exactly like the client's ``Resource``."""

    async def list(
        self,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        timeout_seconds: int | None = None,
    ) -> dict[str, Any]: ...

    def watch(
        self,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = False,
        send_initial_events: bool | None = None,
    ) -> Any: ...
