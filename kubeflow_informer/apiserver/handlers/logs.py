"""The pods ``log`` subresource: plain text, optionally followed.

The log text comes from :class:`~kubeflow_informer.apiserver.pod_logs.PodLogs` (appended by
tests). As on the real server, the pod must exist (404 otherwise); the container defaults to the
only one in the pod spec, and a pod with several containers needs ``container`` (400 naming the
choices). ``tailLines`` and ``limitBytes`` are honoured; ``follow=true`` streams new lines until
the container's log is finished, the client leaves or the server stops.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.params import parse_bool, parse_int
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.status import bad_request

__all__ = ["container_for", "handle_log"]


def container_for(pod: dict[str, Any], requested: str | None) -> str:
    """The container whose log is asked for, validated against the pod spec."""
    spec = pod.get("spec") or {}
    names = [
        c.get("name", "")
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key) or []
    ]
    pod_name = pod["metadata"]["name"]
    if requested:
        if names and requested not in names:
            raise bad_request(f"container {requested} is not valid for pod {pod_name}")
        return requested
    main = [c.get("name", "") for c in spec.get("containers") or []]
    if len(main) == 1:
        return str(main[0])
    if not main:
        return ""
    raise bad_request(
        f"a container name must be specified for pod {pod_name}, choose one of: "
        f"[{' '.join(main)}]"
    )


async def handle_log(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.StreamResponse:
    """GET ``pods/{name}/log``."""
    assert target.name is not None and target.namespace is not None
    pod = state.storage.get(target.info, target.namespace, target.name).obj
    container = container_for(pod, request.query.get("container"))
    tail = parse_int(request, "tailLines")
    limit = parse_int(request, "limitBytes")
    if not parse_bool(request.query.get("follow")):
        text = state.pod_logs.read(
            target.namespace, target.name, container, tail_lines=tail, limit_bytes=limit
        )
        return web.Response(text=text, content_type="text/plain")
    response = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    written = 0
    with contextlib.suppress(ConnectionError):
        async for line in state.pod_logs.follow(
            target.namespace, target.name, container, tail_lines=tail
        ):
            data = line.encode()
            if limit is not None and written + len(data) > limit:
                await response.write(data[: limit - written])
                break
            written += len(data)
            await response.write(data)
        await response.write_eof()
    return response
