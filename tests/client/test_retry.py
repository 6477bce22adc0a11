"""Retries: 429/5xx with Retry-After for any verb, backoff for GETs, no blind POST retries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from kubeflow_informer.client import ApiClient, RetryPolicy
from kubeflow_informer.client.retry import parse_retry_after
from kubeflow_informer.config import Config
from kubeflow_informer.errors import ServiceUnavailable, TooManyRequests

Serve = Callable[..., Awaitable[str]]
pytestmark = pytest.mark.timeout(30)
FAST = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.005)


def status(code: int, reason: str) -> dict[str, object]:
    return {"kind": "Status", "status": "Failure", "code": code, "reason": reason, "message": "x"}


def failing_then_ok(
    failures: list[tuple[int, dict[str, str]]], seen: list[str]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        seen.append(request.method)
        if len(seen) <= len(failures):
            code, headers = failures[len(seen) - 1]
            reason = "TooManyRequests" if code == 429 else "ServiceUnavailable"
            return web.json_response(status(code, reason), status=code, headers=headers)
        return web.json_response({"kind": "Pod", "metadata": {"name": "p"}})

    return handler


async def test_429_with_retry_after_is_honoured_then_succeeds(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("GET", "/api/v1/namespaces/n/pods/p",
                        failing_then_ok([(429, {"Retry-After": "0"})] * 2, seen))])
    async with ApiClient(Config(server=url, qps=0), retry=FAST) as api:
        assert (await api.resource("v1", "pods").get("p", namespace="n"))["kind"] == "Pod"
    assert len(seen) == 3


async def test_503_on_get_is_retried_with_backoff_then_succeeds(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("GET", "/api/v1/namespaces/n/pods/p",
                        failing_then_ok([(503, {})], seen))])
    async with ApiClient(Config(server=url, qps=0), retry=FAST) as api:
        await api.resource("v1", "pods").get("p", namespace="n")
    assert seen == ["GET", "GET"]


async def test_retries_are_bounded(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("GET", "/api/v1/namespaces/n/pods/p",
                        failing_then_ok([(503, {})] * 10, seen))])
    async with ApiClient(Config(server=url, qps=0), retry=FAST) as api:
        with pytest.raises(ServiceUnavailable):
            await api.resource("v1", "pods").get("p", namespace="n")
    assert len(seen) == 1 + FAST.max_retries


async def test_post_is_not_retried_on_5xx_without_retry_after(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("POST", "/api/v1/namespaces/n/pods", failing_then_ok([(503, {})], seen))])
    async with ApiClient(Config(server=url, qps=0), retry=FAST) as api:
        with pytest.raises(ServiceUnavailable):
            await api.resource("v1", "pods").create({"metadata": {"name": "p"}}, namespace="n")
    assert seen == ["POST"]


async def test_post_is_retried_when_the_server_sends_retry_after(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("POST", "/api/v1/namespaces/n/pods",
                        failing_then_ok([(429, {"Retry-After": "0"})], seen))])
    async with ApiClient(Config(server=url, qps=0), retry=FAST) as api:
        await api.resource("v1", "pods").create({"metadata": {"name": "p"}}, namespace="n")
    assert seen == ["POST", "POST"]


async def test_error_carries_retry_after_when_retries_run_out(serve: Serve) -> None:
    seen: list[str] = []
    url = await serve([("GET", "/api/v1/namespaces/n/pods/p",
                        failing_then_ok([(429, {"Retry-After": "0"})] * 5, seen))])
    policy = RetryPolicy(max_retries=0)
    async with ApiClient(Config(server=url, qps=0), retry=policy) as api:
        with pytest.raises(TooManyRequests) as caught:
            await api.resource("v1", "pods").get("p", namespace="n")
    assert caught.value.retry_after == 0.0


def test_retry_after_delay_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=2.0)
    assert policy.delay_for_status("GET", 429, 3600.0, 0) == 2.0


@pytest.mark.parametrize("attempt", [0, 3])
def test_retry_after_zero_waits_at_least_the_backoff_of_the_attempt(attempt: int) -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=5.0)
    delay = policy.delay_for_status("GET", 429, 0.0, attempt)
    assert delay is not None and delay >= policy.base_delay * 2**attempt


def test_retry_after_longer_than_the_backoff_is_honoured() -> None:
    assert RetryPolicy(base_delay=0.1).delay_for_status("POST", 503, 4.0, 0) == 4.0


def test_retry_after_is_capped_at_the_reflector_cap_by_default() -> None:
    assert RetryPolicy().delay_for_status("GET", 429, 3600.0, 0) == 30.0


def test_non_retryable_status_is_not_retried() -> None:
    assert RetryPolicy().delay_for_status("GET", 404, None, 0) is None


def test_parse_retry_after_accepts_seconds_and_rejects_garbage() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
