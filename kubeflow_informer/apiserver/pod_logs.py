"""Container logs served by the pods ``log`` subresource.

The embedded server runs no containers, so logs are whatever the test appends:
``server.pod_logs.append("default", "web-0", "app", "started\\n")``. A ``follow=true`` request
streams the existing tail and then every appended line until the client leaves, the log is
marked finished with :meth:`PodLogs.finish` (the container "terminated") or the server stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

__all__ = ["PodLogs"]


@dataclass
class _ContainerLog:
    lines: list[str] = field(default_factory=list)
    partial: str = ""
    finished: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class PodLogs:
    """In-memory logs keyed by ``(namespace, pod, container)``.

    Text is split into lines on ``\\n``; an unterminated tail is kept until its newline arrives
    (a follower never sees half a line), but a plain read includes it, as the kubelet does.
    """

    def __init__(self) -> None:
        self._logs: dict[tuple[str, str, str], _ContainerLog] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"PodLogs(containers={len(self._logs)})"

    def _log(self, namespace: str, pod: str, container: str) -> _ContainerLog:
        key = (namespace, pod, container)
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _ContainerLog()
        return log

    def append(self, namespace: str, pod: str, container: str, text: str) -> None:
        """Append ``text`` to a container's log and wake its followers."""
        log = self._log(namespace, pod, container)
        pieces = (log.partial + text).split("\n")
        log.partial = pieces.pop()
        log.lines.extend(piece + "\n" for piece in pieces)
        if pieces:
            log.wake()

    def finish(self, namespace: str, pod: str, container: str) -> None:
        """Mark the container as terminated: followers get the rest and their stream ends."""
        log = self._log(namespace, pod, container)
        if log.partial:
            log.lines.append(log.partial)
            log.partial = ""
        log.finished = True
        log.wake()

    def clear(self, namespace: str, pod: str) -> None:
        """Forget every container log of a pod (ends its followers)."""
        for key in [key for key in self._logs if key[:2] == (namespace, pod)]:
            log = self._logs.pop(key)
            log.finished = True
            log.wake()

    def close(self) -> None:
        """End every follower (server shutdown)."""
        self._closed = True
        for log in self._logs.values():
            log.wake()

    def reopen(self) -> None:
        """Accept followers again after :meth:`close` (server restart)."""
        self._closed = False

    def read(self, namespace: str, pod: str, container: str, *, tail_lines: int | None = None,
             limit_bytes: int | None = None) -> str:
        """The current log text, optionally only its last ``tail_lines`` lines and at most
        ``limit_bytes`` bytes (UTF-8)."""
        log = self._logs.get((namespace, pod, container))
        if log is None:
            return ""
        lines = log.lines + ([log.partial] if log.partial else [])
        text = "".join(_tail(lines, tail_lines))
        if limit_bytes is not None:
            text = text.encode()[:limit_bytes].decode(errors="ignore")
        return text

    async def follow(
        self, namespace: str, pod: str, container: str, *, tail_lines: int | None = None
    ) -> AsyncIterator[str]:
        """Yield the existing lines (or the last ``tail_lines``), then each new complete line."""
        log = self._log(namespace, pod, container)
        start = 0 if tail_lines is None else max(0, len(log.lines) - tail_lines)
        position = start
        while True:
            log = self._log(namespace, pod, container)
            while position < len(log.lines):
                yield log.lines[position]
                position += 1
            if log.finished or self._closed:
                return
            await log.changed.wait()
            if (namespace, pod, container) not in self._logs:
                return


def _tail(lines: list[str], tail_lines: int | None) -> list[str]:
    if tail_lines is None:
        return lines
    if tail_lines <= 0:
        return []
    return lines[-tail_lines:]
