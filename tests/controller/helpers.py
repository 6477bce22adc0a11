"""Test helpers: a reconciler that records calls and lets tests wait for them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from kubeflow_informer.controller import Reconciler, Request, Result

Behaviour = Callable[[Request, int], Awaitable[Result | None]]


async def succeed(_request: Request, _attempt: int) -> Result | None:
    return None


class RecordingReconciler(Reconciler):
    """Records each call (request, monotonic start time) and wakes waiters."""

    def __init__(self, behaviour: Behaviour = succeed) -> None:
        self.calls: list[tuple[Request, float]] = []
        self.behaviour = behaviour
        self._changed = asyncio.Condition()

    async def reconcile(self, request: Request) -> Result | None:
        attempt = sum(1 for r, _ in self.calls if r == request)
        self.calls.append((request, time.monotonic()))
        async with self._changed:
            self._changed.notify_all()
        return await self.behaviour(request, attempt)

    def count(self, request: Request) -> int:
        return sum(1 for r, _ in self.calls if r == request)

    async def wait_for(self, request: Request, times: int = 1, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(lambda: self.count(request) >= times)
