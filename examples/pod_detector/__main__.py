"""``python -m examples.pod_detector``: the command line of the pod-detector sample.

Without ``--kubeconfig`` / ``--context`` and outside a pod it runs the self-contained demo (see
:mod:`examples.pod_detector.app`); the defaults that differ between the two modes are resolved
here and shown in ``--help``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from examples.pod_detector.app import EXIT_CONFIG, RunOptions, run, wants_cluster
from examples.pod_detector.report import configure_logging
from examples.pod_detector.settings import DetectorSettings, WatchScope
from kubeflow_informer.cli import port_number
from kubeflow_informer.selectors import LabelSelector, SelectorError

DEMO_DURATION = 30.0
DEMO_GRACE_PERIOD, CLUSTER_GRACE_PERIOD = 3.0, 30.0
DEMO_PENDING_LIMIT, CLUSTER_PENDING_LIMIT = 5.0, 300.0
CLUSTER_METRICS_PORT = 8080


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _metrics_port(text: str) -> int:
    if text.strip() == "-1":
        return -1
    return port_number(text)


def build_parser() -> argparse.ArgumentParser:
    """The sample's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.pod_detector",
        description=(
            "pod-detector: reports unavailable Pods (Events, Service annotations, metrics). "
            "Without --kubeconfig/--context and outside a cluster it runs a demo on the "
            "embedded API server with a simulated misbehaving cluster."
        ),
    )
    cluster = parser.add_argument_group("cluster")
    cluster.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file of the cluster")
    cluster.add_argument("--context", help="kubeconfig context to use")
    cluster.add_argument("--namespace", "-n", action="append", default=[], metavar="NS",
                         help="watch this namespace (repeatable; default: all namespaces)")
    cluster.add_argument("--selector", "-l", metavar="SELECTOR",
                         help="label selector for the Pods and Services watched, e.g. team=web")
    judge = parser.add_argument_group("detection")
    judge.add_argument("--grace-period", type=_non_negative, metavar="SECONDS",
                       help=f"not-Ready time before a Pod is unavailable (default "
                            f"{CLUSTER_GRACE_PERIOD:g}; demo {DEMO_GRACE_PERIOD:g})")
    judge.add_argument("--pending-limit", type=_non_negative, metavar="SECONDS",
                       help=f"Pending time before a Pod is unavailable (default "
                            f"{CLUSTER_PENDING_LIMIT:g}; demo {DEMO_PENDING_LIMIT:g})")
    judge.add_argument("--workers", type=int, default=2,
                       help="concurrent reconciles per controller (default 2)")
    run_group = parser.add_argument_group("operation")
    run_group.add_argument("--metrics-port", type=_metrics_port, metavar="PORT",
                           help=f"port of /metrics, /healthz, /readyz (default "
                                f"{CLUSTER_METRICS_PORT}; demo: a free port; -1 disables)")
    run_group.add_argument("--leader-elect", action="store_true",
                           help="run only while holding the pod-detector Lease")
    run_group.add_argument("--leader-elect-namespace", metavar="NS",
                           help="namespace of the Lease (default: the pod's namespace, or "
                                "the kubeconfig context's, or default)")
    run_group.add_argument("--duration", type=_positive, metavar="SECONDS",
                           help=f"stop after this long (default: never; demo "
                                f"{DEMO_DURATION:g})")
    run_group.add_argument("--verbose", "-v", action="store_true",
                           help="also show the framework's INFO logs")
    demo = parser.add_argument_group("demo")
    demo.add_argument("--seed", type=int, default=1, help="seed of the scenario and churn")
    demo.add_argument("--churn-interval", type=_positive, default=1.0, metavar="SECONDS",
                      help="mean seconds between simulated disruptions (default 1)")
    return parser


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """Resolve the parsed arguments, with the defaults of the mode they select."""
    if args.selector:
        LabelSelector.parse(args.selector)  # fail early, with the parser's message
    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    options = RunOptions(kubeconfig=args.kubeconfig, context=args.context)
    cluster = wants_cluster(options)
    options.settings = DetectorSettings(
        scope=WatchScope(tuple(args.namespace), args.selector),
        grace_period=_pick(args.grace_period, CLUSTER_GRACE_PERIOD, DEMO_GRACE_PERIOD, cluster),
        pending_limit=_pick(args.pending_limit, CLUSTER_PENDING_LIMIT, DEMO_PENDING_LIMIT,
                            cluster),
        workers=args.workers,
    )
    port = args.metrics_port
    if port is None:
        port = CLUSTER_METRICS_PORT if cluster else 0
    options.metrics_port = None if port < 0 else port
    options.metrics_host = "0.0.0.0" if cluster else "127.0.0.1"
    options.leader_elect = args.leader_elect
    options.lease_namespace = args.leader_elect_namespace
    options.duration = args.duration if args.duration or cluster else DEMO_DURATION
    options.seed = args.seed
    options.churn_interval = args.churn_interval
    options.shutdown_grace_period = 30.0 if cluster else 5.0
    return options


def _pick(given: float | None, cluster_default: float, demo_default: float, cluster: bool
          ) -> float:
    if given is not None:
        return given
    return cluster_default if cluster else demo_default


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, configure logging, run; the exit code (0 also after Ctrl-C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = options_from_args(args)
    except (SelectorError, ValueError) as err:
        parser.error(str(err))
        return EXIT_CONFIG  # parser.error exits; this keeps the types honest
    configure_logging(verbose=args.verbose)
    try:
        return asyncio.run(run(options))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 0


if __name__ == "__main__":
    sys.exit(main())
