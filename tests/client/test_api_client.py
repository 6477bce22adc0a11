"""ApiClient lifecycle, rate limiting and error translation."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from kubeflow_informer.client import ApiClient, RetryPolicy, TokenBucket
from kubeflow_informer.config import Config
from kubeflow_informer.errors import InternalError, ProtocolError, TransportError

from .conftest import ANY_URL, SERVER, recorded


def test_token_bucket_allows_burst_then_delays() -> None:
    bucket = TokenBucket(qps=10, burst=2)
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 0.0
    delay = bucket.reserve()
    assert 0.0 < delay <= 0.1


def test_token_bucket_with_zero_qps_never_waits() -> None:
    bucket = TokenBucket(qps=0, burst=0)
    assert not bucket.enabled
    assert all(bucket.reserve() == 0.0 for _ in range(1000))


def test_client_rate_limit_defaults_come_from_config() -> None:
    api = ApiClient(Config(server=SERVER))
    assert (api.rate_limiter.qps, api.rate_limiter.burst) == (50.0, 100)
    assert ApiClient(Config(server=SERVER), qps=0).rate_limiter.enabled is False


async def test_closed_client_refuses_requests() -> None:
    api = ApiClient(Config(server=SERVER, qps=0))
    await api.close()
    with pytest.raises(TransportError, match="closed"):
        await api.resource("v1", "pods").list()


async def test_session_is_closed_on_exit() -> None:
    async with ApiClient(Config(server=SERVER, qps=0)) as api:
        session = api._session
        assert session is not None and not session.closed
    assert session.closed


async def test_error_without_status_body_is_still_typed(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.post(ANY_URL, body="<html>oops</html>", status=500, content_type="text/html")
    with pytest.raises(InternalError, match="without a Status"):
        await api.resource("v1", "pods").create({"metadata": {"name": "p"}}, namespace="n")


async def test_non_json_success_body_is_a_protocol_error(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.get(ANY_URL, body="not json", status=200)
    with pytest.raises(ProtocolError):
        await api.resource("v1", "pods").list()


async def test_transport_error_is_wrapped_with_method_and_url(mock: aioresponses) -> None:
    mock.get(ANY_URL, exception=ConnectionResetError("reset by peer"))
    config = Config(server=SERVER, token="supersecret-token", qps=0)
    async with ApiClient(config, retry=RetryPolicy(max_retries=0)) as api:
        with pytest.raises(TransportError) as caught:
            await api.resource("v1", "pods").list(namespace="n")
    message = str(caught.value)
    assert message.startswith(f"GET {SERVER}/api/v1/namespaces/n/pods")
    assert "supersecret-token" not in message


async def test_get_is_retried_after_a_connection_reset(mock: aioresponses) -> None:
    mock.get(ANY_URL, exception=ConnectionResetError("reset"))
    mock.get(ANY_URL, payload={"items": []})
    policy = RetryPolicy(max_retries=2, base_delay=0.001)
    async with ApiClient(Config(server=SERVER, qps=0), retry=policy) as api:
        assert await api.resource("v1", "pods").list() == {"items": []}


async def test_proxy_url_and_tls_server_name_are_passed_to_aiohttp(mock: aioresponses) -> None:
    mock.get(ANY_URL, payload={})
    config = Config(server=SERVER, proxy_url="http://proxy.test:3128",
                    tls_server_name="kube.internal", qps=0)
    async with ApiClient(config) as api:
        await api.discovery.server_version()
    (_, _, kwargs), = [call for call in recorded(mock)]
    assert kwargs["proxy"] == "http://proxy.test:3128"
    assert kwargs["server_hostname"] == "kube.internal"


def test_explicit_timeout_overrides_the_config() -> None:
    assert ApiClient(Config(server=SERVER, timeout=7.0)).timeout == 7.0
    assert ApiClient(Config(server=SERVER, timeout=7.0), timeout=2.0).timeout == 2.0
