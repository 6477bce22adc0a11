"""Reconcile and leader-election metrics, named as controller-runtime and client-go name them.

* ``controller_runtime_reconcile_total{controller,result}`` - ``result`` is ``success``,
  ``error``, ``requeue`` or ``requeue_after``.
* ``controller_runtime_reconcile_errors_total{controller}`` - reconciles that raised (terminal
  errors included).
* ``controller_runtime_terminal_reconcile_errors_total{controller}`` - reconciles that raised
  :class:`~kubeflow_informer.controller.reconciler.TerminalError`.
* ``controller_runtime_reconcile_time_seconds{controller}`` - histogram of reconcile durations.
* ``controller_runtime_active_workers{controller}`` - workers inside ``reconcile`` right now.
* ``controller_runtime_max_concurrent_reconciles{controller}`` - configured worker count.
* ``leader_election_master_status{name}`` - 1 while this replica holds the lease named ``name``.

Values are plain attributes updated on the event loop (:mod:`kubeflow_informer.metrics` says
why); one collector per registry reports every controller's at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from kubeflow_informer.metrics import (
    CollectorRegistry,
    HistogramCell,
    PerRegistry,
    ScrapeCollector,
    histogram_family,
)

#: controller-runtime's reconcile-time buckets: fine below a second, coarse up to a minute.
RECONCILE_TIME_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8,
    0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
    15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0,
)

#: The ``result`` label values of ``controller_runtime_reconcile_total``.
RESULTS = ("success", "error", "requeue", "requeue_after")


class ControllerMetrics:
    """One controller's reconcile series, updated on the hot path (plain attributes)."""

    __slots__ = ("active", "errors", "max_concurrent", "name", "terminal_errors",
                 "time_seconds", "totals")

    def __init__(self, name: str, max_concurrent: int) -> None:
        self.name = name
        self.max_concurrent = max_concurrent
        self.active = 0
        self.errors = 0
        self.terminal_errors = 0
        #: Reconciles per result, in the order of :data:`RESULTS`.
        self.totals = dict.fromkeys(RESULTS, 0)
        self.time_seconds = HistogramCell(RECONCILE_TIME_BUCKETS)


class ReconcileMetrics(PerRegistry):
    """The reconcile families of one registry, one series per controller name."""

    def __init__(self) -> None:
        self._controllers: dict[str, ControllerMetrics] = {}

    def for_controller(self, name: str, max_concurrent: int) -> ControllerMetrics:
        """The series of controller ``name`` (a later controller of that name takes them over)."""
        metrics = self._controllers[name] = ControllerMetrics(name, max_concurrent)
        return metrics

    def collect(self) -> Iterator[Metric]:
        controllers = list(self._controllers.values())
        label = ["controller"]
        total = CounterMetricFamily(
            "controller_runtime_reconcile", "Total number of reconciliations per controller",
            labels=["controller", "result"],
        )
        errors = CounterMetricFamily(
            "controller_runtime_reconcile_errors",
            "Total number of reconciliation errors per controller", labels=label,
        )
        terminal = CounterMetricFamily(
            "controller_runtime_terminal_reconcile_errors",
            "Total number of terminal reconciliation errors per controller", labels=label,
        )
        active = GaugeMetricFamily(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller", labels=label,
        )
        maximum = GaugeMetricFamily(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller", labels=label,
        )
        for controller in controllers:
            name = controller.name
            for result, count in controller.totals.items():
                total.add_metric([name, result], count)
            errors.add_metric([name], controller.errors)
            terminal.add_metric([name], controller.terminal_errors)
            active.add_metric([name], controller.active)
            maximum.add_metric([name], controller.max_concurrent)
        yield from (total, errors, terminal)
        yield histogram_family(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            label, (([c.name], c.time_seconds) for c in controllers),
        )
        yield from (active, maximum)


class LeaderMetrics:
    """``leader_election_master_status{name}`` for one lease, registered on a registry."""

    def __init__(self, registry: CollectorRegistry, name: str) -> None:
        self.name = name
        self.leading = False
        self._collector = ScrapeCollector(self.collect, "leader_election")
        self._registry = registry
        registry.register(self._collector)

    def collect(self) -> Iterator[Metric]:
        status = GaugeMetricFamily(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
            "backup, 1 indicates master. 'name' is the string used to identify the lease.",
            labels=["name"],
        )
        status.add_metric([self.name], 1.0 if self.leading else 0.0)
        yield status

    def unregister(self) -> None:
        """Take the family off the registry (the manager shut down)."""
        self._registry.unregister(self._collector)


__all__ = [
    "RECONCILE_TIME_BUCKETS",
    "RESULTS",
    "ControllerMetrics",
    "LeaderMetrics",
    "ReconcileMetrics",
]
