"""The sample's terminal: logging set-up, progress lines and the end-of-run summary.

Everything goes through :mod:`logging` (the library never prints). The sample's own loggers
(``examples.*``) log at INFO; the framework's (``kubeflow_informer.*``) at WARNING unless
``--verbose``, so the terminal shows sync progress, each detection as it happens and the summary.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import TextIO

from examples.pod_detector.telemetry import DetectorStats
from kubeflow_informer.cache import SharedIndexInformer

logger = logging.getLogger("examples.pod_detector")

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(message)s"
LOG_DATE_FORMAT = "%H:%M:%S"


def configure_logging(*, verbose: bool = False, stream: TextIO | None = None) -> None:
    """Send log records to ``stream`` (stderr) in the sample's format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("examples").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("kubeflow_informer").setLevel(logging.INFO if verbose else logging.WARNING)


def cache_contents(informers: list[SharedIndexInformer]) -> dict[str, int]:
    """Objects per informer, by informer name (``v1/pods``, ``v1/pods@shop``, ...)."""
    return {informer.name: len(informer.indexer) for informer in informers}


def _join(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


@dataclass
class Summary:
    """What one run did; :meth:`lines` renders it."""

    elapsed: float
    cached: dict[str, int]
    stats: DetectorStats
    churn: dict[str, int] = field(default_factory=dict)

    @property
    def detections(self) -> int:
        """Pod transitions to unavailable, all reasons together."""
        return sum(self.stats.detections.values())

    def lines(self) -> list[str]:
        """The summary as terminal lines."""
        stats = self.stats
        lines = [
            f"summary after {self.elapsed:.1f}s",
            f"  objects cached   {sum(self.cached.values())} ({_join(self.cached)})",
            f"  events handled   {sum(stats.events.values())} ({_join(dict(stats.events))})",
            f"  reconciles       {sum(stats.reconciles.values())} "
            f"({_join(dict(stats.reconciles))})",
            f"  detections       {self.detections} ({_join(dict(stats.detections))})",
            f"  recoveries       {stats.recoveries}",
            f"  services         {stats.services_degraded} degraded, "
            f"{stats.services_recovered} recovered, {stats.annotation_patches} annotation patches",
        ]
        if self.churn:
            lines.append(f"  churn            {sum(self.churn.values())} ({_join(self.churn)})")
        return lines

    def log(self) -> None:
        """Log :meth:`lines` at INFO."""
        for line in self.lines():
            logger.info("%s", line)
