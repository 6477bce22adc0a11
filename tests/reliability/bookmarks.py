"""``python -m tests.reliability.bookmarks --minutes M``: how often a real kube-apiserver sends
watch bookmarks; the measurement behind the reflector's default inactivity timeout.

Starts a real control plane (``$KUBEBUILDER_ASSETS``), opens watches with
``allowWatchBookmarks=true`` on an idle namespace (no object changes at all) and on a namespace
with one write every few seconds, with several ``timeoutSeconds`` (and none), and prints, per
watch, the seconds from the watch start to each bookmark and the largest silence (no event, no
bookmark) seen. Not a test: it runs for minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ControlPlane


@dataclass
class WatchLog:
    """What one watch received: seconds since its start of each bookmark and each event."""

    label: str
    timeout_seconds: int | None
    bookmarks: list[float] = field(default_factory=list)
    events: list[float] = field(default_factory=list)
    ended_at: float | None = None

    def largest_silence(self, until: float) -> float:
        marks = sorted([0.0, *self.bookmarks, *self.events, self.ended_at or until])
        return max(b - a for a, b in itertools.pairwise(marks))

    def summary(self, until: float) -> dict[str, Any]:
        gaps = [b - a for a, b in zip([0.0, *self.bookmarks], self.bookmarks, strict=False)]
        return {
            "watch": self.label,
            "timeoutSeconds": self.timeout_seconds,
            "bookmarks_at": [round(t, 1) for t in self.bookmarks],
            "bookmark_gaps": [round(g, 1) for g in gaps],
            "events": len(self.events),
            "ended_at": None if self.ended_at is None else round(self.ended_at, 1),
            "largest_silence": round(self.largest_silence(until), 1),
        }


async def _watch(api: ApiClient, namespace: str, log: WatchLog, resource_version: str) -> None:
    started = time.monotonic()
    stream = api.resource("v1", "configmaps").watch(
        namespace=namespace, resource_version=resource_version, allow_watch_bookmarks=True,
        timeout_seconds=log.timeout_seconds,
    )
    async with stream:
        async for event in stream:
            now = time.monotonic() - started
            (log.bookmarks if event.type == "BOOKMARK" else log.events).append(now)
    log.ended_at = time.monotonic() - started


async def _writer(api: ApiClient, namespace: str, period: float) -> None:
    configmaps = api.resource("v1", "configmaps")
    await configmaps.create({"metadata": {"name": "ticker"}, "data": {"n": "0"}},
                            namespace=namespace)
    count = 0
    while True:
        await asyncio.sleep(period)
        count += 1
        await configmaps.patch("ticker", {"data": {"n": str(count)}}, namespace=namespace)


async def measure(minutes: float, timeouts: list[int | None]) -> list[dict[str, Any]]:
    async with ControlPlane() as plane, ApiClient(plane.config) as api:
        namespaces = api.resource("v1", "namespaces", namespaced=False)
        for name in ("idle", "busy"):
            await namespaces.create({"metadata": {"name": name}})
        logs: list[WatchLog] = []
        tasks: list[asyncio.Task[None]] = []
        writer = asyncio.create_task(_writer(api, "busy", 5.0))
        for namespace in ("idle", "busy"):
            listed = await api.resource("v1", "configmaps").list(namespace=namespace)
            rv = listed["metadata"]["resourceVersion"]
            for timeout in timeouts:
                log = WatchLog(f"{namespace}/timeout={timeout}", timeout)
                logs.append(log)
                tasks.append(asyncio.create_task(_watch(api, namespace, log, rv)))
        started = time.monotonic()
        try:
            await asyncio.wait(tasks, timeout=minutes * 60)
        finally:
            writer.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(writer, *tasks, return_exceptions=True)
        until = time.monotonic() - started
        return [log.summary(until) for log in logs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.bookmarks")
    parser.add_argument("--minutes", type=float, default=7.0)
    parser.add_argument("--timeouts", default="none,60,150,400",
                        help="comma-separated timeoutSeconds values ('none': not sent)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    timeouts = [None if t == "none" else int(t) for t in args.timeouts.split(",")]
    for row in asyncio.run(measure(args.minutes, timeouts)):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
