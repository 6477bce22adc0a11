"""The harness end to end on tiny sizes (``python -m benchmarks --smoke``): structure, never timing.

One real run of the command line (driver and consumer subprocesses, embedded server, plots,
docs) is shared by the tests below; each checks one property of what it wrote.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
# matplotlib comes with the ``bench`` extra; without it the harness runs with --no-plots.
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
REQUIRED_METRICS = {
    "watch_ingest": {"watch_events_per_s"},
    "server_stream": {"watch_events_per_s"},
    "list_sync": {"list_sync_seconds", "list_peak_rss_mb", "bytes_per_object"},
    "workqueue": {"workqueue_cycles_per_s"},
    "latency": {"event_to_reconcile_p50_ms", "event_to_reconcile_p99_ms"},
}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("smoke")
    docs = out / "benchmarks.md"
    docs.write_text("old page\n<!-- BEGIN NOTES -->\nkept by hand\n<!-- END NOTES -->\n")
    command = [sys.executable, "-m", "benchmarks", "--smoke",
               "--results", str(out / "results.json"), "--plots-dir", str(out / "plots"),
               "--docs", str(docs)]
    if not HAVE_MATPLOTLIB:
        command.append("--no-plots")
    completed = subprocess.run(
        command,
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {
        "document": orjson.loads((out / "results.json").read_bytes()),
        "plots": out / "plots",
        "docs": docs.read_text(),
        "stdout": completed.stdout,
        "out": out,
    }


@pytest.mark.timeout(300)
def test_every_scenario_kind_is_in_results(smoke_run: dict[str, Any]) -> None:
    kinds = {entry["kind"] for entry in smoke_run["document"]["scenarios"].values()}
    assert kinds == set(REQUIRED_METRICS)


@pytest.mark.timeout(300)
def test_every_consumer_run_succeeded(smoke_run: dict[str, Any]) -> None:
    failures = {
        (scenario_id, name): consumer["error"]
        for scenario_id, entry in smoke_run["document"]["scenarios"].items()
        for name, consumer in entry["consumers"].items()
        if consumer["status"] != "ok"
    }
    assert failures == {}


@pytest.mark.timeout(300)
def test_each_consumer_reports_the_required_metric_names(smoke_run: dict[str, Any]) -> None:
    for entry in smoke_run["document"]["scenarios"].values():
        for consumer in entry["consumers"].values():
            assert REQUIRED_METRICS[entry["kind"]] <= set(consumer["median"])


@pytest.mark.timeout(300)
def test_floor_ratio_to_itself_is_one(smoke_run: dict[str, Any]) -> None:
    for entry in smoke_run["document"]["scenarios"].values():
        floor = entry["consumers"]["floor"]
        primary = entry["metrics"][0]
        assert floor["ratio_to_floor"][primary] == 1.0


@pytest.mark.timeout(300)
def test_ratios_to_best_peer_are_computed_where_a_peer_ran(smoke_run: dict[str, Any]) -> None:
    entry = smoke_run["document"]["scenarios"]["list_sync_600"]
    ours = entry["consumers"]["kubeflow_informer"]
    peer = entry["consumers"]["kubernetes"]["median"]["list_sync_seconds"]
    expected = ours["median"]["list_sync_seconds"] / peer
    assert ours["ratio_to_best_peer"]["list_sync_seconds"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.timeout(300)
def test_list_sync_holds_every_seeded_pod(smoke_run: dict[str, Any]) -> None:
    entry = smoke_run["document"]["scenarios"]["list_sync_600"]
    for consumer in entry["consumers"].values():
        assert consumer["median"]["items"] == 600


@pytest.mark.timeout(300)
def test_watch_ingest_counts_every_emitted_event(smoke_run: dict[str, Any]) -> None:
    entry = smoke_run["document"]["scenarios"]["watch_ingest"]
    for consumer in entry["consumers"].values():
        assert consumer["median"]["events"] == entry["params"]["events"]


@pytest.mark.timeout(300)
def test_list_scaling_covers_both_sizes(smoke_run: dict[str, Any]) -> None:
    scaling = smoke_run["document"]["list_scaling"]["floor"]
    assert set(scaling["seconds_per_1000_pods"]) == {"300", "600"}


@pytest.mark.timeout(300)
def test_targets_name_their_figure_and_verdict(smoke_run: dict[str, Any]) -> None:
    targets = {t["id"]: t for t in smoke_run["document"]["targets"]}
    assert {"watch_vs_floor", "workqueue_single", "latency_1000_p99", "server_stream"} <= set(
        targets)
    assert targets["workqueue_single"]["met"] in (True, False)


@pytest.mark.timeout(300)
def test_machine_and_versions_are_recorded(smoke_run: dict[str, Any]) -> None:
    document = smoke_run["document"]
    assert document["machine"]["cores"] >= 1
    assert "kopf" in document["versions"]


@pytest.mark.timeout(300)
def test_plots_are_png_files(smoke_run: dict[str, Any]) -> None:
    pytest.importorskip("matplotlib")
    plots = sorted(p.name for p in smoke_run["plots"].glob("*.png"))
    assert plots == ["latency.png", "list_sync_rss.png", "list_sync_time.png",
                     "watch_ingest.png", "workqueue.png"]
    for plot in smoke_run["plots"].glob("*.png"):
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(300)
def test_docs_page_has_the_tables_and_keeps_hand_notes(smoke_run: dict[str, Any]) -> None:
    docs = smoke_run["docs"]
    assert "| floor |" in docs
    assert "kept by hand" in docs
    assert "old page" not in docs


@pytest.mark.timeout(300)
def test_docs_page_links_the_plots(smoke_run: dict[str, Any]) -> None:
    pytest.importorskip("matplotlib")
    assert "![watch_ingest](plots/watch_ingest.png)" in smoke_run["docs"]


@pytest.mark.timeout(300)
def test_terminal_table_is_printed(smoke_run: dict[str, Any]) -> None:
    assert "kubeflow_informer" in smoke_run["stdout"]
    assert "Targets" in smoke_run["stdout"]


@pytest.mark.timeout(300)
def test_report_only_rebuilds_the_docs_from_results(smoke_run: dict[str, Any]) -> None:
    out: Path = smoke_run["out"]
    docs = out / "rebuilt.md"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--report-only", "--no-plots",
         "--results", str(out / "results.json"), "--docs", str(docs)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert smoke_run["document"]["generated_at"] in docs.read_text()
