"""``python -m tests.reliability.rates [--seconds S] [NAME ...]``: the request rate one informer,
with every default (backoff, client retry policy, rate limiter), sustains against each hostile
behaviour of :mod:`tests.reliability.hostile_behaviours`, and how long it takes to converge once
the server recovers. The figures of ``docs/reliability.md`` come from this command.

For each behaviour: a :class:`~tests.reliability.hostile.HostileServer` with 1,100 ConfigMaps
(three pages of the default 500)
answers with that behaviour from the start; one informer runs against it for ``--seconds``;
the rate is the number of list and watch requests per second after the first ``--warm-up``
seconds (the "first few failures"). Then the server recovers, one object is written, and the
time until the cache equals the server is the recovery time (``>N`` when it did not within
``--recovery-timeout``). Not a test: it takes ``len(names) x (S + recovery)`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from kubeflow_informer.cache import SharedIndexInformer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from tests.reliability.hostile import HostileServer
from tests.reliability.hostile_behaviours import (
    BEHAVIOURS,
    HangingWatch,
    SilentWatch,
    SlowFirstPage,
)

OBJECTS = 1100

#: Measured for recovery only (their request rate is low by nature).
EXTRA = {
    "slow_first_page_10s": lambda: SlowFirstPage(10.0),
    "hanging_watch": HangingWatch,
    "silent_watch": SilentWatch,
}


def _cached(informer: SharedIndexInformer) -> dict[str, str]:
    return {obj["metadata"]["name"]: obj["metadata"]["resourceVersion"]
            for obj in informer.indexer.list()}


async def measure(name: str, seconds: float, warm_up: float,
                  recovery_timeout: float) -> tuple[float, int, str]:
    """(requests/s after the warm-up, total requests, recovery time as text)."""
    factory = BEHAVIOURS.get(name) or EXTRA[name]
    async with HostileServer() as server:
        for index in range(OBJECTS):
            await server.write(f"cm-{index}", {"n": "0"})
        server.set_behaviour(factory())
        async with ApiClient(Config(server=server.url)) as api:
            informer = SharedIndexInformer(api.resource("v1", "configmaps"), namespace="default")
            async with informer:
                started = time.monotonic()
                await asyncio.sleep(seconds)
                rate = server.count(started + warm_up, started + seconds) / (seconds - warm_up)
                total = server.count(started)
                server.set_behaviour(None)
                recovered = time.monotonic()
                await server.write("after-recovery", {"n": "1"})
                while _cached(informer) != server.truth():
                    if time.monotonic() - recovered > recovery_timeout:
                        return rate, total, f">{recovery_timeout:g}"
                    await asyncio.sleep(0.05)
                return rate, total, f"{time.monotonic() - recovered:.1f}"


async def main_async(names: list[str], seconds: float, warm_up: float,
                     recovery_timeout: float) -> None:
    print("| behaviour | requests/s after the first "
          f"{warm_up:g} s | requests in {seconds:g} s | recovery (s) |")
    print("|---|---|---|---|")
    for name in names:
        rate, total, recovery = await measure(name, seconds, warm_up, recovery_timeout)
        print(f"| {name} | {rate:.1f} | {total} | {recovery} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.rates")
    parser.add_argument("names", nargs="*", help="behaviours (default: all)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warm-up", type=float, default=5.0)
    parser.add_argument("--recovery-timeout", type=float, default=150.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    names = args.names or [*BEHAVIOURS, *EXTRA]
    asyncio.run(main_async(names, args.seconds, args.warm_up, args.recovery_timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
