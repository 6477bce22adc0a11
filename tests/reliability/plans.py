"""The fault plans of the reliability suite: one per fault kind the embedded server injects, and
mixed ones. A plan arms faults before a round's workload and may act before every write
(restart the server, compact its history, re-arm request faults)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kubeflow_informer.apiserver import EmbeddedApiServer


@dataclass
class FaultPlan:
    """``arm`` runs once before the workload; ``tick(server, op_index)`` before every operation.

    ``watch_list`` makes the informers use streaming lists (``sendInitialEvents``)."""

    name: str
    arm: Callable[[EmbeddedApiServer], None] = lambda server: None
    tick: Callable[[EmbeddedApiServer, int], Awaitable[None] | None] = lambda server, i: None
    watch_list: bool = False


def _every(period: int, action: Callable[[EmbeddedApiServer], Awaitable[None] | None]
           ) -> Callable[[EmbeddedApiServer, int], Awaitable[None] | None]:
    def tick(server: EmbeddedApiServer, index: int) -> Awaitable[None] | None:
        if index and index % period == 0:
            return action(server)
        return None

    return tick


async def _compact_and_restart(server: EmbeddedApiServer) -> None:
    server.faults.compact()
    await server.restart()


def _expire_continue(server: EmbeddedApiServer) -> Awaitable[None]:
    server.faults.expire_continue(2)
    return _compact_and_restart(server)


def _mixed_tick(server: EmbeddedApiServer, index: int) -> Awaitable[None] | None:
    if index and index % 97 == 0:
        return server.restart()
    if index and index % 61 == 0:
        return _compact_and_restart(server)
    return None


def _throttle_then_restart(kind: str) -> Callable[[EmbeddedApiServer], Awaitable[None]]:
    """Arm three request faults, then drop every watch: the re-lists and re-watches meet them."""

    async def action(server: EmbeddedApiServer) -> None:
        if kind == "throttle":
            server.faults.throttle(3, retry_after=1)
        elif kind == "delay":
            server.faults.delay(0.05, 6)
        else:
            server.faults.fail(3, status=500 if kind == "error_500" else 503)
        await server.restart()

    return action


def _rearm_silence(server: EmbeddedApiServer) -> None:
    server.faults.silence_watches(0, times=2)


def fault_plans() -> dict[str, FaultPlan]:
    """One plan per fault kind, then the mixed ones. Each fires its fault several times per run."""
    plans = [
        FaultPlan("close_watch", arm=lambda s: s.faults.close_watches_after(5)),
        FaultPlan("cut_watch", arm=lambda s: s.faults.cut_watch_mid_line(7)),
        FaultPlan("malformed_line", arm=lambda s: s.faults.malformed_line(9)),
        FaultPlan("silence_watch", arm=_rearm_silence, tick=_every(100, _rearm_silence)),
        FaultPlan("watch_410_compaction", tick=_every(40, _compact_and_restart)),
        FaultPlan("expire_continue", tick=_every(50, _expire_continue)),
        FaultPlan("throttle_429", tick=_every(40, _throttle_then_restart("throttle"))),
        FaultPlan("error_500", tick=_every(40, _throttle_then_restart("error_500"))),
        FaultPlan("error_503", tick=_every(40, _throttle_then_restart("error_503"))),
        FaultPlan("slow_responses", tick=_every(40, _throttle_then_restart("delay"))),
        FaultPlan("restart", tick=_every(45, lambda s: s.restart())),
        FaultPlan(
            "mixed",
            arm=lambda s: s.faults.random(0.03, delay_seconds=0.02),
            tick=_mixed_tick,
        ),
        FaultPlan(
            "mixed_watch_list",
            arm=lambda s: s.faults.random(0.03, delay_seconds=0.02),
            tick=_mixed_tick,
            watch_list=True,
        ),
    ]
    return {plan.name: plan for plan in plans}
