"""PNG plots of a ``results.json`` document (matplotlib, ``Agg`` backend, no display needed).

One file per question a reader asks: how fast is watch ingest (log scale: peers differ by
orders of magnitude), how does initial-sync time and memory grow with N (it must be a straight
line), how long from change to reconcile, how fast is the workqueue. Failed or skipped consumers
are simply absent from a plot; the tables say why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

_COLORS = {
    "floor": "#7f7f7f",
    "kubeflow_informer": "#d62728",
    "kubeflow_informer+strip": "#ff9896",
    "kubeflow_informer+lean": "#e377c2",
    "kubeflow_informer+gc": "#8c564b",
    "kubernetes_asyncio": "#1f77b4",
    "kubernetes": "#2ca02c",
    "kopf": "#9467bd",
}


def _ok(consumer: dict[str, Any]) -> bool:
    return bool(consumer.get("status") == "ok")


def _bar_chart(path: Path, title: str, labels: list[str], values: list[float], unit: str,
               log: bool) -> None:
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(labels) + 1.5))
    colors = [_COLORS.get(label, "#17becf") for label in labels]
    axes.barh(labels, values, color=colors)
    axes.invert_yaxis()
    if log:
        axes.set_xscale("log")
    axes.set_xlabel(unit)
    axes.set_title(title)
    for index, value in enumerate(values):
        axes.text(value, index, f" {value:,.0f}", va="center", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _watch_plot(scenarios: dict[str, Any], out: Path) -> list[Path]:
    entry = scenarios.get("watch_ingest")
    if not entry:
        return []
    consumers = {n: c for n, c in entry["consumers"].items() if _ok(c)}
    if not consumers:
        return []
    path = out / "watch_ingest.png"
    _bar_chart(path, entry["title"], list(consumers),
               [c["median"]["watch_events_per_s"] for c in consumers.values()],
               "events per second (log scale, higher is better)", log=True)
    return [path]


def _list_plots(scenarios: dict[str, Any], out: Path) -> list[Path]:
    series: dict[str, dict[str, list[tuple[int, float, bool]]]] = {"time": {}, "rss": {}}
    for entry in scenarios.values():
        if entry["kind"] != "list_sync":
            continue
        pods = int(entry["params"]["pods"])
        for name, consumer in entry["consumers"].items():
            if not _ok(consumer):
                continue
            projected = bool(consumer["median"].get("projected"))
            series["time"].setdefault(name, []).append(
                (pods, consumer["median"]["list_sync_seconds"], projected))
            series["rss"].setdefault(name, []).append(
                (pods, consumer["median"]["list_peak_rss_mb"], projected))
    if not series["time"]:
        return []
    paths = []
    for key, ylabel, filename in (
        ("time", "seconds to a synced cache (lower is better)", "list_sync_time.png"),
        ("rss", "peak RSS, MiB (lower is better)", "list_sync_rss.png"),
    ):
        figure, axes = plt.subplots(figsize=(8, 5))
        for name, points in series[key].items():
            points.sort()
            color = _COLORS.get(name)
            axes.plot([p[0] for p in points], [p[1] for p in points], label=name, color=color)
            for pods, value, projected in points:
                # Hollow markers: projected from a time-capped run, not measured to the end.
                axes.plot(pods, value, marker="o", color=color,
                          markerfacecolor="white" if projected else color)
        axes.set_xlabel("pods")
        axes.set_ylabel(ylabel)
        axes.set_title(f"Initial sync (limit=500 pages): {key} against N "
                       "(hollow: projected from a time-capped run)", fontsize=10)
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
        path = out / filename
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(path)
    return paths


def _latency_plot(scenarios: dict[str, Any], out: Path) -> list[Path]:
    entries = [e for e in scenarios.values() if e["kind"] == "latency"]
    if not entries:
        return []
    figure, axes = plt.subplots(1, len(entries), figsize=(6 * len(entries), 4.5), squeeze=False)
    for axis, entry in zip(axes[0], entries, strict=True):
        names = [n for n, c in entry["consumers"].items() if _ok(c)]
        p50 = [entry["consumers"][n]["median"]["event_to_reconcile_p50_ms"] for n in names]
        p99 = [entry["consumers"][n]["median"]["event_to_reconcile_p99_ms"] for n in names]
        positions = range(len(names))
        axis.bar([p - 0.2 for p in positions], p50, width=0.4, label="p50")
        axis.bar([p + 0.2 for p in positions], p99, width=0.4, label="p99")
        axis.set_xticks(list(positions))
        axis.set_xticklabels(names, rotation=30, ha="right")
        axis.set_yscale("log")
        axis.set_ylabel("ms from server-side change (log scale, lower is better)")
        axis.set_title(entry["title"], fontsize=9)
        axis.legend()
    figure.tight_layout()
    path = out / "latency.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]


def _workqueue_plot(scenarios: dict[str, Any], out: Path) -> list[Path]:
    labels: list[str] = []
    values: list[float] = []
    for scenario_id, entry in scenarios.items():
        if entry["kind"] != "workqueue":
            continue
        for name, consumer in entry["consumers"].items():
            if _ok(consumer):
                labels.append(f"{name} - {scenario_id.removeprefix('workqueue_')}")
                values.append(consumer["median"]["workqueue_cycles_per_s"])
    if not labels:
        return []
    path = out / "workqueue.png"
    _bar_chart(path, "Workqueue add / get / done", labels, values,
               "adds per second until drained (higher is better)", log=False)
    return [path]


def draw_all(document: dict[str, Any], out: Path) -> list[Path]:
    """Draw every plot the document has data for into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    scenarios = document["scenarios"]
    paths: list[Path] = []
    for draw in (_watch_plot, _list_plots, _latency_plot, _workqueue_plot):
        paths.extend(draw(scenarios, out))
    return paths
