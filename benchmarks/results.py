"""From runs to figures: medians, ratios to the floor and to the best peer, targets, the table.

``results.json`` layout (stable; the docs and the plots read it)::

    {"generated_at", "mode", "runs", "machine": {...}, "versions": {...},
     "scenarios": {<id>: {"title", "kind", "params", "metrics": [...], "server": {...},
                          "error": "", "scaling": {...} (list_sync only, see below),
                          "consumers": {<name>: {
                              "role": "floor"|"ours"|"peer", "status": "ok"|"failed"|"skipped",
                              "error": str, "runs_ok": n, "runs": [figures of each run],
                              "median": {<metric>: value, ...},
                              "ratio_to_floor": {<metric>: value / floor's},
                              "ratio_to_best_peer": {<metric>: value / best peer's}}}}},
     "targets": [{"id", "description", "value", "threshold", "met": true|false|null}]}

A figure is the median over the consumer's successful runs, metric by metric. Ratios are plain
quotients (``value / reference``) for every metric, whatever its direction; "best peer" is the
highest value for higher-is-better metrics and the lowest otherwise. ``met`` is ``null`` when a
figure it needs is missing (a failed consumer).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from benchmarks.consumers import CONSUMERS
from benchmarks.execute import ScenarioOutcome
from benchmarks.scenarios import HIGHER_IS_BETTER, PEERS


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _median_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = sorted({key for run in runs for key, value in run.items() if _number(value)})
    median: dict[str, Any] = {}
    for key in keys:
        values = [run[key] for run in runs if _number(run.get(key))]
        median[key] = round(statistics.median(values), 4)
    for flag in ("capped", "projected"):
        if any(run.get(flag) for run in runs):
            median[flag] = True
    return median


def _ratio(value: Any, reference: Any) -> float | None:
    if not _number(value) or not _number(reference) or reference == 0:
        return None
    return round(float(value) / float(reference), 4)


def _best_peer(consumers: dict[str, dict[str, Any]], metric: str) -> tuple[str, float] | None:
    values = [(name, c["median"][metric]) for name, c in consumers.items()
              if name in PEERS and c["status"] == "ok" and _number(c["median"].get(metric))]
    if not values:
        return None
    pick = max if HIGHER_IS_BETTER.get(metric, True) else min
    return pick(values, key=lambda item: item[1])


def summarize_scenario(outcome: ScenarioOutcome) -> dict[str, Any]:
    """The ``results.json`` entry of one scenario."""
    scenario = outcome.scenario
    consumers: dict[str, dict[str, Any]] = {}
    for name in scenario.consumers:
        runs = outcome.runs.get(name, [])
        good = [run.figures for run in runs if run.ok]
        errors = [run.error for run in runs if not run.ok]
        entry: dict[str, Any] = {
            "role": CONSUMERS[name].role,
            "runs_ok": len(good),
            "runs": good,
            "median": _median_figures(good) if good else {},
            "error": errors[0] if errors else outcome.skipped.get(name, outcome.error),
        }
        if good:
            entry["status"] = "ok"
        elif errors or outcome.error:
            entry["status"] = "failed"
        else:
            entry["status"] = "skipped"
        consumers[name] = entry
    floor = consumers.get("floor")
    for entry in consumers.values():
        entry["ratio_to_floor"] = {}
        entry["ratio_to_best_peer"] = {}
        for metric in scenario.metrics:
            if metric not in HIGHER_IS_BETTER:
                continue
            value = entry["median"].get(metric)
            if floor is not None and floor["status"] == "ok":
                entry["ratio_to_floor"][metric] = _ratio(value, floor["median"].get(metric))
            best = _best_peer(consumers, metric)
            if best is not None:
                entry["ratio_to_best_peer"][metric] = _ratio(value, best[1])
    return {
        "title": scenario.title,
        "kind": scenario.kind,
        "params": scenario.params,
        "metrics": list(scenario.metrics),
        "server": outcome.server,
        "error": outcome.error,
        "consumers": consumers,
    }


def list_scaling(scenarios: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per consumer, initial-sync seconds per 1,000 pods at each size, and the spread.

    Linear growth means a constant cost per pod: ``max_over_min`` near 1 (we call it linear when
    the per-pod cost at the largest size is at most 1.5x the one at the smallest).
    """
    per_consumer: dict[str, dict[int, float]] = {}
    for entry in scenarios.values():
        if entry["kind"] != "list_sync":
            continue
        pods = int(entry["params"]["pods"])
        for name, consumer in entry["consumers"].items():
            seconds = consumer["median"].get("list_sync_seconds")
            if consumer["status"] == "ok" and _number(seconds):
                per_consumer.setdefault(name, {})[pods] = round(seconds / pods * 1000, 4)
    scaling: dict[str, Any] = {}
    for name, costs in per_consumer.items():
        sizes = sorted(costs)
        spread = None
        if len(sizes) > 1 and costs[sizes[0]]:
            spread = costs[sizes[-1]] / costs[sizes[0]]
        scaling[name] = {
            "seconds_per_1000_pods": {str(n): costs[n] for n in sizes},
            "largest_over_smallest": round(spread, 3) if spread is not None else None,
            "linear": (spread <= 1.5) if spread is not None else None,
        }
    return scaling


def _figure(scenarios: dict[str, Any], scenario_id: str, consumer: str, metric: str) -> Any:
    entry = scenarios.get(scenario_id, {}).get("consumers", {}).get(consumer)
    if not entry or entry["status"] != "ok":
        return None
    return entry["median"].get(metric)


def _target(target_id: str, description: str, value: Any, threshold: float,
            higher_is_better: bool) -> dict[str, Any]:
    met = None
    if _number(value):
        met = value >= threshold if higher_is_better else value <= threshold
    return {"id": target_id, "description": description,
            "value": round(value, 4) if _number(value) else None,
            "threshold": threshold, "met": met}


def evaluate_targets(scenarios: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the figure it was judged on."""
    targets = []
    watch = scenarios.get("watch_ingest", {}).get("consumers", {})
    if watch:
        ours = watch.get("kubeflow_informer", {})
        targets.append(_target(
            "watch_vs_floor", "Watch ingest: kubeflow_informer >= 60% of the floor",
            ours.get("ratio_to_floor", {}).get("watch_events_per_s"), 0.6, True))
        targets.append(_target(
            "watch_vs_peers", "Watch ingest: kubeflow_informer >= 10x the fastest peer",
            ours.get("ratio_to_best_peer", {}).get("watch_events_per_s"), 10.0, True))
    for scenario_id, entry in scenarios.items():
        if entry["kind"] != "list_sync" or int(entry["params"]["pods"]) < 50_000:
            continue
        pods = f"{int(entry['params']['pods']):,}"
        consumers = entry["consumers"]
        plain = consumers.get("kubeflow_informer", {})
        strip = consumers.get("kubeflow_informer+strip", {})
        targets.append(_target(
            f"{scenario_id}_time", f"Initial sync of {pods} pods: time <= 0.6x the floor's",
            plain.get("ratio_to_floor", {}).get("list_sync_seconds"), 0.6, False))
        lean = consumers.get("kubeflow_informer+lean", {})
        targets.append(_target(
            f"{scenario_id}_rss",
            f"Initial sync of {pods} pods, managedFields stripped (lean_object: strip + shared "
            "strings): peak RSS <= 0.6x the floor's",
            lean.get("ratio_to_floor", {}).get("list_peak_rss_mb"), 0.6, False))
        targets.append(_target(
            f"{scenario_id}_rss_strip_only",
            f"Initial sync of {pods} pods, strip_managed_fields alone: peak RSS <= 0.6x the "
            "floor's",
            strip.get("ratio_to_floor", {}).get("list_peak_rss_mb"), 0.6, False))
        targets.append(_target(
            f"{scenario_id}_faster_than_peers",
            f"Initial sync of {pods} pods: faster than every peer (time / best peer's < 1)",
            plain.get("ratio_to_best_peer", {}).get("list_sync_seconds"), 0.9999, False))
        targets.append(_target(
            f"{scenario_id}_smaller_than_peers",
            f"Initial sync of {pods} pods, stripped: smaller than every peer (RSS / best < 1)",
            strip.get("ratio_to_best_peer", {}).get("list_peak_rss_mb"), 0.9999, False))
    targets.append(_target(
        "workqueue_single", "Workqueue: >= 100,000 single-worker add/get/done cycles/s",
        _figure(scenarios, "workqueue_single", "kubeflow_informer", "workqueue_cycles_per_s"),
        100_000, True))
    targets.append(_target(
        "latency_1000_p99", "Event to reconcile p99 at 1,000 changes/s < 10 ms",
        _figure(scenarios, "latency_1000_per_s", "kubeflow_informer",
                "event_to_reconcile_p99_ms"), 10.0, False))
    targets.append(_target(
        "latency_10000_p99", "Event to reconcile p99 at 10,000 changes/s < 100 ms",
        _figure(scenarios, "latency_10000_per_s", "kubeflow_informer",
                "event_to_reconcile_p99_ms"), 100.0, False))
    targets.append(_target(
        "server_stream", "Server (issue 3): streams watch events to a raw reader >= 50,000 "
        "events/s (raw_lines draining a backlog in watch_ingest)",
        _figure(scenarios, "watch_ingest", "raw_lines", "watch_events_per_s"), 50_000, True))
    targets.append(_target(
        "server_stream_live", "Server, live: commits and streams >= 50,000 changes/s at once "
        "(raw_lines reading server_stream; see the driver's steal_share)",
        _figure(scenarios, "server_stream", "raw_lines", "watch_events_per_s"), 50_000, True))
    live = _figure(scenarios, "server_stream", "floor", "watch_events_per_s")
    backlog = _figure(scenarios, "watch_ingest", "floor", "watch_events_per_s")
    targets.append(_target(
        "server_not_bottleneck", "Server is not the bottleneck: floor live rate >= 0.9x floor "
        "backlog rate (watch_ingest)",
        _ratio(live, backlog), 0.9, True))
    largest = max((int(e["params"]["pods"]) for e in scenarios.values()
                   if e["kind"] == "list_sync"), default=0)
    if largest:
        served = _figure(scenarios, f"list_sync_{largest}", "floor", "items")
        targets.append(_target(
            "server_list", f"Server (issue 3): serves a paginated list of {largest:,} pods "
            "(pods the floor received)", served, largest, True))
    return targets


def _format(value: Any, metric: str) -> str:
    if not _number(value):
        return "-"
    if metric.endswith("_per_s"):
        return f"{value:,.0f}"
    if metric == "bytes_per_object":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _ratio_text(value: Any) -> str:
    return f"{value:.2f}x" if _number(value) else "-"


_SHORT = {
    "watch_events_per_s": "events/s",
    "list_sync_seconds": "time",
    "list_peak_rss_mb": "peak RSS",
    "event_to_reconcile_p50_ms": "p50",
    "event_to_reconcile_p99_ms": "p99",
    "workqueue_cycles_per_s": "cycles/s",
}


def table_rows(entry: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one scenario's table: the figures, then ratios of the main ones."""
    metrics = list(entry["metrics"])
    compared = [m for m in metrics if m in _SHORT]
    header = ["consumer", *metrics]
    for metric in compared:
        header += [f"{_SHORT[metric]} vs floor", f"{_SHORT[metric]} vs best peer"]
    header.append("status")
    rows = []
    for name, consumer in entry["consumers"].items():
        status = consumer["status"]
        if status != "ok":
            status = f"{status}: {consumer['error']}"[:90]
        elif consumer["median"].get("projected"):
            status = "ok (time-capped, projected to N)"
        elif consumer["median"].get("capped"):
            status = "ok (time-capped)"
        row = [name, *(_format(consumer["median"].get(m), m) for m in metrics)]
        for metric in compared:
            row += [_ratio_text(consumer["ratio_to_floor"].get(metric)),
                    _ratio_text(consumer["ratio_to_best_peer"].get(metric))]
        row.append(status)
        rows.append(row)
    return header, rows


def text_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A fixed-width text table for the terminal."""
    rows = list(rows)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return "\n".join(lines)


def markdown_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """The same table in GitHub markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)
