"""TLS verification is on by default; turning it off takes an explicit setting and logs a
warning every time a connection context is built without it."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
import yaml

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.client.retry import RetryPolicy
from kubeflow_informer.config import Config, load_kubeconfig
from kubeflow_informer.errors import TransportError
from tests.security.conftest import TOKEN

pytestmark = pytest.mark.timeout(30)

#: Refused handshakes are transport errors, which GETs retry; one attempt is enough here.
NO_RETRY = RetryPolicy(max_retries=0)


def test_an_https_config_verifies_certificate_and_hostname_by_default() -> None:
    context = Config(server="https://127.0.0.1:6443").ssl_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_insecure_skip_tls_verify_defaults_to_false() -> None:
    assert Config(server="https://127.0.0.1:6443").insecure_skip_tls_verify is False


async def test_the_client_refuses_a_server_signed_by_an_unknown_ca(
    tls_server: EmbeddedApiServer,
) -> None:
    config = Config(server=tls_server.url, token=TOKEN)  # no CA: the system store
    async with ApiClient(config, qps=0, retry=NO_RETRY) as api:
        with pytest.raises(TransportError, match=r"(?i)certificate"):
            await api.discovery.server_version()


async def test_the_client_refuses_a_certificate_for_another_hostname(
    tls_server: EmbeddedApiServer,
) -> None:
    config = Config(server=tls_server.url, ca_data=tls_server.ca_pem, token=TOKEN,
                    tls_server_name="not-the-apiserver.example")
    async with ApiClient(config, qps=0, retry=NO_RETRY) as api:
        with pytest.raises(TransportError):
            await api.discovery.server_version()


async def test_the_client_trusts_the_configured_ca(tls_server: EmbeddedApiServer) -> None:
    async with ApiClient(tls_server.config, qps=0) as api:
        info = await api.discovery.server_version()
    assert info


async def test_explicitly_skipping_verification_connects_and_logs_a_warning(
    tls_server: EmbeddedApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(server=tls_server.url, token=TOKEN, insecure_skip_tls_verify=True)
    with caplog.at_level(logging.WARNING, logger="kubeflow_informer"):
        async with ApiClient(config, qps=0) as api:
            await api.discovery.server_version()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("TLS verification" in r.getMessage() for r in warnings)


async def test_kubeconfig_insecure_skip_tls_verify_true_is_honoured_with_a_warning(
    tls_server: EmbeddedApiServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    document = tls_server.kubeconfig()
    cluster = document["clusters"][0]["cluster"]
    del cluster["certificate-authority-data"]
    cluster["insecure-skip-tls-verify"] = True
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(document))
    config = load_kubeconfig(path)
    with caplog.at_level(logging.WARNING, logger="kubeflow_informer"):
        async with ApiClient(config, qps=0) as api:
            await api.discovery.server_version()
    assert any("TLS verification" in r.getMessage() for r in caplog.records)


async def test_a_kubeconfig_without_the_setting_verifies(
    tls_server: EmbeddedApiServer, tmp_path: Path
) -> None:
    document = tls_server.kubeconfig()
    del document["clusters"][0]["cluster"]["certificate-authority-data"]
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(document))
    async with ApiClient(load_kubeconfig(path), qps=0, retry=NO_RETRY) as api:
        with pytest.raises(TransportError):
            await api.discovery.server_version()
