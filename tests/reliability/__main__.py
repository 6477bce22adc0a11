"""``python -m tests.reliability --soak MINUTES``: a long fault-injection soak; prints results.

Prints a Markdown table (the format of ``docs/reliability.md``) and the JSON totals; exits 1
when any run diverged or memory grew.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from tests.reliability.soak import soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument("--soak", type=float, required=True, metavar="MINUTES",
                        help="how long to run fault-injection runs back to back")
    parser.add_argument("--seed", type=int, default=1000, help="seed of the session")
    parser.add_argument("--operations", type=int, default=300, help="writes per round")
    parser.add_argument("--managed-gc", action="store_true",
                        help="informers with manage_gc=True (the opt-in collector policy)")
    args = parser.parse_args(argv)
    # Injected faults make the framework log expected warnings by the thousand.
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("tests.reliability.soak").setLevel(logging.ERROR)
    result = asyncio.run(
        soak(seconds=args.soak * 60, seed=args.seed, operations=args.operations,
             manage_gc=args.managed_gc)
    )
    totals = result.summary()
    flags = " --managed-gc" if args.managed_gc else ""
    print(f"command: python -m tests.reliability --soak {args.soak:g} --seed {args.seed}{flags}")
    print()
    print("| metric | value |")
    print("|---|---|")
    for key, value in totals.items():
        if key != "faults":
            print(f"| {key} | {value} |")
    print()
    print("| fault kind | injected |")
    print("|---|---|")
    for kind, count in totals["faults"].items():
        print(f"| {kind} | {count} |")
    print()
    print(json.dumps(totals, sort_keys=True))
    return 0 if totals["divergences"] == 0 and result.memory_flat else 1


if __name__ == "__main__":
    sys.exit(main())
