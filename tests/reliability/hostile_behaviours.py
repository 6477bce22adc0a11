"""The catalogue of hostile behaviours of :mod:`tests.reliability.hostile`.

The first ones are the rows of issue 14's table (what an independent misbehaving server did to
the reflector); the rest are further classes of misbehaviour: hangs, resets, garbage, error
statuses that are not throttling, and servers that end watches early with events.
:data:`BEHAVIOURS` maps a name to a factory and is what ``test_hostile_server.py`` and
``python -m tests.reliability.rates`` iterate over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.reliability.hostile import Behaviour, Connection, HostileServer, Request


class WatchGoneStatus(Behaviour):
    """Every watch answers HTTP 410 Expired; lists are healthy."""

    description = "every watch answers 410 (HTTP status)"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        await conn.status_error(410, "Expired", "too old resource version: 1 (100)")
        return True


class WatchGoneEvent(Behaviour):
    """Every watch starts, then sends an ``ERROR`` event carrying a 410 Status."""

    description = "every watch sends a 410 ERROR event"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        await conn.start_stream()
        await conn.line({"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
            "reason": "Expired", "message": "too old resource version: 1 (100)"}})
        await conn.end_stream()
        return True


class ShortWatch(Behaviour):
    """Every watch ends cleanly at once, without any event."""

    description = "every watch closes at once with no events"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        await conn.start_stream()
        await conn.end_stream()
        return True


class Throttle(Behaviour):
    """Every list and watch answers 429 with a ``Retry-After`` header or
    ``details.retryAfterSeconds`` of ``seconds``."""

    def __init__(self, seconds: int, *, in_details: bool = False) -> None:
        self.seconds = seconds
        self.in_details = in_details
        where = "details.retryAfterSeconds" if in_details else "Retry-After"
        self.description = f"every request answers 429 with {where}: {seconds}"

    def __repr__(self) -> str:
        return f"Throttle({self.seconds}, in_details={self.in_details})"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind == "other":
            return False
        if self.in_details:
            await conn.status_error(429, "TooManyRequests", "slow down",
                                    details={"retryAfterSeconds": self.seconds})
        else:
            await conn.status_error(429, "TooManyRequests", "slow down",
                                    retry_after=str(self.seconds))
        return True


class RepeatingContinue(Behaviour):
    """Every list page carries the same ``continue`` token, forever."""

    description = "a list whose continue token repeats forever"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "list":
            return False
        items = [server.objects[name] for name in sorted(server.objects)][:2]
        await conn.json(200, server.list_body(
            items, {"resourceVersion": str(server.rv), "continue": "same-token"}))
        return True


class SlowFirstPage(Behaviour):
    """The first page of every list arrives after ``seconds`` (then the healthy answer)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.description = f"each list's first page takes {seconds:g} s to arrive"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind == "list" and not request.query.get("continue"):
            await asyncio.sleep(self.seconds)
        return False


class FailingPages(Behaviour):
    """Every list page after the first answers ``status``; watches are healthy."""

    def __init__(self, status: int = 500) -> None:
        self.status = status
        self.description = f"every list page after the first answers {status}"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "list" or not request.query.get("continue"):
            return False
        await conn.status_error(self.status, "InternalError", "etcd is on fire")
        return True


class FailingRequests(Behaviour):
    """Every list and watch answers ``status`` with ``reason``."""

    def __init__(self, status: int, reason: str, message: str = "") -> None:
        self.status = status
        self.reason = reason
        self.message = message or reason
        self.description = f"every request answers {status} {reason}"

    def __repr__(self) -> str:
        return f"FailingRequests({self.status}, {self.reason!r})"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind == "other":
            return False
        await conn.status_error(self.status, self.reason, self.message)
        return True


class HangingWatch(Behaviour):
    """Watch requests are read but never answered: no status line, ever."""

    description = "watch requests are never answered"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        conn.keep_alive = False
        await asyncio.Event().wait()  # until the client gives up and the server stops
        return True


class SilentWatch(Behaviour):
    """Watches start (200) and then send nothing at all, not even bookmarks."""

    description = "watches start, then stay silent"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        await conn.start_stream()
        conn.keep_alive = False
        await asyncio.Event().wait()
        return True


class ResetConnections(Behaviour):
    """Every list and watch request gets its TCP connection dropped, no answer."""

    description = "every request's connection is reset"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind == "other":
            return False
        conn.reset()
        return True


class MalformedList(Behaviour):
    """Lists answer 200 with JSON of the wrong shape (``items`` is not a list)."""

    description = "every list answers 200 with a malformed body"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "list":
            return False
        await conn.json(200, {"kind": "ConfigMapList", "metadata": {"resourceVersion": "7"},
                              "items": {"not": "a list"}})
        return True


class MalformedWatch(Behaviour):
    """Watches start, then send an event whose object has no metadata, then a non-JSON line."""

    description = "every watch sends malformed events"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch":
            return False
        await conn.start_stream()
        await conn.line({"type": "MODIFIED", "object": {"kind": "ConfigMap"}})
        await conn.line(b"{not json")
        await conn.end_stream()
        return True


class OneEventWatch(Behaviour):
    """Every watch sends one event (a current object, as MODIFIED) and ends at once."""

    description = "every watch sends one event, then closes"

    async def respond(self, server: HostileServer, request: Request, conn: Connection) -> bool:
        if request.kind != "watch" or not server.objects:
            return False
        await conn.start_stream()
        name = sorted(server.objects)[0]
        await conn.line({"type": "MODIFIED", "object": server.objects[name]})
        await conn.end_stream()
        return True


#: name -> factory of the behaviour; the first seven are issue 14's table.
BEHAVIOURS: dict[str, Callable[[], Behaviour]] = {
    "watch_410_status": WatchGoneStatus,
    "watch_410_event": WatchGoneEvent,
    "short_watch": ShortWatch,
    "retry_after_0_header": lambda: Throttle(0),
    "retry_after_0_details": lambda: Throttle(0, in_details=True),
    "retry_after_3600": lambda: Throttle(3600),
    "repeating_continue": RepeatingContinue,
    "failing_pages": FailingPages,
    "error_500": lambda: FailingRequests(500, "InternalError"),
    "unauthorized": lambda: FailingRequests(401, "Unauthorized"),
    "too_large_rv": lambda: FailingRequests(
        504, "Timeout", "Too large resource version: 1000, current: 100"),
    "reset_connections": ResetConnections,
    "malformed_list": MalformedList,
    "malformed_watch": MalformedWatch,
    "one_event_watch": OneEventWatch,
}


def describe(name: str) -> str:
    """The one-line description of a behaviour in :data:`BEHAVIOURS`."""
    return BEHAVIOURS[name]().description


__all__ = ["BEHAVIOURS", "describe"]
