"""Bearer-token auth (401 everywhere without it), TLS with the generated CA, kubeconfig."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import aiohttp
import pytest
import yaml

from kubeflow_informer.apiserver import EmbeddedApiServer

pytestmark = pytest.mark.timeout(30)

TOKEN = "s3cr3t-token"
PATHS = [
    "/version",
    "/api",
    "/apis",
    "/api/v1/namespaces",
    "/api/v1/namespaces/default/pods?watch=true",
    "/apis/apps/v1/deployments",
    "/openapi/v3",
    "/healthz",
    "/no/such/path",
]


@pytest.mark.embedded_apiserver(token=TOKEN)
@pytest.mark.parametrize("path", PATHS)
async def test_every_path_is_401_without_the_token(
    http: aiohttp.ClientSession, path: str
) -> None:
    async with http.get(path) as response:
        body = await response.json()
        assert response.status == 401
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


@pytest.mark.embedded_apiserver(token=TOKEN)
async def test_a_wrong_token_is_401(http: aiohttp.ClientSession) -> None:
    async with http.get("/api", headers={"Authorization": "Bearer nope"}) as response:
        assert response.status == 401


@pytest.mark.embedded_apiserver(token=TOKEN)
async def test_the_right_token_is_served(http: aiohttp.ClientSession) -> None:
    async with http.get("/api", headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        assert response.status == 200


@pytest.mark.embedded_apiserver(token=TOKEN)
async def test_watch_with_the_right_token_streams(http: aiohttp.ClientSession) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    params = {"watch": "true", "timeoutSeconds": "1"}
    async with http.get("/api/v1/namespaces", params=params, headers=headers) as response:
        assert response.status == 200
        assert b'"ADDED"' in await response.read()


async def test_token_never_appears_in_the_server_repr() -> None:
    server = EmbeddedApiServer(token=TOKEN)
    assert TOKEN not in repr(server)
    assert TOKEN not in repr(server.config)


@pytest.mark.embedded_apiserver(tls=True)
async def test_tls_server_is_trusted_through_its_ca(server: EmbeddedApiServer) -> None:
    assert server.url.startswith("https://127.0.0.1:")
    assert server.ca_pem is not None
    context = ssl.create_default_context(cadata=server.ca_pem.decode())
    async with aiohttp.ClientSession() as session, session.get(
        f"{server.url}/version", ssl=context
    ) as response:
        assert response.status == 200


@pytest.mark.embedded_apiserver(tls=True)
async def test_tls_server_is_rejected_without_its_ca(server: EmbeddedApiServer) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(f"{server.url}/version", ssl=ssl.create_default_context())


@pytest.mark.embedded_apiserver(tls=True, token=TOKEN)
async def test_config_carries_the_ca_and_the_token(server: EmbeddedApiServer) -> None:
    config = server.config
    assert config.server == server.url
    assert config.ca_data == server.ca_pem
    assert config.token == TOKEN


@pytest.mark.embedded_apiserver(tls=True, token=TOKEN)
async def test_written_kubeconfig_is_private_and_complete(
    server: EmbeddedApiServer, tmp_path: Path
) -> None:
    path = server.write_kubeconfig(tmp_path / "kube" / "config")
    assert os.stat(path).st_mode & 0o777 == 0o600
    document = yaml.safe_load(path.read_text())
    assert document["clusters"][0]["cluster"]["server"] == server.url
    assert document["clusters"][0]["cluster"]["certificate-authority-data"]
    assert document["users"][0]["user"]["token"] == TOKEN
    assert document["current-context"] == document["contexts"][0]["name"]
