"""Medians, ratios, failures and targets, from synthetic runs (no subprocess)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmarks.execute import ScenarioOutcome
from benchmarks.report import NOTES_BEGIN, NOTES_END, write_markdown
from benchmarks.results import evaluate_targets, list_scaling, summarize_scenario
from benchmarks.runner import RunOutcome
from benchmarks.scenarios import plan


def _scenario(scenario_id: str):  # type: ignore[no-untyped-def]
    return next(s for s in plan("full").scenarios if s.id == scenario_id)


def _ok(**figures: float) -> RunOutcome:
    return RunOutcome(True, dict(figures))


def test_figure_is_the_median_of_successful_runs() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_ok(watch_events_per_s=10.0), _ok(watch_events_per_s=30.0),
                  _ok(watch_events_per_s=20.0)],
    })
    entry = summarize_scenario(outcome)
    assert entry["consumers"]["floor"]["median"]["watch_events_per_s"] == 20.0


def test_failed_runs_are_left_out_of_the_median() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_ok(watch_events_per_s=10.0), RunOutcome(False, error="boom")],
    })
    floor = summarize_scenario(outcome)["consumers"]["floor"]
    assert (floor["status"], floor["median"]["watch_events_per_s"], floor["runs_ok"]) == (
        "ok", 10.0, 1)


def test_consumer_whose_every_run_failed_is_failed_with_its_error() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "kopf": [RunOutcome(False, error="timed out waiting for the consumer's result")],
    })
    kopf = summarize_scenario(outcome)["consumers"]["kopf"]
    assert (kopf["status"], kopf["error"]) == (
        "failed", "timed out waiting for the consumer's result")


def test_consumer_never_run_is_skipped_with_the_reason() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), skipped={"kopf": "projected too slow"})
    kopf = summarize_scenario(outcome)["consumers"]["kopf"]
    assert (kopf["status"], kopf["error"]) == ("skipped", "projected too slow")


def test_best_peer_is_the_fastest_for_a_rate() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "kubeflow_informer": [_ok(watch_events_per_s=1000.0)],
        "kubernetes": [_ok(watch_events_per_s=50.0)],
        "kopf": [_ok(watch_events_per_s=100.0)],
    })
    ours = summarize_scenario(outcome)["consumers"]["kubeflow_informer"]
    assert ours["ratio_to_best_peer"]["watch_events_per_s"] == 10.0


def test_best_peer_is_the_lowest_for_a_duration() -> None:
    outcome = ScenarioOutcome(_scenario("list_sync_50000"), runs={
        "kubeflow_informer": [_ok(list_sync_seconds=2.0, list_peak_rss_mb=100.0)],
        "kubernetes": [_ok(list_sync_seconds=8.0, list_peak_rss_mb=900.0)],
        "kopf": [_ok(list_sync_seconds=4.0, list_peak_rss_mb=700.0)],
    })
    ours = summarize_scenario(outcome)["consumers"]["kubeflow_informer"]
    assert ours["ratio_to_best_peer"] == {"list_sync_seconds": 0.5, "list_peak_rss_mb": 0.1429}


def test_ratio_to_floor_divides_by_the_floor() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_ok(watch_events_per_s=200.0)],
        "kubeflow_informer": [_ok(watch_events_per_s=150.0)],
    })
    ours = summarize_scenario(outcome)["consumers"]["kubeflow_informer"]
    assert ours["ratio_to_floor"]["watch_events_per_s"] == 0.75


def test_watch_target_is_met_at_sixty_percent_of_the_floor() -> None:
    outcome = ScenarioOutcome(_scenario("watch_ingest"), runs={
        "floor": [_ok(watch_events_per_s=100.0)],
        "kubeflow_informer": [_ok(watch_events_per_s=60.0)],
    })
    targets = {t["id"]: t for t in evaluate_targets({"watch_ingest": summarize_scenario(outcome)})}
    assert targets["watch_vs_floor"]["met"] is True


def test_target_without_a_figure_has_no_verdict() -> None:
    targets = {t["id"]: t for t in evaluate_targets({})}
    assert targets["latency_1000_p99"]["met"] is None


def test_list_scaling_reports_cost_per_thousand_pods() -> None:
    small = dataclasses.replace(_scenario("list_sync_10000"))
    big = _scenario("list_sync_100000")
    scenarios = {
        small.id: summarize_scenario(ScenarioOutcome(small, runs={
            "floor": [_ok(list_sync_seconds=1.0, list_peak_rss_mb=1.0)]})),
        big.id: summarize_scenario(ScenarioOutcome(big, runs={
            "floor": [_ok(list_sync_seconds=12.0, list_peak_rss_mb=1.0)]})),
    }
    floor = list_scaling(scenarios)["floor"]
    assert (floor["seconds_per_1000_pods"], floor["linear"]) == (
        {"10000": 0.1, "100000": 0.12}, True)


def test_docs_regeneration_keeps_the_notes_section(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"anything\n{NOTES_BEGIN}\nprofiled the reflector\n{NOTES_END}\n")
    document = {"generated_at": "now", "mode": "quick", "runs": 1,
                "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 1, "os": "os", "python": "3"},
                "versions": {}, "consumers": {}, "scenarios": {}, "list_scaling": {},
                "targets": []}
    write_markdown(document, docs, [])
    assert "profiled the reflector" in docs.read_text()
