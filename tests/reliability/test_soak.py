"""The short CI version of the soak (``python -m tests.reliability --soak MINUTES`` is the long
one): two cycles of rounds through every fault plan in one session, no divergence, memory flat
after the warm-up cycle. Run with the opt-in garbage-collector policy, whose freezing is what
can make memory grow (the convergence tests run with the default)."""

from __future__ import annotations

import pytest

from tests.reliability.plans import fault_plans
from tests.reliability.soak import soak

pytestmark = pytest.mark.timeout(120)


async def test_short_soak_converges_every_run_and_keeps_memory_flat() -> None:
    plans = len([plan for plan in fault_plans().values() if not plan.watch_list])
    result = await soak(max_rounds=2 * plans, seed=500, operations=200, manage_gc=True)
    totals = result.summary()
    assert totals["runs"] == 2 * plans
    assert totals["divergences"] == 0, [r.divergences for r in result.reports if r.divergences]
    assert len(result.rss_samples) == plans + 1
    assert result.memory_flat, totals
