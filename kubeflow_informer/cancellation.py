"""Bounded cancellation: stopping tasks whose code may ignore ``CancelledError``.

Every long-lived task has an owner that cancels and awaits it. Awaiting is only safe when the
task's code honours cancellation, and a reconciler or event handler - user code - may not: a
bare ``except BaseException: pass`` (or ``except asyncio.CancelledError`` without re-raising)
around an ``await`` turns a cancelled task into one that runs on. An owner that waits for such a
task forever turns "stop" into a hang, which is how a controller ends up killed by its
orchestrator instead of shutting down.

:func:`cancel_and_wait` is the one way owners stop tasks here: cancel, wait up to a bound, then
*abandon* what is still running - each abandoned task is logged by name, at ERROR, because the
code it runs is broken. An abandoned task keeps running until it ends on its own; ``asyncio.run``
waits for it when it finally closes the loop (a second SIGINT/SIGTERM under ``Manager.run`` ends
the process at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

__all__ = ["CANCEL_WAIT", "cancel_and_wait"]

logger = logging.getLogger(__name__)

#: Seconds a cancelled task gets to finish before it is abandoned. Code that honours
#: cancellation finishes within one event-loop iteration (plus its own cleanup).
CANCEL_WAIT = 1.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[Any]], within: float = CANCEL_WAIT, *, owner: str
) -> set[asyncio.Task[Any]]:
    """Cancel ``tasks``, wait up to ``within`` seconds for them, and return those still running.

    Each task still running is logged with its name and ``owner`` (who gave up on it). Tasks
    that finished with an exception are not logged here: their owner reports them. A
    cancellation of the caller interrupts the wait (the tasks stay cancelled).
    """
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    if not pending:
        return set()
    _done, still_running = await asyncio.wait(pending, timeout=within)
    for task in sorted(still_running, key=lambda t: t.get_name()):
        logger.error(
            "%s: task %r ignored cancellation for %.1fs; abandoning it (its code swallows "
            "CancelledError: it must re-raise it)",
            owner,
            task.get_name(),
            within,
        )
    return still_running
