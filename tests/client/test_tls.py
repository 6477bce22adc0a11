"""TLS against a real HTTPS server on 127.0.0.1 with a trustme test CA."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable

import pytest
import trustme
from aiohttp import web

from kubeflow_informer.client import ApiClient, RetryPolicy
from kubeflow_informer.config import Config
from kubeflow_informer.errors import TransportError

Serve = Callable[..., Awaitable[str]]
pytestmark = pytest.mark.timeout(30)
NO_RETRY = RetryPolicy(max_retries=0)


async def version(request: web.Request) -> web.Response:
    peer = request.transport.get_extra_info("peercert") if request.transport else None
    subject = dict(x[0] for x in peer["subject"]) if peer else {}
    return web.json_response({"gitVersion": "v1.32.0", "client": subject.get("commonName")})


def server_context(ca: trustme.CA, *hostnames: str, require_client_cert: bool = False
                   ) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hostnames).configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return context


async def test_verification_succeeds_with_the_right_ca(serve: Serve) -> None:
    ca = trustme.CA()
    url = await serve([("GET", "/version", version)], ssl_context=server_context(ca, "127.0.0.1"))
    config = Config(server=url, ca_data=ca.cert_pem.bytes(), qps=0)
    async with ApiClient(config, retry=NO_RETRY) as api:
        assert (await api.discovery.server_version())["gitVersion"] == "v1.32.0"


async def test_verification_fails_with_a_wrong_ca(serve: Serve) -> None:
    ca, other = trustme.CA(), trustme.CA()
    url = await serve([("GET", "/version", version)], ssl_context=server_context(ca, "127.0.0.1"))
    config = Config(server=url, ca_data=other.cert_pem.bytes(), qps=0)
    async with ApiClient(config, retry=NO_RETRY) as api:
        with pytest.raises(TransportError, match=r"GET https://127\.0\.0\.1"):
            await api.discovery.server_version()


async def test_client_certificate_authentication(serve: Serve) -> None:
    ca = trustme.CA()
    context = server_context(ca, "127.0.0.1", require_client_cert=True)
    url = await serve([("GET", "/version", version)], ssl_context=context)
    client_cert = ca.issue_cert("alice@example.com", common_name="alice")
    config = Config(
        server=url,
        ca_data=ca.cert_pem.bytes(),
        client_cert_data=b"".join(blob.bytes() for blob in client_cert.cert_chain_pems),
        client_key_data=client_cert.private_key_pem.bytes(),
        qps=0,
    )
    async with ApiClient(config, retry=NO_RETRY) as api:
        assert (await api.discovery.server_version())["client"] == "alice"


async def test_missing_client_certificate_is_refused(serve: Serve) -> None:
    ca = trustme.CA()
    context = server_context(ca, "127.0.0.1", require_client_cert=True)
    url = await serve([("GET", "/version", version)], ssl_context=context)
    async with ApiClient(Config(server=url, ca_data=ca.cert_pem.bytes(), qps=0),
                         retry=NO_RETRY) as api:
        with pytest.raises(TransportError):
            await api.discovery.server_version()


async def test_tls_server_name_is_used_for_verification(serve: Serve) -> None:
    ca = trustme.CA()
    url = await serve([("GET", "/version", version)],
                      ssl_context=server_context(ca, "kube.internal"))
    good = Config(server=url, ca_data=ca.cert_pem.bytes(), tls_server_name="kube.internal", qps=0)
    async with ApiClient(good, retry=NO_RETRY) as api:
        assert (await api.discovery.server_version())["gitVersion"] == "v1.32.0"
    bad = Config(server=url, ca_data=ca.cert_pem.bytes(), qps=0)
    async with ApiClient(bad, retry=NO_RETRY) as api:
        with pytest.raises(TransportError):
            await api.discovery.server_version()


async def test_insecure_skip_verify_connects_and_warns(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    ca = trustme.CA()
    url = await serve([("GET", "/version", version)], ssl_context=server_context(ca, "127.0.0.1"))
    with caplog.at_level(logging.WARNING):
        async with ApiClient(Config(server=url, insecure_skip_tls_verify=True, qps=0)) as api:
            await api.discovery.server_version()
    assert "verification" in caplog.text and "disabled" in caplog.text
