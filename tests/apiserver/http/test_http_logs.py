"""The pods log subresource: plain text, tailLines, container choice, follow."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from tests.apiserver.http.bodies import PODS, pod

pytestmark = pytest.mark.timeout(30)


async def test_log_returns_appended_text(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await http.post(PODS, json=pod("a"))
    server.pod_logs.append("default", "a", "app", "one\ntwo\n")
    async with http.get(f"{PODS}/a/log") as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        assert await response.text() == "one\ntwo\n"


async def test_tail_lines_limits_the_log(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await http.post(PODS, json=pod("a"))
    server.pod_logs.append("default", "a", "app", "1\n2\n3\n")
    async with http.get(f"{PODS}/a/log", params={"tailLines": "2"}) as response:
        assert await response.text() == "2\n3\n"


async def test_log_of_a_missing_pod_is_404(http: aiohttp.ClientSession) -> None:
    async with http.get(f"{PODS}/missing/log") as response:
        assert response.status == 404


async def test_several_containers_need_a_container_parameter(
    http: aiohttp.ClientSession,
) -> None:
    body = pod("a")
    body["spec"]["containers"].append({"name": "side", "image": "busybox"})
    await http.post(PODS, json=body)
    async with http.get(f"{PODS}/a/log") as response:
        status = await response.json()
    assert response.status == 400
    assert "choose one of: [app side]" in status["message"]


async def test_follow_streams_lines_appended_later(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await http.post(PODS, json=pod("a"))
    server.pod_logs.append("default", "a", "app", "first\n")
    async with http.get(f"{PODS}/a/log", params={"follow": "true"}) as response:
        assert await asyncio.wait_for(response.content.readline(), 10) == b"first\n"
        server.pod_logs.append("default", "a", "app", "second\n")
        assert await asyncio.wait_for(response.content.readline(), 10) == b"second\n"
        server.pod_logs.finish("default", "a", "app")
        assert await asyncio.wait_for(response.content.read(), 10) == b""
