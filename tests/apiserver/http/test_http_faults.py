"""Fault injection over HTTP: throttling, 5xx, delays, broken and silent watches, restart."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer, Faults
from tests.apiserver.http.bodies import PODS, pod, read_lines

pytestmark = pytest.mark.timeout(30)


async def _seed(http: aiohttp.ClientSession, count: int) -> None:
    for i in range(count):
        await http.post(PODS, json=pod(f"p{i}"))


async def test_throttle_answers_429_with_retry_after(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    server.faults.throttle(1, retry_after=3)
    async with http.get(PODS) as response:
        body = await response.json()
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"
    assert body["reason"] == "TooManyRequests"
    assert body["details"]["retryAfterSeconds"] == 3


async def test_throttle_stops_after_count_requests(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    server.faults.throttle(2)
    statuses = []
    for _ in range(3):
        async with http.get(PODS) as response:
            statuses.append(response.status)
    assert statuses == [429, 429, 200]
    assert server.faults.stats()["throttle"] == 2


async def test_throttle_only_hits_matching_paths(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    server.faults.throttle(1, paths=["/deployments"])
    async with http.get(PODS) as response:
        assert response.status == 200
    async with http.get("/apis/apps/v1/deployments") as response:
        assert response.status == 429


@pytest.mark.parametrize(("code", "reason"), [(500, "InternalError"), (503, "ServiceUnavailable")])
async def test_fail_answers_a_server_error_status(
    http: aiohttp.ClientSession, server: EmbeddedApiServer, code: int, reason: str
) -> None:
    server.faults.fail(1, status=code)
    async with http.get(PODS) as response:
        body = await response.json()
    assert (response.status, body["code"], body["reason"]) == (code, code, reason)
    assert server.faults.stats()[f"fail_{code}"] == 1


async def test_delay_is_counted_and_the_request_still_served(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    server.faults.delay(0.01, count=1)
    async with http.get(PODS) as response:
        assert response.status == 200
    assert server.faults.stats()["delay"] == 1


async def test_close_watches_after_n_events_ends_the_stream_cleanly(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 5)
    server.faults.close_watches_after(2)
    async with http.get(PODS, params={"watch": "true"}) as response:
        events = await read_lines(response)
    assert [e["object"]["metadata"]["name"] for e in events] == ["p0", "p1"]
    assert server.faults.stats()["close_watch"] == 1


async def test_cut_watch_mid_line_truncates_the_body(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 3)
    server.faults.cut_watch_mid_line(after_events=1)
    received = b""
    async with http.get(PODS, params={"watch": "true"}) as response:
        with pytest.raises(aiohttp.ClientPayloadError):
            async for chunk in response.content.iter_any():
                received += chunk
    first, rest = received.split(b"\n", 1)
    assert orjson.loads(first)["object"]["metadata"]["name"] == "p0"
    assert rest and not rest.endswith(b"\n")
    assert server.faults.stats()["cut_watch"] == 1


async def test_malformed_line_is_sent_then_the_stream_ends(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 2)
    server.faults.malformed_line(after_events=1)
    async with http.get(PODS, params={"watch": "true"}) as response:
        lines = (await response.read()).splitlines()
    assert orjson.loads(lines[0])["type"] == "ADDED"
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(lines[1])
    assert len(lines) == 2


async def test_silenced_watch_stays_open_but_sends_nothing_more(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 1)
    server.faults.silence_watches(after_events=1)
    params = {"watch": "true", "timeoutSeconds": "1"}
    async with http.get(PODS, params=params) as response:
        await http.post(PODS, json=pod("late"))
        events = await read_lines(response)
    assert [e["object"]["metadata"]["name"] for e in events] == ["p0"]
    assert server.faults.stats()["silence_watch"] == 1


async def test_watch_faults_limited_by_times_spare_later_streams(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 2)
    server.faults.close_watches_after(1, times=1)
    params = {"watch": "true", "timeoutSeconds": "1"}
    async with http.get(PODS, params=params) as response:
        first = await read_lines(response)
    async with http.get(PODS, params=params) as response:
        second = await read_lines(response)
    assert (len(first), len(second)) == (1, 2)


async def test_reset_disarms_every_fault(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    server.faults.fail(5)
    server.faults.reset()
    async with http.get(PODS) as response:
        assert response.status == 200
    assert server.faults.stats() == {}


async def test_restart_drops_open_watches_and_keeps_the_data(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 1)
    async with http.get(PODS, params={"watch": "true"}) as response:
        await asyncio.wait_for(response.content.readline(), 10)
        await server.restart()
        with pytest.raises(aiohttp.ClientPayloadError):
            await asyncio.wait_for(response.content.read(), 10)
    async with http.get(f"{PODS}/p0") as response:
        assert response.status == 200
    assert server.faults.stats()["restart"] == 1


def test_random_faults_are_reproducible_under_a_seed() -> None:
    def decisions(seed: int) -> list[tuple[float, int | None]]:
        faults = Faults(seed)
        faults.random(0.5, kinds=["throttle", "error_503", "delay"])
        out = []
        for _ in range(50):
            decision = faults.on_request("/api/v1/pods")
            out.append((decision.delay, decision.error.status if decision.error else None))
        return out

    assert decisions(7) == decisions(7)
    assert decisions(7) != decisions(8)


def test_random_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown fault kinds"):
        Faults().random(0.1, kinds=["explode"])


async def test_random_watch_faults_fire_on_events(
    http: aiohttp.ClientSession, server: EmbeddedApiServer
) -> None:
    await _seed(http, 3)
    server.faults.random(1.0, kinds=["close_watch"])
    async with http.get(PODS, params={"watch": "true"}) as response:
        events = await read_lines(response)
    assert events == []
    assert server.faults.stats()["close_watch"] == 1
