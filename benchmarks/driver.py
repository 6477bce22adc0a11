"""The server-side driver: ``python -m benchmarks.driver --kubeconfig-out PATH``.

One subprocess runs the embedded API server on loopback and makes the changes every consumer
watches, so the server's CPU use never lands in a consumer's process (on 2 cores each gets its
own). It seeds pods straight into storage and writes MODIFIED versions on command.

Control channel: one JSON command per stdin line, one ``@@bench reply`` line per command on
stdout (see :mod:`benchmarks.protocol`) echoing the command's ``id``, so a late reply to a command
the harness gave up on is never taken for the next one's; ``@@bench ready {"url", "kubeconfig"}``
once serving. Commands run one at a time, in order.

* ``{"op": "seed", "pods": N}`` - create pods ``0..N-1`` (:func:`benchmarks.pods.make_pod`)
  through ``Storage.bulk_load``; replies with the storage's ``resource_version`` afterwards.
* ``{"op": "wait_watchers", "count": W}`` - reply once ``W`` watches are open on the server.
* ``{"op": "emit", "events": E, "pods": P, "rate": R | null, "stamp": bool,
  "wait_watchers": W, "drain": bool}`` - wait until ``W`` watches are open (the consumer's),
  then write ``E`` changes live, at ``R`` per second or (``rate`` null) as fast as possible;
  replies with the write rate and ``cpu_us_per_change``: the process's CPU time (server and
  driver) divided by ``E``; ``steal_share``: the share of the machine's CPU time the hypervisor
  gave to other guests meanwhile (``/proc/stat``; None elsewhere), which slows the rate without
  showing in the CPU time. With ``drain`` it first waits (up to 10 s) until the watchers'
  queues have been handed to their streams, so the figure includes the HTTP pump; never drain
  for a paused consumer (its queue cannot empty).
* ``{"op": "update_rate", "events": E, "pods": P}`` - the rate of the engine's full
  ``Storage.update`` path (copy, validation, generation, commit) for ``E`` changes, reported as
  a server figure only.
* ``{"op": "stats"}`` - ``storage.stats()``; ``{"op": "quit"}`` - stop the server and exit.

Change ``i`` goes to pod ``i % P`` and carries annotation ``bench/seq = i`` (numbers continue
from one ``emit`` to the next; ``stats`` gives the next one) (with ``stamp`` also
``bench/stamp-ns``, ``time.monotonic_ns()`` just before the write). Changes are written with
``Storage.commit`` - the engine's commit step (new resourceVersion, serialize once, history,
watch fan-out, ownerReference index), the step after validation - because the full update path
cannot sustain 10,000 changes/s in one process (``update_rate`` measures it). The driver
disables Python's garbage collector while it writes (a load generator's pauses would show up as
consumer latency); the server's own code is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import resource
import sys
import time
import traceback
from collections.abc import Iterator
from typing import Any

import orjson

from benchmarks import protocol
from benchmarks.pods import make_pod, namespace_name, namespaces, pod_name, with_change

_YIELD_EVERY = 64
"""Changes written between yields to the event loop, so the server keeps streaming them."""
_DRAIN_WITHIN = 10.0
"""Seconds ``emit`` waits after its last write for the watchers' queues to be sent."""


def _cpu_ticks() -> tuple[int, int] | None:
    """(steal, total) clock ticks of all CPUs since boot, from ``/proc/stat`` (None: no such file).

    Steal is time a virtual CPU was ready to run but the hypervisor ran another guest: on a
    shared VM it varies from run to run and lowers a rate while the CPU time stays the same.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:9]]  # user .. steal (guest time is in user)
    return ticks[7], sum(ticks)


def _steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 3)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Driver:
    """Owns the embedded server for one driver process and executes commands on it."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.storage = server.storage
        self.pods_info = self.storage.registry.get("", "v1", "pods")
        self.namespaces_info = self.storage.registry.get("", "v1", "namespaces")
        self.seeded = 0
        self.next_sequence = 0
        self._keys: list[tuple[str, str]] = []
        # The version of each pod this driver wrote last (None: read it from storage). The
        # driver is the pods' only writer, so it need not look each one up again before
        # changing it; writes through other paths (``update_rate``) forget these.
        self._current: list[Any] = []

    def create_namespaces(self) -> None:
        """Create the namespaces the generated pods live in."""
        for name in namespaces():
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            self.storage.create(self.namespaces_info, body, namespace=None)

    def seed(self, count: int) -> dict[str, Any]:
        """Create pods ``seeded..count-1`` through the bulk path."""
        started = time.perf_counter()
        with _collector_paused():
            self.storage.bulk_load(self.pods_info, (make_pod(i) for i in range(self.seeded,
                                                                                count)))
        self._keys.extend((namespace_name(i), pod_name(i)) for i in range(self.seeded, count))
        self._current.extend(None for _ in range(self.seeded, count))
        self.seeded = max(self.seeded, count)
        return {"seconds": round(time.perf_counter() - started, 3), "pods": self.seeded,
                "resource_version": str(self.storage.resource_version)}

    def _commit(self, sequence: int, pods: int, stamp: bool) -> None:
        index = sequence % pods
        old = self._current[index]
        if old is None:
            namespace, name = self._keys[index]
            old = self.storage.get(self.pods_info, namespace, name)
        changed = with_change(old.obj, sequence, time.monotonic_ns() if stamp else None)
        self._current[index] = self.storage.commit(self.pods_info, "MODIFIED", changed, old)

    def watchers(self) -> int:
        """How many watches are open on the server."""
        return int(self.storage.hub.count())

    async def wait_watchers(self, count: int, within: float) -> None:
        """Wait until ``count`` watches are open: consumers must see the first change."""
        deadline = time.monotonic() + within
        while self.watchers() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no consumer watch opened within {within:.0f} s")
            await asyncio.sleep(0.005)

    async def emit(self, events: int, pods: int, rate: float | None, stamp: bool,
                   drain: bool = False) -> dict[str, Any]:
        """Write ``events`` changes live, at ``rate`` per second or as fast as possible.

        Change numbers continue across commands (``next_sequence``), so a consumer that lists
        pods changed by an earlier run can tell those stale versions from this run's changes.
        ``drain``: see the module docstring (the CPU figure then includes the HTTP pump).
        """
        loop = asyncio.get_running_loop()
        first = self.next_sequence
        end = first + events
        self.next_sequence = end
        with _collector_paused():
            usage_started = resource.getrusage(resource.RUSAGE_SELF)
            ticks_started = _cpu_ticks()
            started = loop.time()
            if rate is None:
                for sequence in range(first, end):
                    self._commit(sequence, pods, stamp)
                    if sequence % _YIELD_EVERY == _YIELD_EVERY - 1:
                        await asyncio.sleep(0)
            else:
                sequence = first
                while sequence < end:
                    due = min(end, first + int((loop.time() - started) * rate) + 1)
                    while sequence < due:
                        self._commit(sequence, pods, stamp)
                        sequence += 1
                    await asyncio.sleep(0.0005)
            seconds = loop.time() - started
            drained = await self._drain_watchers(_DRAIN_WITHIN) if drain else False
            usage = resource.getrusage(resource.RUSAGE_SELF)
            ticks = _cpu_ticks()
        per_change = 1e6 / events if events else 0.0
        user = (usage.ru_utime - usage_started.ru_utime) * per_change
        system = (usage.ru_stime - usage_started.ru_stime) * per_change
        return {"seconds": round(seconds, 4), "events": events,
                "rate": round(events / seconds, 1) if seconds > 0 else 0.0,
                "cpu_us_per_change": round(user + system, 2),
                "system_us_per_change": round(system, 2),
                "page_faults_per_change": round(
                    (usage.ru_minflt - usage_started.ru_minflt) * per_change / 1e6, 3),
                "steal_share": _steal_share(ticks_started, ticks), "drained": drained}

    async def _drain_watchers(self, within: float) -> bool:
        """Wait until every watcher's queue has been handed to its stream (False: gave up).

        The process's CPU time per change then covers the whole server side of a change:
        building it, committing it, and the HTTP pump sending it.
        """
        deadline = time.monotonic() + within
        while self.storage.hub.queued():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.001)
        return True

    def update_rate(self, events: int, pods: int) -> dict[str, Any]:
        """Changes per second through the full ``Storage.update`` path (GC left on)."""
        self._current = [None] * len(self._current)
        started = time.perf_counter()
        for sequence in range(events):
            namespace, name = self._keys[sequence % pods]
            current = self.storage.get(self.pods_info, namespace, name).obj
            self.storage.update(self.pods_info, with_change(current, -1 - sequence),
                                namespace=namespace, name=name)
        seconds = time.perf_counter() - started
        return {"seconds": round(seconds, 3), "rate": round(events / seconds, 1)}


async def _execute(driver: Driver, command: dict[str, Any]) -> dict[str, Any]:
    op = command.get("op")
    if op == "seed":
        return driver.seed(int(command["pods"]))
    if op == "wait_watchers":
        await driver.wait_watchers(int(command["count"]), float(command.get("within", 60.0)))
        return {"watchers": driver.watchers()}
    if op == "emit":
        await driver.wait_watchers(int(command.get("wait_watchers", 0)),
                                   float(command.get("watch_timeout", 60.0)))
        rate = command.get("rate")
        return await driver.emit(int(command["events"]), int(command["pods"]),
                                 float(rate) if rate else None, bool(command.get("stamp")),
                                 bool(command.get("drain")))
    if op == "update_rate":
        return driver.update_rate(int(command["events"]), int(command["pods"]))
    if op == "stats":
        return {"stats": driver.storage.stats(), "next_sequence": driver.next_sequence}
    raise ValueError(f"unknown command {op!r}")


async def _serve(args: argparse.Namespace) -> int:
    from kubeflow_informer.apiserver import EmbeddedApiServer

    async with EmbeddedApiServer(token=args.token, watch_buffer=args.watch_buffer) as server:
        server.write_kubeconfig(args.kubeconfig_out)
        driver = Driver(server)
        driver.create_namespaces()
        protocol.emit("ready", {"url": server.url, "kubeconfig": args.kubeconfig_out})
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                return 0
            try:
                command = orjson.loads(line)
                if command.get("op") == "quit":
                    protocol.emit("reply", {"ok": True, "id": command.get("id")})
                    return 0
                reply = await _execute(driver, command)
                protocol.emit("reply", {"ok": True, "id": command.get("id"), **reply})
            except Exception as exc:
                protocol.emit("reply", {"ok": False, "id": command.get("id"),
                                        "error": f"{type(exc).__name__}: {exc}",
                                        "traceback": traceback.format_exc().splitlines()[-8:]})


def main(argv: list[str] | None = None) -> int:
    """Serve until ``quit`` or the end of stdin."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.driver")
    parser.add_argument("--kubeconfig-out", required=True)
    parser.add_argument("--token", default=None)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    parser.add_argument("--watch-buffer", type=int, default=1_000_000,
                        help="live lines a watch may have queued before the server ends it "
                             "(raised so a slow consumer is measured, not cut off)")
    args = parser.parse_args(argv)
    protocol.pin_to_cpu(args.cpu)
    try:
        return asyncio.run(_serve(args))
    except Exception as exc:
        protocol.emit("error", {"message": f"{type(exc).__name__}: {exc}",
                                "traceback": traceback.format_exc().splitlines()[-12:]})
        return 1


if __name__ == "__main__":
    sys.exit(main())
