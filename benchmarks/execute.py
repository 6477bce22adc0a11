"""Running a plan: drivers, consumer runs in turn, and what each scenario kind does around them.

Runs are interleaved (run 1 of every consumer, then run 2 of every consumer, ...) so a slow
drift of the machine weighs on all consumers alike. A consumer that fails a run is not run
again in that scenario (its later runs would cost the same timeout); one whose initial-sync time
at a smaller size projects past the run limit at a larger one is skipped there, with the reason.

Scenario kinds:

* ``watch_ingest`` - per consumer run: the consumer connects and says ready; the driver waits
  for its watch to be open on the server, the harness pauses the consumer process (SIGSTOP), the
  driver writes every change as fast as it can, and the consumer is resumed (SIGCONT) to drain
  the backlog. The server is thus never the bottleneck and every consumer reads the same events
  at its own full speed; it times from its first event to its last.
* ``server_stream`` - the floor and the raw line counter, each not paused, while the driver
  writes as fast as it can: the server's live streaming rate (issue 3's figure, read from the
  raw counter; the floor's live rate against its watch_ingest rate shows whether the server
  held it back), the driver's CPU time per change, and the rate of the engine's full
  ``Storage.update`` path.
* ``list_sync`` - one seeded server per size; each consumer lists it from scratch.
* ``latency`` - the driver writes at a fixed rate while the consumer runs unpaused.
* ``workqueue`` - no server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.consumers import CONSUMERS
from benchmarks.runner import BenchError, Driver, RunOutcome, run_consumer
from benchmarks.scenarios import Plan, Scenario


@dataclass
class ScenarioOutcome:
    """Every run of every consumer in one scenario, plus what the driver reported."""

    scenario: Scenario
    runs: dict[str, list[RunOutcome]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _summary(outcome: RunOutcome, scenario: Scenario) -> str:
    if not outcome.ok:
        return f"FAILED ({outcome.error[:160]})"
    metric = scenario.metrics[0]
    value = outcome.figures.get(metric)
    flag = " projected" if outcome.figures.get("projected") else (
        " capped" if outcome.figures.get("capped") else "")
    return f"{metric}={value}{flag} ({outcome.wall_seconds:.1f} s)"


async def _no_watchers(driver: Driver, within: float = 30.0) -> None:
    """Wait until the previous consumer's watch has been closed on the server."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        stats = (await driver.command(10.0, op="stats"))["stats"]
        if stats["watchers"] == 0:
            return
        if loop.time() > deadline:
            raise BenchError(f"{stats['watchers']} watches still open on the server")
        await asyncio.sleep(0.05)


async def _positions(driver: Driver) -> tuple[str, int]:
    """The server's current resourceVersion and the driver's next change number."""
    reply = await driver.command(10.0, op="stats")
    return str(reply["stats"]["resource_version"]), int(reply["next_sequence"])


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class Executor:
    """Runs scenarios; owns a scratch directory for kubeconfigs and stderr captures."""

    def __init__(self, plan: Plan, workdir: Path) -> None:
        self.plan = plan
        self.workdir = workdir
        self.list_cost: dict[str, list[tuple[int, float]]] = {}
        """Per consumer, (pods, seconds) of its successful initial syncs (for projections)."""

    async def run(self) -> list[ScenarioOutcome]:
        """Every scenario of the plan, in order; one failing scenario does not stop the rest."""
        results = []
        for scenario in self.plan.scenarios:
            _log(f"== {scenario.id}: {scenario.title}")
            outcome = ScenarioOutcome(scenario)
            try:
                await self._run_scenario(outcome)
            except Exception as exc:  # a broken driver: report it and carry on
                outcome.error = f"{type(exc).__name__}: {exc}"
                _log(f"   scenario failed: {outcome.error}")
            results.append(outcome)
        return results

    async def _run_scenario(self, outcome: ScenarioOutcome) -> None:
        scenario = outcome.scenario
        if scenario.kind == "workqueue":
            await self._runs(outcome, None)
            return
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            async with Driver(Path(scratch)) as driver:
                seeded = await driver.command(600.0, op="seed", pods=scenario.driver["seed"])
                outcome.server["seed_seconds"] = seeded["seconds"]
                if scenario.kind == "server_stream":
                    rate = await driver.command(120.0, op="update_rate", events=5000,
                                                pods=scenario.driver["seed"])
                    outcome.server["update_path_changes_per_s"] = rate["rate"]
                await self._runs(outcome, driver)

    async def _runs(self, outcome: ScenarioOutcome, driver: Driver | None) -> None:
        scenario = outcome.scenario
        for run in range(1, self.plan.runs + 1):
            for consumer in scenario.consumers:
                if consumer in outcome.skipped:
                    continue
                if (scenario.peer_runs is not None and run > scenario.peer_runs
                        and CONSUMERS[consumer].role == "peer"):
                    continue
                reason = self._projected_too_slow(consumer, scenario)
                if reason:
                    outcome.skipped[consumer] = reason
                    _log(f"   {consumer}: skipped ({reason})")
                    continue
                result = await self._one(scenario, consumer, driver, outcome)
                outcome.runs.setdefault(consumer, []).append(result)
                _log(f"   run {run}/{self.plan.runs} {consumer}: {_summary(result, scenario)}")
                if not result.ok:
                    outcome.skipped[consumer] = f"failed in run {run}"
                elif scenario.kind == "list_sync":
                    self.list_cost.setdefault(consumer, []).append(
                        (int(scenario.params["pods"]), float(result.figures["list_sync_seconds"])))

    def _projected_too_slow(self, consumer: str, scenario: Scenario) -> str:
        if scenario.kind != "list_sync" or not self.list_cost.get(consumer):
            return ""
        if scenario.params.get("max_seconds") and CONSUMERS[consumer].role != "ours":
            return ""  # these stop paging at the time cap and project
        pods = int(scenario.params["pods"])
        smaller = [(n, s) for n, s in self.list_cost[consumer] if n < pods]
        if not smaller:
            return ""
        n, seconds = max(smaller)
        projected = seconds * pods / n
        if projected > scenario.timeout * 0.8:
            return (f"projected {projected:.0f} s from {seconds:.1f} s at {n:,} pods, "
                    f"over the {scenario.timeout:.0f} s run limit")
        return ""

    async def _one(self, scenario: Scenario, consumer: str, driver: Driver | None,
                   outcome: ScenarioOutcome) -> RunOutcome:
        params = dict(scenario.params)
        if scenario.kind == "watch_ingest" and CONSUMERS[consumer].role != "peer":
            params["max_seconds"] = 0  # the floor and ours ingest every event: no time cap
        on_ready = None
        if driver is not None:
            await _no_watchers(driver)
            params["resource_version"], params["first_sequence"] = await _positions(driver)
        if scenario.kind in ("watch_ingest", "server_stream", "latency"):
            assert driver is not None
            emit = dict(scenario.driver["emit"])
            paused = scenario.kind == "watch_ingest"
            stamp = scenario.kind == "latency"

            async def on_ready(pid: int) -> None:
                await driver.command(60.0, op="wait_watchers", count=1)
                if paused:
                    _signal(pid, signal.SIGSTOP)
                try:
                    reply = await driver.command(scenario.timeout, op="emit", stamp=stamp,
                                                 drain=scenario.kind == "server_stream", **emit)
                finally:
                    if paused:
                        _signal(pid, signal.SIGCONT)
                outcome.server.setdefault("emit_rates", []).append(reply["rate"])
                for figure in ("cpu_us_per_change", "system_us_per_change",
                               "page_faults_per_change", "steal_share"):
                    outcome.server.setdefault(f"emit_{figure}", []).append(reply[figure])

        kind = "watch_ingest" if scenario.kind == "server_stream" else scenario.kind
        return await run_consumer(consumer, kind, params, driver=driver,
                                  time_limit=scenario.timeout, on_ready=on_ready)
