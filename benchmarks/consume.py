"""Consumer subprocess entry point: ``python -m benchmarks.consume --consumer NAME ...``.

Runs one consumer for one scenario run and reports on stdout (see :mod:`benchmarks.protocol`):
``ready`` when the driver may act, then ``result`` with the consumer's figures plus its peak
RSS (``ru_maxrss`` of this very process, so no other consumer's memory is mixed in), or
``error`` with the message and the traceback tail, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import sys
import traceback
from typing import Any

import orjson

from benchmarks import protocol
from benchmarks.consumers import CONSUMERS
from benchmarks.consumers.common import ConsumerContext


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.consume")
    parser.add_argument("--consumer", required=True, choices=sorted(CONSUMERS))
    parser.add_argument("--scenario", required=True,
                        choices=["watch_ingest", "list_sync", "latency", "workqueue"])
    parser.add_argument("--params", default="{}", help="JSON object of scenario parameters")
    parser.add_argument("--url", default="")
    parser.add_argument("--kubeconfig", default=None)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the consumer and report; the exit code is 0 only when a result was reported."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    protocol.pin_to_cpu(args.cpu)
    spec = CONSUMERS[args.consumer]
    params: dict[str, Any] = {**orjson.loads(args.params), **spec.extra}
    ctx = ConsumerContext(scenario=args.scenario, params=params, url=args.url,
                          token=os.environ.get("BENCH_TOKEN") or None,
                          kubeconfig=args.kubeconfig)
    if args.kubeconfig:
        # kopf's default login (through the kubernetes client) reads $KUBECONFIG.
        os.environ["KUBECONFIG"] = args.kubeconfig
    try:
        module = importlib.import_module(spec.module)
        function = getattr(module, args.scenario, None)
        if function is None:
            raise RuntimeError(f"{args.consumer} does not implement {args.scenario}")
        if inspect.iscoroutinefunction(function):
            result = asyncio.run(function(ctx))
        else:
            result = function(ctx)
    except BaseException as exc:  # report everything, KeyboardInterrupt included
        tail = traceback.format_exc().strip().splitlines()[-12:]
        protocol.emit("error", {"message": f"{type(exc).__name__}: {exc}"[:500],
                                "traceback": tail})
        return 1
    result["peak_rss_mb"] = round(protocol.peak_rss_mb(), 1)
    protocol.emit("result", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
