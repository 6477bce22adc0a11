"""Tokens, passwords, client keys and certificate data never appear in logs, reprs, exception
messages or metrics labels.

One full session captures every log record of every logger at DEBUG (messages, arguments and
formatted tracebacks): a manager with a controller that writes, records events and fails once,
over TLS with a bearer token from a kubeconfig, a server restart in the middle, the /metrics
page; then clients that fail to authenticate with a wrong token, basic auth, a client
certificate and an exec plugin. Every secret is then searched for in all of that text.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
import yaml

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.client.retry import RetryPolicy
from kubeflow_informer.config import Config, load_kubeconfig
from kubeflow_informer.controller import Controller, For, Manager, Reconciler, Request, Result
from kubeflow_informer.errors import KubeflowInformerError
from tests.security.conftest import TOKEN, WRONG_TOKEN

pytestmark = pytest.mark.timeout(60)

PASSWORD = "kfi-password-4c6e8a0b2d"
EXEC_TOKEN = "kfi-exec-token-5e7a9c1b3d"
BROKEN_KEY = b"-----BEGIN PRIVATE KEY-----\nkfi-broken-key-material-0123456789abcdefghij\n" \
    b"-----END PRIVATE KEY-----\n"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class WritingReconciler(Reconciler):
    """Annotates each configmap, records an Event, and fails the first reconcile of each."""

    def __init__(self) -> None:
        self.failed: set[str] = set()
        self.done: set[str] = set()
        self.changed = asyncio.Event()

    async def wait_done(self, count: int) -> None:
        async with asyncio.timeout(20):
            while len(self.done) < count:
                self.changed.clear()
                await self.changed.wait()

    async def reconcile(self, request: Request) -> Result | None:
        if request.key not in self.failed:
            self.failed.add(request.key)
            raise RuntimeError(f"first attempt for {request.key} fails on purpose")
        obj = self.lister("v1", "configmaps").get(request.namespace, request.name)
        if obj is None:
            return None
        await self.client.resource("v1", "configmaps").patch(
            request.name, {"metadata": {"annotations": {"seen": "yes"}}},
            namespace=request.namespace,
        )
        self.recorder.event(obj, "Normal", "Seen", "annotated", api_version="v1",
                            kind="ConfigMap")
        self.done.add(request.key)
        self.changed.set()
        return None


def _secret_fragments(*pems: bytes) -> list[str]:
    """Distinctive pieces of PEM blocks: every full base64 body line."""
    fragments = []
    for pem in pems:
        for line in pem.decode().splitlines():
            if len(line) >= 40 and not line.startswith("-----"):
                fragments.append(line)
    return fragments


async def _manager_session(server: EmbeddedApiServer, tmp_path: Path) -> list[str]:
    texts: list[str] = []
    config = load_kubeconfig(server.write_kubeconfig(tmp_path / "kubeconfig"))
    texts.append(repr(config))
    reconciler = WritingReconciler()
    manager = Manager(config, metrics_port=0, metrics_host="127.0.0.1",
                      shutdown_grace_period=5.0)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    async with manager:
        configmaps = manager.client.resource("v1", "configmaps")
        for name in ("alpha", "beta"):
            await configmaps.create({"metadata": {"name": name}}, namespace="default")
        await reconciler.wait_done(2)
        await server.restart()  # every watch and connection drops; the manager reconnects
        info = server.registry.get("", "v1", "configmaps")
        assert info is not None
        server.storage.create(info, {"metadata": {"name": "gamma"}}, namespace="default")
        await reconciler.wait_done(3)
        url = f"http://127.0.0.1:{manager.metrics_port}/metrics"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            texts.append(await response.text())
        texts += [repr(manager), repr(manager.client), repr(manager.factory)]
    return texts


async def _failing_clients(
    server: EmbeddedApiServer, tmp_path: Path, cert_pem: bytes, key_pem: bytes
) -> list[str]:
    """Clients whose credentials the server refuses; their errors must not carry them."""
    plugin = tmp_path / "plugin.py"
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"token": EXEC_TOKEN}}
    plugin.write_text(f"import json\nprint(json.dumps({credential!r}))\n")
    document: dict[str, Any] = server.kubeconfig()
    document["users"][0]["user"] = {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
        "args": [str(plugin)], "interactiveMode": "Never",
    }}
    exec_kubeconfig = tmp_path / "exec-kubeconfig"
    exec_kubeconfig.write_text(yaml.safe_dump(document))
    configs = [
        Config(server=server.url, ca_data=server.ca_pem, token=WRONG_TOKEN),
        Config(server=server.url, ca_data=server.ca_pem, username="alice", password=PASSWORD),
        Config(server=server.url, ca_data=server.ca_pem, client_cert_data=cert_pem,
               client_key_data=key_pem),
        load_kubeconfig(exec_kubeconfig),
        Config(server=server.url, ca_data=server.ca_pem, client_cert_data=cert_pem,
               client_key_data=BROKEN_KEY),
    ]
    texts: list[str] = []
    for config in configs:
        texts.append(repr(config))
        try:
            async with ApiClient(config, qps=0, retry=RetryPolicy(max_retries=1)) as api:
                texts.append(repr(api))
                stream = api.resource("v1", "pods").watch()
                async with stream:
                    async for _event in stream:
                        break
        except KubeflowInformerError as error:
            texts += [str(error), repr(error), repr(error.__cause__), repr(error.__context__)]
            status = getattr(error, "status_object", None)
            texts.append(json.dumps(status, default=str))
        else:
            pytest.fail(f"{config!r} was accepted by a server that requires {TOKEN[:3]}...")
    return texts


async def test_no_secret_appears_in_logs_reprs_errors_or_metrics_during_a_full_session(
    tls_server: EmbeddedApiServer, tmp_path: Path, captured: _Capture
) -> None:
    client_cert = trustme.CA().issue_cert("kfi-client")
    key_pem = client_cert.private_key_pem.bytes()
    cert_pem = client_cert.cert_chain_pems[0].bytes()
    texts = await _manager_session(tls_server, tmp_path)
    metrics_page = texts[1]
    texts += await _failing_clients(tls_server, tmp_path, cert_pem, key_pem)
    everything = "\n".join(texts + captured.lines)
    assert any(" DEBUG " in line for line in captured.lines)  # DEBUG really was captured
    assert any(" ERROR " in line for line in captured.lines)  # tracebacks were formatted
    assert "controller_runtime_reconcile_total" in metrics_page
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    secrets = [TOKEN, WRONG_TOKEN, PASSWORD, basic, EXEC_TOKEN,
               *_secret_fragments(key_pem, cert_pem, BROKEN_KEY)]
    leaked = [secret[:6] + "..." for secret in secrets if secret in everything]
    assert leaked == []
