"""The raw line counter: aiohttp reading the chunked watch stream, counting newlines only.

It measures the *server*, not a client: no line splitting, no decoding, one ``bytes.count`` per
chunk (a few microseconds per 256 events). The floor pays ``orjson.loads`` per event (~20-37 us
of CPU on the development machine), which caps it near 30,000 events/s there whatever the server
does; this reader's own cost per event is well under a microsecond, so the rate it sees is the
rate the server sends at:

* in ``watch_ingest`` (paused while the driver writes, then resumed) the server only sends
  changes it already holds: its streaming rate;
* in ``server_stream`` (reading live while the driver writes as fast as it can) the server
  commits, serializes and sends each change in the same process: its live write-and-stream rate.

Every line counts as one event: the watch starts at the server's current resourceVersion
without bookmarks, so every line is one of the driver's ``MODIFIED`` changes.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from benchmarks.consumers.common import ConsumerContext, IngestCounter


async def watch_ingest(ctx: ConsumerContext) -> dict[str, Any]:
    """Count lines of one watch from ``resource_version`` until the target count."""
    counter = IngestCounter(ctx.params)
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
