"""``python -m benchmarks [--quick] [--runs N] [--only ID ...]``: run, print, write, plot.

Writes ``benchmarks/results.json``, draws PNGs into ``docs/benchmarks/`` and regenerates
``docs/benchmarks.md`` (unless ``--no-docs``). Exit code 0 when the run completed, whatever the
figures: a missed target or a failed consumer is a finding reported in the table, not a crash.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.execute import Executor
from benchmarks.report import build_document, terminal_report, write_json, write_markdown
from benchmarks.scenarios import plan

_ROOT = Path(__file__).resolve().parent.parent


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and one run (under two minutes), for CI smoke use")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes and cheap consumers: checks the harness's plumbing only")
    parser.add_argument("--runs", type=int, default=None, help="runs per consumer (median)")
    parser.add_argument("--only", nargs="*", default=None, metavar="SCENARIO",
                        help="run only these scenario ids")
    parser.add_argument("--consumers", nargs="*", default=None, metavar="NAME",
                        help="run only these consumers")
    parser.add_argument("--results", type=Path, default=_ROOT / "benchmarks" / "results.json")
    parser.add_argument("--plots-dir", type=Path, default=_ROOT / "docs" / "benchmarks")
    parser.add_argument("--docs", type=Path, default=_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: redraw the plots and the docs from --results")
    parser.add_argument("--no-docs", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the plan and write every output."""
    args = _parse_args(argv)
    if args.report_only:
        document = orjson.loads(args.results.read_bytes())
        _publish(document, args)
        return 0
    chosen = plan("smoke" if args.smoke else "quick" if args.quick else "full", args.runs)
    scenarios = chosen.scenarios
    if args.only:
        unknown = set(args.only) - {s.id for s in scenarios}
        if unknown:
            sys.stderr.write(f"unknown scenario(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(s.id for s in scenarios)}\n")
            return 2
        scenarios = tuple(s for s in scenarios if s.id in args.only)
    if args.consumers:
        scenarios = tuple(
            dataclasses.replace(s, consumers=tuple(c for c in s.consumers if c in args.consumers))
            for s in scenarios)
    chosen = dataclasses.replace(chosen, scenarios=scenarios)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kfi-bench-") as workdir:
        outcomes = asyncio.run(Executor(chosen, Path(workdir)).run())
    document = build_document(chosen, outcomes)
    document["wall_seconds"] = round(time.perf_counter() - started, 1)
    write_json(document, args.results)
    print(f"wrote {args.results} ({document['wall_seconds']} s)")
    _publish(document, args)
    return 0


def _publish(document: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the tables, draw the plots and write the docs page."""
    print(terminal_report(document))
    plots: list[Path] = []
    if not args.no_plots:
        from benchmarks.plots import draw_all

        plots = draw_all(document, args.plots_dir)
        print(f"wrote {len(plots)} plot(s) into {args.plots_dir}")
    if not args.no_docs:
        write_markdown(document, args.docs, plots)
        print(f"wrote {args.docs}")


if __name__ == "__main__":
    sys.exit(main())
