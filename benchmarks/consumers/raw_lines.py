"""The raw line counter: aiohttp reading the chunked watch stream, counting newlines only.

It measures the *server*, not a client: no line splitting, no decoding, one ``bytes.count`` per
chunk (a few microseconds per 256 events). The floor pays ``orjson.loads`` per event (~20-37 us
of CPU on the development machine), which caps it near 30,000 events/s there whatever the server
does; this reader's own cost per event is well under a microsecond, so the rate it sees live is
the rate the server can produce and send.

Every line counts as one event: the watch starts at the server's current resourceVersion
without bookmarks, so in the scenarios it runs in (``server_stream``) every line is one of the
driver's ``MODIFIED`` changes.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from benchmarks.consumers.common import ConsumerContext


class ChunkCounter:
    """Counts events from whole chunks and knows when the run is complete.

    The clock starts when the first chunk arrives, and the events of that first chunk are not
    counted in the rate (they arrived at the start instant): the rate is the events received
    *after* the first chunk over the time from the first chunk to the last one, the chunked
    analogue of the floor's "count - 1 intervals".
    """

    def __init__(self, params: dict[str, Any]) -> None:
        self.target = int(params["events"])
        self.max_seconds = float(params.get("max_seconds") or 0.0)
        self.count = 0
        self.first_chunk = 0
        self.first_ns = 0
        self.last_ns = 0
        self.capped = False

    def add(self, events: int) -> bool:
        """Count the events of one chunk; true when the run is complete."""
        if not events:
            return False
        now = time.perf_counter_ns()
        if self.count == 0:
            self.first_ns = now
            self.first_chunk = events
        self.count += events
        self.last_ns = now
        if self.count >= self.target:
            return True
        if self.max_seconds and now - self.first_ns >= self.max_seconds * 1e9:
            self.capped = True
            return True
        return False

    def result(self) -> dict[str, Any]:
        """The watch-ingest figures: events counted, seconds, events per second."""
        seconds = (self.last_ns - self.first_ns) / 1e9
        rate = (self.count - self.first_chunk) / seconds if seconds > 0 else 0.0
        return {"events": self.count, "seconds": round(seconds, 4),
                "watch_events_per_s": round(rate, 1), "capped": self.capped}


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count lines of one watch from ``resource_version`` until the target count."""
    counter = ChunkCounter(ctx.params)
    params = {"watch": "true", "resourceVersion": ctx.params["resource_version"],
              "timeoutSeconds": "3600"}
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            f"{ctx.url}/api/v1/pods", params=params, headers=ctx.headers()) as response:
        response.raise_for_status()
        ctx.ready()
        async for chunk in response.content.iter_any():
            if counter.add(chunk.count(b"\n")):
                break
    return counter.result()
