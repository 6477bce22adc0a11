"""The server-stream instruments: the raw line counter, the driver's CPU figure, the targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.consumers import CONSUMERS
from benchmarks.consumers.common import IngestCounter
from benchmarks.driver import _cpu_ticks, _steal_share
from benchmarks.execute import ScenarioOutcome
from benchmarks.results import evaluate_targets, summarize_scenario
from benchmarks.runner import Driver, RunOutcome, run_consumer
from benchmarks.scenarios import plan


def _scenario(scenario_id: str):  # type: ignore[no-untyped-def]
    return next(s for s in plan("full").scenarios if s.id == scenario_id)


def _rate(value: float) -> RunOutcome:
    return RunOutcome(True, {"watch_events_per_s": value})


def test_ingest_counter_completes_when_the_target_is_reached_inside_a_chunk() -> None:
    counter = IngestCounter({"events": 10})
    assert (counter.add(4), counter.add(0), counter.add(7)) == (False, False, True)
    assert counter.result()["events"] == 11


def test_ingest_counter_rate_leaves_out_the_first_chunks_events() -> None:
    counter = IngestCounter({"events": 300})
    counter.add(100)
    counter.add(200)
    counter.first_ns, counter.last_ns = 0, 2_000_000_000  # the two chunks 2 s apart
    assert counter.result()["watch_events_per_s"] == 100.0


def test_server_stream_is_read_by_the_floor_and_the_raw_counter() -> None:
    assert set(_scenario("server_stream").consumers) == {"floor", "raw_lines"}


def test_watch_ingest_includes_the_raw_counter_as_a_reference() -> None:
    scenario = _scenario("watch_ingest")
    assert "raw_lines" in scenario.consumers
    assert CONSUMERS["raw_lines"].role == "reference"


def test_server_targets_read_the_raw_counter_backlog_and_live() -> None:
    backlog = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_rate(30_000.0)], "raw_lines": [_rate(150_000.0)]})
    live = ScenarioOutcome(_scenario("server_stream"), runs={
        "floor": [_rate(30_000.0)], "raw_lines": [_rate(45_000.0)]})
    targets = {t["id"]: t for t in evaluate_targets({
        "watch_ingest": summarize_scenario(backlog), "server_stream": summarize_scenario(live)})}
    assert (targets["server_stream"]["value"], targets["server_stream"]["met"]) == (150_000, True)
    assert (targets["server_stream_live"]["value"],
            targets["server_stream_live"]["met"]) == (45_000, False)


def test_server_targets_have_no_verdict_without_their_scenarios() -> None:
    targets = {t["id"]: t for t in evaluate_targets({})}
    assert targets["server_stream"]["met"] is None
    assert targets["server_stream_live"]["met"] is None


def test_raw_counter_is_not_a_peer_in_the_backlog_ratios() -> None:
    backlog = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_rate(30_000.0)], "raw_lines": [_rate(150_000.0)],
        "kubeflow_informer": [_rate(24_000.0)], "kubernetes_asyncio": [_rate(2_000.0)]})
    ours = summarize_scenario(backlog)["consumers"]["kubeflow_informer"]
    assert ours["ratio_to_best_peer"]["watch_events_per_s"] == pytest.approx(12.0)
    assert ours["ratio_to_floor"]["watch_events_per_s"] == pytest.approx(0.8)


def test_server_is_not_the_bottleneck_when_the_floor_reads_live_near_its_backlog_rate() -> None:
    live = ScenarioOutcome(_scenario("server_stream"), runs={"floor": [_rate(28_000.0)]})
    backlog = ScenarioOutcome(_scenario("watch_ingest"), runs={"floor": [_rate(30_000.0)]})
    targets = {t["id"]: t for t in evaluate_targets({
        "server_stream": summarize_scenario(live), "watch_ingest": summarize_scenario(backlog)})}
    assert (targets["server_not_bottleneck"]["value"],
            targets["server_not_bottleneck"]["met"]) == (pytest.approx(0.9333, abs=1e-4), True)


def test_server_bottleneck_check_has_no_verdict_without_the_backlog_figure() -> None:
    live = ScenarioOutcome(_scenario("server_stream"), runs={"floor": [_rate(28_000.0)]})
    targets = {t["id"]: t for t in evaluate_targets({"server_stream": summarize_scenario(live)})}
    assert targets["server_not_bottleneck"]["met"] is None


@pytest.mark.timeout(60)
async def test_raw_counter_counts_every_emitted_change_and_the_driver_its_cpu(
    tmp_path: Path,
) -> None:
    replies = []
    async with Driver(tmp_path) as driver:
        seeded = await driver.command(30, op="seed", pods=4)

        async def emit(pid: int) -> None:
            replies.append(await driver.command(30, op="emit", events=50, pods=4, rate=None,
                                                wait_watchers=1, drain=True))

        params = {"events": 50, "pods": 4, "resource_version": seeded["resource_version"]}
        outcome = await run_consumer("raw_lines", "watch_ingest", params, driver=driver,
                                     time_limit=30, on_ready=emit)
    assert outcome.figures["events"] == 50
    assert replies[0]["drained"] is True
    assert replies[0]["cpu_us_per_change"] > 0
    steal = replies[0]["steal_share"]  # None when no clock tick passed during so short an emit
    assert steal is None or 0.0 <= steal <= 1.0


def test_steal_share_is_the_steal_part_of_all_ticks_between_two_readings() -> None:
    assert _steal_share((10, 1_000), (35, 1_100)) == 0.25
    assert _steal_share(None, (35, 1_100)) is None
    assert _steal_share((10, 1_000), (10, 1_000)) is None


def test_cpu_ticks_reads_the_aggregate_line_of_proc_stat() -> None:
    ticks = _cpu_ticks()
    if not Path("/proc/stat").exists():
        assert ticks is None
        return
    assert ticks is not None
    steal, total = ticks
    assert 0 <= steal <= total
