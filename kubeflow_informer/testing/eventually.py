"""``eventually``: poll a condition until it holds, the one wait a controller test needs.

Controllers are asynchronous, so a test waits for what the controller wrote by polling, never by
sleeping a fixed time. The bound limits a failure; it is not a speed assertion. The probe may be
a plain function or a coroutine function; its first truthy result is returned, so the same call
waits *and* fetches (``svc = await eventually(lambda: services.get(...))``). ``NotFound`` (and any
exception listed in ``ignore``) counts as "not yet".
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kubeflow_informer.errors import NotFound

__all__ = ["eventually"]

T = TypeVar("T")


async def eventually(
    probe: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a bound on polling, not a cancellation scope
    interval: float = 0.02,
    what: str | None = None,
    ignore: tuple[type[BaseException], ...] = (NotFound,),
) -> T:
    """Call ``probe`` every ``interval`` seconds until it returns something truthy; return it.

    Raises :class:`AssertionError` after ``timeout`` seconds, naming ``what`` (or the probe) and
    the last value or exception seen, so a failing test says what never happened.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            last = value
        except ignore as exc:
            last = exc
        if loop.time() >= deadline:
            name = what or getattr(probe, "__qualname__", repr(probe))
            raise AssertionError(f"{name} did not happen within {timeout:g} s; last: {last!r}")
        await asyncio.sleep(interval)
