"""The ``kubeflow-informer`` CLI and the pytest fixtures users import."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from kubeflow_informer import cli
from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import load_config

pytestmark = pytest.mark.timeout(60)


def test_version_subcommand_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.startswith("kubeflow-informer 0.")


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit):
        cli.main([])


@contextlib.asynccontextmanager
async def _standalone(*args: str) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """The standalone server with ``args``: its URL and process (killed if still running)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kubeflow_informer", "apiserver", "--port", "0", *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        yield (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip(), process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    """SIGTERM, a clean exit, and what the server logged."""
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 0
    assert process.stderr is not None
    return await process.stderr.read()


async def test_apiserver_subcommand_serves_until_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    async with _standalone("--kubeconfig-out", str(kubeconfig)) as (url, process):
        assert url.startswith("http://127.0.0.1:")
        document = yaml.safe_load(kubeconfig.read_text())
        assert document["clusters"][0]["cluster"]["server"] == url
        async with aiohttp.ClientSession() as session, session.get(f"{url}/version") as response:
            assert response.status == 200
        await _stop(process)


async def test_a_token_server_serves_https_with_its_ca_in_the_kubeconfig(tmp_path: Path) -> None:
    # kubectl never sends a bearer token over plain http: --token implies TLS
    kubeconfig = tmp_path / "config"
    async with _standalone("--kubeconfig-out", str(kubeconfig), "--token", "tok") as (url, process):
        assert url.startswith("https://127.0.0.1:")
        async with ApiClient(load_config(kubeconfig)) as api:
            assert (await api.request("GET", "/version"))["major"] == "1"
        await _stop(process)


async def test_no_tls_keeps_plain_http_for_a_token_and_warns() -> None:
    async with _standalone("--token", "tok", "--no-tls") as (url, process):
        assert url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "Bearer tok"}
        async with aiohttp.ClientSession() as session, session.get(
            f"{url}/version", headers=headers
        ) as response:
            assert response.status == 200
        assert b"--token without TLS: kubectl and client-go do not send" in await _stop(process)


async def test_fixtures_give_a_server_and_a_connected_client(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    pods = api_client.resource("v1", "pods")
    await pods.create(
        {"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
        namespace="default",
    )
    assert embedded_apiserver.storage.get(
        embedded_apiserver.registry.get("", "v1", "pods"), "default", "a"
    ).name == "a"


@pytest.mark.embedded_apiserver(token="fixture-token", tls=True)
async def test_fixture_marker_configures_the_server(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    assert embedded_apiserver.url.startswith("https://")
    namespaces = await api_client.resource("v1", "namespaces").list()
    assert "default" in {n["metadata"]["name"] for n in namespaces["items"]}
