"""Under every fault kind, one at a time and mixed, informers and controllers converge.

Each test is one seeded run of ``tests.reliability.harness.run_scenario``: a random workload
while the embedded server injects the fault, then the audit at quiescence (caches equal the
server, every handler saw every final state, no resourceVersion went backwards for a key, no
key reconciled twice at once, failing reconciles retried to success, no task left after stop).
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import RunReport, run_scenario
from tests.reliability.plans import fault_plans

pytestmark = pytest.mark.timeout(60)

#: The fault counters (``Faults.stats``) that prove each plan really injected its fault.
EXPECTED_FAULTS = {
    "close_watch": {"close_watch"},
    "cut_watch": {"cut_watch"},
    "malformed_line": {"malformed_line"},
    "silence_watch": {"silence_watch"},
    "watch_410_compaction": {"compact", "restart"},
    "expire_continue": {"expire_continue", "compact"},
    "throttle_429": {"throttle"},
    "error_500": {"fail_500"},
    "error_503": {"fail_503"},
    "slow_responses": {"delay"},
    "restart": {"restart"},
    "mixed": {"restart", "compact"},
    "mixed_watch_list": {"restart", "compact"},
}

SEEDS = (1, 2)


def _check(report: RunReport, plan: str) -> None:
    fired = {kind for kind, count in report.faults.items() if count > 0}
    assert EXPECTED_FAULTS[plan] <= fired, f"{plan} did not inject its fault: {report.faults}"
    assert report.divergences == []


def test_every_fault_kind_has_a_plan_and_an_expectation() -> None:
    assert set(fault_plans()) == set(EXPECTED_FAULTS)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("plan", sorted(EXPECTED_FAULTS))
async def test_informers_and_controllers_converge_under_fault(plan: str, seed: int) -> None:
    report = await run_scenario(fault_plans()[plan], seed, operations=300)
    _check(report, plan)


async def test_410_relists_happen_under_compaction() -> None:
    report = await run_scenario(fault_plans()["watch_410_compaction"], 3, operations=300)
    assert report.relists_after_gone > 0
    assert report.divergences == []


async def test_failing_reconciles_are_injected_and_still_converge() -> None:
    report = await run_scenario(fault_plans()["mixed"], 4, operations=300)
    assert report.injected_reconcile_failures > 0
    assert report.divergences == []
