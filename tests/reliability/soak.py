"""Soak: one long-lived controller session driven through fault rounds, memory checked flat.

``python -m tests.reliability --soak MINUTES`` (from the repository root) runs every fault plan
in turn as rounds of one :class:`~tests.reliability.harness.Session` - one API server, one set of
informers and controllers, as a controller lives for months against one cluster - auditing
convergence after every round, until the time is up. ``test_soak.py`` runs a short version in CI.
Memory is the process RSS after a full garbage collection, sampled after every round once the
first cycle through the plans (warm-up: imports, pools, first freezes) is done. It counts as flat
when no sample exceeds the first one by more than ``max(16 MiB, 10 %)``: a leak of one round's
objects (a few hundred writes and their events every round) would cross that within dozens of
rounds.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.harness import RunReport, Session, summarize
from tests.reliability.plans import fault_plans

logger = logging.getLogger(__name__)

MIB = 1024 * 1024


def rss_bytes() -> int:
    """The resident set size of this process (Linux ``/proc``; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


@dataclass
class SoakResult:
    """Every run's report plus the memory samples taken after warm-up."""

    reports: list[RunReport] = field(default_factory=list)
    rss_samples: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def memory_growth(self) -> int:
        """Bytes the largest post-warm-up sample exceeds the first one by."""
        if not self.rss_samples:
            return 0
        return max(self.rss_samples) - self.rss_samples[0]

    @property
    def memory_flat(self) -> bool:
        """See the module docstring for the bound."""
        if not self.rss_samples:
            return True
        allowed = max(16 * MIB, self.rss_samples[0] // 10)
        return self.memory_growth <= allowed

    def summary(self) -> dict[str, Any]:
        """Totals (runs, faults by kind, divergences) and the memory figures."""
        totals = summarize(self.reports)
        totals["seconds"] = round(self.seconds, 1)
        totals["rss_first_mib"] = round(self.rss_samples[0] / MIB, 1) if self.rss_samples else 0
        totals["rss_max_mib"] = round(max(self.rss_samples) / MIB, 1) if self.rss_samples else 0
        totals["rss_quartiles_mib"] = [
            round(self.rss_samples[min(len(self.rss_samples) - 1, q * len(self.rss_samples) // 4)]
                  / MIB, 1)
            for q in range(1, 5)
        ] if self.rss_samples else []
        totals["memory_flat"] = self.memory_flat
        return totals


async def soak(
    *, seconds: float | None = None, max_rounds: int | None = None, seed: int = 1000,
    operations: int = 300, manage_gc: bool = False,
) -> SoakResult:
    """Rounds of every plan in turn, in one long-lived :class:`Session`, until ``seconds``
    elapsed or ``max_rounds`` rounds ran (whichever comes first). ``manage_gc=True`` turns the
    informers' opt-in garbage-collector policy on (thresholds and freezing), whose memory
    behaviour the soak was first written to check."""
    if seconds is None and max_rounds is None:
        raise ValueError("give seconds or max_rounds")
    plans = [plan for plan in fault_plans().values() if not plan.watch_list]
    result = SoakResult()
    started = time.monotonic()
    session = Session(seed, manage_gc=manage_gc)
    try:
        failed = await session.start()
        if failed:
            report = RunReport("start", seed)
            report.divergences.extend(failed)
            result.reports.append(report)
            return result
        rounds = 0
        while (max_rounds is None or rounds < max_rounds) and (
            seconds is None or time.monotonic() - started < seconds
        ):
            plan = plans[rounds % len(plans)]
            report = await session.round(plan, operations)
            result.reports.append(report)
            if report.divergences:
                logger.error("round %d (%s) diverged: %s", rounds, plan.name,
                             report.divergences[:5])
            rounds += 1
            if rounds >= len(plans):  # past the warm-up cycle
                gc.collect()
                result.rss_samples.append(rss_bytes())
    finally:
        leftover = await session.stop()
        result.seconds = time.monotonic() - started
    if leftover and result.reports:
        result.reports[-1].divergences.extend(leftover)
    return result
