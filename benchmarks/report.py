"""Writing the results: ``results.json``, the terminal table and ``docs/benchmarks.md``.

The markdown page is regenerated from ``results.json`` on every run, except the part between
``<!-- BEGIN NOTES -->`` and ``<!-- END NOTES -->``: findings, profiling notes and what was tried
are written by people and survive regeneration.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.consumers import CONSUMERS
from benchmarks.execute import ScenarioOutcome
from benchmarks.results import (
    evaluate_targets,
    list_scaling,
    markdown_table,
    summarize_scenario,
    table_rows,
    text_table,
)
from benchmarks.scenarios import Plan

NOTES_BEGIN = "<!-- BEGIN NOTES -->"
NOTES_END = "<!-- END NOTES -->"
_DEFAULT_NOTES = "_No notes yet._"


def machine_info() -> dict[str, Any]:
    """The machine the figures come from: CPU, cores, memory, OS, Python."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    """Versions of everything measured, and the checkout's commit."""
    found: dict[str, str] = {}
    for package in ("kubeflow-informer", "aiohttp", "orjson", "kubernetes",
                    "kubernetes_asyncio", "kopf"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False, timeout=10,
                                cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    found["commit"] = commit or "unknown"
    return found


def build_document(plan: Plan, outcomes: list[ScenarioOutcome]) -> dict[str, Any]:
    """The whole ``results.json`` document (layout in :mod:`benchmarks.results`)."""
    scenarios = {o.scenario.id: summarize_scenario(o) for o in outcomes}
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": plan.mode,
        "runs": plan.runs,
        "machine": machine_info(),
        "versions": versions(),
        "consumers": {name: spec.description for name, spec in CONSUMERS.items()},
        "scenarios": scenarios,
        "list_scaling": list_scaling(scenarios),
        "targets": evaluate_targets(scenarios),
    }


def write_json(document: dict[str, Any], path: Path) -> None:
    """Write ``results.json`` (indented, keys in insertion order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def _met(target: dict[str, Any]) -> str:
    return {True: "met", False: "**missed**", None: "no figure"}[target["met"]]


def terminal_report(document: dict[str, Any]) -> str:
    """Every scenario's table and the targets, for the terminal."""
    parts = []
    for entry in document["scenarios"].values():
        header, rows = table_rows(entry)
        parts.append(f"{entry['title']}\n{text_table(header, rows)}")
        if entry["error"]:
            parts.append(f"  scenario error: {entry['error']}")
    target_rows = [[t["description"], str(t["value"]), str(t["threshold"]),
                    _met(t).strip("*")] for t in document["targets"]]
    parts.append("Targets\n" + text_table(["target", "value", "threshold", "result"],
                                          target_rows))
    return "\n\n".join(parts)


def _existing_notes(path: Path) -> str:
    if not path.exists():
        return _DEFAULT_NOTES
    text = path.read_text(encoding="utf-8")
    start = text.find(NOTES_BEGIN)
    end = text.find(NOTES_END)
    if start < 0 or end < start:
        return _DEFAULT_NOTES
    return text[start + len(NOTES_BEGIN):end].strip() or _DEFAULT_NOTES


_METHOD = """\
How it runs (`python -m benchmarks`; `--quick` for a small CI-sized run):

- One **driver** subprocess runs the embedded API server on 127.0.0.1 and writes the changes;
  each **consumer** runs in its own subprocess (peak RSS is that process's `ru_maxrss`). On two
  or more cores the driver is pinned to CPU 0 and the consumer to CPU 1.
- Pods are deterministic and realistic (~4 KB as served: labels, annotations, an ownerReference,
  two managedFields entries, two containers, conditions, containerStatuses).
- **Watch ingest**: the consumer connects and lists/watches; once its watch is open on the
  server, the consumer process is paused (SIGSTOP), the driver writes every change, and the
  consumer is resumed to drain the backlog - so the server never limits the figure and every
  consumer reads the same events at its own speed. Events per second from the first event to
  the last (peers: over their first `max_seconds` of ingest, marked "time-capped").
  kopf hands a worker only the latest version of an object when it falls behind, so its figure
  is the driver's event count over the time until every pod's final version was handled.
  `raw_lines` (counts newlines, decodes nothing) reads the same backlog: its rate is how fast
  the server streams changes it holds (issue 3's figure) - the floor's decoding alone may be
  slower than the server on a slow machine.
- **Server stream**: a reader, not paused, while the driver writes as fast as it can: the
  floor, and `raw_lines`, whose rate is the server's live rate when the same process commits,
  serializes and sends every change. The driver writes with `Storage.commit` (the engine's
  commit step: new resourceVersion, serialize once, history, fan-out) and reports its process's
  CPU time per change (the HTTP pump included) and `steal_share`, the share of the machine's
  CPU time the hypervisor gave to other guests meanwhile (`/proc/stat`); the rate of the full
  `Storage.update` path is reported beside it.
- **Initial sync**: each consumer lists N pods from scratch in pages of 500 and holds them all;
  seconds until synced, peak RSS, and RSS kept per pod after the sync.
- **Workqueue**: a producer adds keys in bursts of 1,000; cycles/s are adds per second until
  the queue is drained (with 90% duplicates most adds coalesce).
- **Event to reconcile**: the driver writes at a fixed rate, stamping each change with
  `time.monotonic_ns()` just before the write; the consumer subtracts it when its reconciler
  (ours: Manager -> informer -> workqueue -> Reconciler reading the lister) or handler sees that
  version. The first 5% of changes are warm-up and not sampled.
- Figures are medians over the runs; ratios are value / floor and value / best peer.
"""


def markdown_page(document: dict[str, Any], docs_path: Path, plots: list[Path]) -> str:
    """The whole ``docs/benchmarks.md`` text."""
    machine = document["machine"]
    version_text = ", ".join(f"{k} {v}" for k, v in document["versions"].items())
    lines = [
        "# Benchmarks",
        "",
        f"Generated {document['generated_at']} by `python -m benchmarks"
        f"{' --quick' if document['mode'] == 'quick' else ''}` "
        f"({document['mode']} run, median of {document['runs']} run(s) per consumer).",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB RAM, "
        f"{machine['os']}, Python {machine['python']}.",
        "",
        f"Versions: {version_text}.",
        "",
        "## Targets",
        "",
        markdown_table(["target", "value", "threshold", "result"],
                       [[t["description"], str(t["value"]), str(t["threshold"]), _met(t)]
                        for t in document["targets"]]),
        "",
        "## Results",
        "",
    ]
    for scenario_id, entry in document["scenarios"].items():
        header, rows = table_rows(entry)
        lines += [f"### {entry['title']}", "", f"Scenario `{scenario_id}`.", ""]
        if entry["error"]:
            lines += [f"Scenario error: `{entry['error']}`", ""]
        lines += [markdown_table(header, rows), ""]
        if entry["server"]:
            server = ", ".join(f"{k}: {v}" for k, v in entry["server"].items())
            lines += [f"Driver: {server}.", ""]
    scaling = document.get("list_scaling") or {}
    if any(len(s["seconds_per_1000_pods"]) > 1 for s in scaling.values()):
        lines += ["### Initial sync cost per pod (must stay flat as N grows)", ""]
        sizes = sorted({int(n) for s in scaling.values() for n in s["seconds_per_1000_pods"]})
        header = ["consumer", *(f"s / 1,000 pods at {n:,}" for n in sizes),
                  "largest / smallest", "linear"]
        rows = []
        for name, entry in scaling.items():
            costs = entry["seconds_per_1000_pods"]
            spread = entry["largest_over_smallest"]
            rows.append([name, *(str(costs.get(str(n), "-")) for n in sizes),
                         "-" if spread is None else f"{spread:.2f}",
                         {True: "yes", False: "**no**", None: "-"}[entry["linear"]]])
        lines += [markdown_table(header, rows), ""]
    if plots:
        lines += ["## Plots", ""]
        for plot in plots:
            relative = os.path.relpath(plot, docs_path.parent)
            lines += [f"![{plot.stem}]({relative})", ""]
    lines += ["## Method", "", _METHOD, "## Consumers", ""]
    lines += [f"- `{name}`: {text}" for name, text in document["consumers"].items()]
    lines += ["", "## Notes and findings", "", NOTES_BEGIN, _existing_notes(docs_path),
              NOTES_END, ""]
    return "\n".join(lines)


def write_markdown(document: dict[str, Any], path: Path, plots: list[Path]) -> None:
    """Regenerate ``docs/benchmarks.md``, keeping its notes section."""
    text = markdown_page(document, path, plots)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
