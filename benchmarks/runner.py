"""Subprocess plumbing: the driver handle and one consumer run, each bounded in time.

Nothing here can hang the harness: every wait has a deadline, a consumer that misses one is
killed with its whole process group and reported as failed with its error (the last lines of
its stderr when it printed no error marker), and the driver is stopped the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from benchmarks import protocol

BENCH_TOKEN = "benchmark-token"
"""The bearer token the driver's server requires; consumers get it from the kubeconfig (or, for
the floor, from ``$BENCH_TOKEN``). A throwaway value for a loopback server, never logged."""

SERVER_CPU = 0
CONSUMER_CPU = 1


class BenchError(RuntimeError):
    """A subprocess failed, timed out or broke the protocol."""


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["BENCH_TOKEN"] = BENCH_TOKEN
    env["PYTHONUNBUFFERED"] = "1"
    # The consumers must import the checkout's packages whatever the harness's working directory.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(process.wait(), timeout=10)


async def _next_marker(
    process: asyncio.subprocess.Process, deadline: float, what: str
) -> tuple[str, dict[str, Any]]:
    """The next marker line the child writes, or :class:`BenchError` at the deadline / EOF."""
    assert process.stdout is not None
    loop = asyncio.get_running_loop()
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise BenchError(f"timed out waiting for {what}")
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=remaining)
        except TimeoutError:
            raise BenchError(f"timed out waiting for {what}") from None
        if not line:
            raise BenchError(f"exited (code {await process.wait()}) before {what}")
        marker = protocol.parse(line.decode(errors="replace"))
        if marker is not None:
            return marker


class Driver:
    """The server-side driver subprocess (``python -m benchmarks.driver``)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.kubeconfig = str(workdir / "kubeconfig.yaml")
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._next_id = 0
        self._stderr = tempfile.TemporaryFile(dir=workdir)

    async def start(self, within: float = 60.0) -> None:
        """Start the driver and wait until it serves."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.driver", "--kubeconfig-out", self.kubeconfig,
            "--token", BENCH_TOKEN, "--cpu", str(SERVER_CPU),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr, env=_child_env(), start_new_session=True)
        deadline = asyncio.get_running_loop().time() + within
        kind, payload = await self._marker(deadline, "the driver to serve")
        if kind != "ready":
            raise BenchError(f"driver failed: {payload.get('message', payload)}")
        self.url = str(payload["url"])

    async def _marker(self, deadline: float, what: str) -> tuple[str, dict[str, Any]]:
        assert self._process is not None
        try:
            return await _next_marker(self._process, deadline, what)
        except BenchError as exc:
            raise BenchError(f"driver: {exc}; stderr: {self.stderr_tail()}") from None

    async def command(self, within: float, **command: Any) -> dict[str, Any]:
        """Send one command and return its reply; a failed command raises :class:`BenchError`."""
        assert self._process is not None and self._process.stdin is not None
        self._next_id += 1
        command_id = self._next_id
        self._process.stdin.write(orjson.dumps({**command, "id": command_id}) + b"\n")
        await self._process.stdin.drain()
        deadline = asyncio.get_running_loop().time() + within
        while True:
            kind, payload = await self._marker(deadline, f"the driver's reply to {command['op']}")
            if kind != "reply" or payload.get("id") == command_id:
                break
        if kind != "reply" or not payload.get("ok"):
            raise BenchError(f"driver {command['op']} failed: {payload.get('error', payload)}")
        return payload

    def stderr_tail(self, lines: int = 6) -> str:
        """The last lines the driver wrote on stderr (for error reports)."""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    async def stop(self) -> None:
        """Ask the driver to quit; kill it if it does not within a few seconds."""
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            if process.returncode is None and process.stdin is not None:
                process.stdin.write(b'{"op": "quit"}\n')
                with contextlib.suppress(Exception):
                    await process.stdin.drain()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(process.wait(), timeout=10)
        finally:
            await _kill(process)
            self._stderr.close()

    async def __aenter__(self) -> Driver:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


@dataclass
class RunOutcome:
    """One consumer run: its figures, or the error that made it fail."""

    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    wall_seconds: float = 0.0


async def run_consumer(
    consumer: str,
    scenario_kind: str,
    params: dict[str, Any],
    *,
    driver: Driver | None,
    time_limit: float,
    on_ready: Callable[[int], Awaitable[Any]] | None = None,
) -> RunOutcome:
    """Run one consumer subprocess to its result within ``time_limit`` seconds.

    When the consumer says ``ready``, ``on_ready(pid)`` runs (the driver emits; it may pause and
    resume the consumer process); its failure fails the run. The consumer process always ends
    before this returns.
    """
    workdir = driver.workdir if driver is not None else Path(tempfile.gettempdir())
    args = [sys.executable, "-m", "benchmarks.consume", "--consumer", consumer,
            "--scenario", scenario_kind, "--params", orjson.dumps(params).decode(),
            "--cpu", str(CONSUMER_CPU)]
    if driver is not None:
        args += ["--url", driver.url, "--kubeconfig", driver.kubeconfig]
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    with tempfile.TemporaryFile(dir=workdir) as stderr:
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=stderr, env=_child_env(), start_new_session=True)

        def stderr_tail() -> str:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines()
            return " | ".join(lines[-4:])[-600:]

        try:
            while True:
                kind, payload = await _next_marker(process, deadline, "the consumer's result")
                if kind == "ready":
                    if on_ready is not None:
                        remaining = max(1.0, deadline - loop.time())
                        await asyncio.wait_for(on_ready(process.pid), timeout=remaining)
                elif kind == "result":
                    return RunOutcome(True, payload, wall_seconds=time.perf_counter() - started)
                elif kind == "error":
                    message = str(payload.get("message", "failed"))
                    return RunOutcome(False, error=message,
                                      wall_seconds=time.perf_counter() - started)
        except (BenchError, TimeoutError) as exc:
            reason = str(exc) or "timed out"
            tail = stderr_tail()
            return RunOutcome(False, error=f"{reason}" + (f"; stderr: {tail}" if tail else ""),
                              wall_seconds=time.perf_counter() - started)
        finally:
            await _kill(process)
