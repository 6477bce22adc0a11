"""The line protocol between the harness and its subprocesses (driver and consumers).

Children write marker lines on stdout: ``@@bench <kind> <json>``. Anything else on stdout (a
library that prints) is ignored, so a chatty peer cannot corrupt a result. The driver reads one
JSON command per stdin line and answers each with exactly one ``@@bench reply {...}`` line.

Marker kinds: ``ready`` (a consumer is connected and waiting for the driver to act, or the
driver is serving), ``result`` (a consumer's measurement), ``error`` (a child failed: message and
traceback tail), ``reply`` (the driver's answer to a command).
"""

from __future__ import annotations

import resource
import sys
from typing import Any

import orjson

MARKER = "@@bench "


def emit(kind: str, payload: dict[str, Any] | None = None) -> None:
    """Write one marker line on stdout and flush it at once (the harness waits for it)."""
    body = orjson.dumps(payload or {}).decode()
    sys.stdout.write(f"{MARKER}{kind} {body}\n")
    sys.stdout.flush()


def parse(line: str) -> tuple[str, dict[str, Any]] | None:
    """``(kind, payload)`` for a marker line, ``None`` for any other line."""
    if not line.startswith(MARKER):
        return None
    kind, _, body = line[len(MARKER):].strip().partition(" ")
    try:
        payload = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    return kind, payload


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """This process's resident set size now, in MiB (from ``/proc/self/statm``)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mb()
    return resident_pages * resource.getpagesize() / (1024.0 * 1024.0)


def pin_to_cpu(cpu: int | None) -> None:
    """Pin this process to one CPU so the server and the consumer never share a core.

    Does nothing when ``cpu`` is ``None`` or the machine has fewer CPUs than that.
    """
    import os

    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    available = os.sched_getaffinity(0)
    if cpu in available and len(available) > 1:
        os.sched_setaffinity(0, {cpu})
