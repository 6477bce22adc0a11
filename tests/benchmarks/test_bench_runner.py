"""Subprocess plumbing: a consumer that fails or hangs is reported, never hangs the harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.runner import Driver, run_consumer


@pytest.mark.timeout(60)
async def test_consumer_without_the_scenario_is_reported_failed_with_its_error() -> None:
    outcome = await run_consumer("kubernetes", "workqueue", {"items": 10}, driver=None,
                                 time_limit=30)
    assert (outcome.ok, outcome.error) == (False, "RuntimeError: kubernetes does not implement "
                                                  "workqueue")


@pytest.mark.timeout(60)
async def test_consumer_past_its_time_limit_is_killed_and_reported(tmp_path: Path) -> None:
    async with Driver(tmp_path) as driver:
        await driver.command(30, op="seed", pods=5)
        # The floor waits for changes the driver never writes.
        params = {"changes": 10, "pods": 5, "resource_version": "0"}
        outcome = await run_consumer("floor", "latency", params, driver=driver, time_limit=3)
    assert (outcome.ok, outcome.error.startswith("timed out")) == (False, True)


@pytest.mark.timeout(60)
async def test_driver_reports_a_failed_command_without_stopping(tmp_path: Path) -> None:
    async with Driver(tmp_path) as driver:
        with pytest.raises(RuntimeError, match="unknown command"):
            await driver.command(30, op="no-such-command")
        reply = await driver.command(30, op="seed", pods=3)
    assert reply["pods"] == 3


@pytest.mark.timeout(60)
async def test_emitted_changes_reach_a_watching_consumer(tmp_path: Path) -> None:
    async with Driver(tmp_path) as driver:
        seeded = await driver.command(30, op="seed", pods=4)

        async def emit(pid: int) -> None:
            await driver.command(30, op="emit", events=20, pods=4, rate=None, wait_watchers=1)

        params = {"events": 20, "pods": 4, "resource_version": seeded["resource_version"]}
        outcome = await run_consumer("floor", "watch_ingest", params, driver=driver,
                                     time_limit=30, on_ready=emit)
    assert outcome.figures["events"] == 20
