"""No secret (token, password, key, cert data, plugin output) in a repr, an error or a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trustme
from aiohttp import web

from kubeflow_informer.client import ApiClient, RetryPolicy
from kubeflow_informer.config import Config, load_kubeconfig
from kubeflow_informer.errors import ConfigError, KubeflowInformerError

from .conftest import PASSWORD, TOKEN, b64, simple, write, write_plugin

pytestmark = pytest.mark.timeout(60)
EXEC_TOKEN = "exec-SECRET-token-5555"
ENV_SECRET = "env-SECRET-value-7777"


@pytest.fixture
def key_material() -> tuple[bytes, bytes]:
    leaf = trustme.CA().issue_cert("me")
    return leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes()


def secrets_of(cert: bytes, key: bytes) -> list[str]:
    key_body = key.decode().splitlines()[1]
    cert_body = cert.decode().splitlines()[1]
    return [TOKEN, PASSWORD, EXEC_TOKEN, ENV_SECRET, key_body, cert_body, b64(key)[:40]]


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_config_repr_hides_every_secret(key_material: tuple[bytes, bytes]) -> None:
    cert, key = key_material
    config = Config(server="https://x:1", token=TOKEN, password=PASSWORD, username="u",
                    client_cert_data=cert, client_key_data=key)
    text = repr(config)
    assert_clean(text, secrets_of(cert, key))
    assert "credentials=" in text and "hidden" in text


def test_exec_provider_repr_hides_env_values(tmp_path: Path) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "p",
                     "env": [{"name": "API_KEY", "value": ENV_SECRET}]}}
    config = load_kubeconfig(write(tmp_path / "config", simple(user=user)))
    assert "API_KEY" in repr(config.exec_provider)
    assert ENV_SECRET not in repr(config) + repr(config.exec_provider)


def test_config_errors_do_not_contain_secret_values(
    tmp_path: Path, key_material: tuple[bytes, bytes]
) -> None:
    cert, key = key_material
    broken_inputs = [
        simple(user={"token": TOKEN, "username": "a", "password": PASSWORD}),
        simple(user={"client-certificate-data": b64(cert), "client-key-data": key.decode()}),
        simple(user={"client-key-data": b64(key)}),
    ]
    for index, doc in enumerate(broken_inputs):
        with pytest.raises(ConfigError) as caught:
            load_kubeconfig(write(tmp_path / f"c{index}", doc))
        assert_clean(str(caught.value) + repr(caught.value), secrets_of(cert, key))


async def test_debug_logs_and_errors_of_a_session_contain_no_secrets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, key_material: tuple[bytes, bytes]
) -> None:
    cert, key = key_material
    write_plugin(tmp_path / "plugin.py", f"""
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": "{EXEC_TOKEN}"}}}}))
""")
    calls = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(request.headers.get("Authorization"))
        if len(calls) < 3:
            body = {"kind": "Status", "code": 401, "reason": "Unauthorized", "message": "no"}
            return web.json_response(body, status=401)
        return web.json_response({"kind": "Status", "code": 503}, status=503)

    app = web.Application()
    app.router.add_get("/api/v1/pods", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "./plugin.py",
                     "interactiveMode": "Never", "env": [{"name": "K", "value": ENV_SECRET}]}}
    messages = []
    try:
        with caplog.at_level(logging.DEBUG):
            config = load_kubeconfig(write(tmp_path / "config", simple(server=url, user=user)))
            policy = RetryPolicy(max_retries=2, base_delay=0.001)
            async with ApiClient(config, qps=0, retry=policy) as api:
                for _ in range(2):
                    try:
                        await api.resource("v1", "pods").list()
                    except KubeflowInformerError as exc:
                        messages.append(str(exc) + repr(exc))
                messages.append(repr(api) + repr(config))
    finally:
        await runner.cleanup()
    assert calls[0] == f"Bearer {EXEC_TOKEN}"  # the secret really was in play
    assert len(messages) == 3
    assert_clean(caplog.text + "".join(messages), secrets_of(cert, key))
