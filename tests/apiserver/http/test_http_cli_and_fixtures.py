"""The ``kubeflow-informer`` CLI and the pytest fixtures users import."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from kubeflow_informer import cli
from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient

pytestmark = pytest.mark.timeout(60)


def test_version_subcommand_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.startswith("kubeflow-informer 0.")


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit):
        cli.main([])


async def test_apiserver_subcommand_serves_until_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kubeflow_informer", "apiserver", "--port", "0",
        "--kubeconfig-out", str(kubeconfig), "--token", "tok",
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        document = yaml.safe_load(kubeconfig.read_text())
        assert document["clusters"][0]["cluster"]["server"] == url
        headers = {"Authorization": "Bearer tok"}
        async with aiohttp.ClientSession() as session, session.get(
            f"{url}/version", headers=headers
        ) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


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
