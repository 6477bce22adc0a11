"""The embedded API server with auth on answers 401 to a missing or wrong token on every path
and verb, watches included, and never echoes the credential it was sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from tests.security.conftest import ROTATED_TOKEN, TOKEN, WRONG_TOKEN

pytestmark = pytest.mark.timeout(30)

PATHS = [
    "/version",
    "/api",
    "/api/v1",
    "/apis",
    "/apis/apps/v1",
    "/api/v1/pods",
    "/api/v1/namespaces/default/pods",
    "/api/v1/namespaces/default/pods/p",
    "/api/v1/namespaces/default/pods/p/status",
    "/api/v1/namespaces/default/pods/p/log",
    "/api/v1/namespaces/default/pods?watch=true",
    "/api/v1/watch/namespaces/default/pods",
    "/apis/apps/v1/namespaces/default/deployments/d/scale",
    "/apis/coordination.k8s.io/v1/namespaces/default/leases?watch=1&resourceVersion=0",
    "/openapi/v2",
    "/openapi/v3",
    "/healthz",
    "/readyz",
    "/metrics",
    "/no/such/path",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
BAD_CREDENTIALS = {
    "missing": None,
    "wrong-token": f"Bearer {WRONG_TOKEN}",
    "token-prefix": f"Bearer {TOKEN[:-1]}",
    "token-suffix": f"Bearer {TOKEN}x",
    "lowercase-scheme": f"bearer {TOKEN}",
    "no-scheme": TOKEN,
    "basic": "Basic YWRtaW46YWRtaW4=",
    "empty-bearer": "Bearer ",
}


@pytest.fixture
async def http(token_server: EmbeddedApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=token_server.url) as session:
        yield session


async def _status(
    http: aiohttp.ClientSession, method: str, path: str, authorization: str | None
) -> tuple[int, bytes]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with http.request(method, path, headers=headers, data=b"{}") as response:
        return response.status, await response.read()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
async def test_every_path_and_verb_is_401_without_a_token(
    http: aiohttp.ClientSession, method: str, path: str
) -> None:
    status, body = await _status(http, method, path, None)
    assert status == 401
    assert b'"reason":"Unauthorized"' in body


@pytest.mark.parametrize("credential", sorted(BAD_CREDENTIALS))
@pytest.mark.parametrize("path", PATHS)
async def test_every_path_is_401_with_a_wrong_credential_and_never_echoes_it(
    http: aiohttp.ClientSession, path: str, credential: str
) -> None:
    authorization = BAD_CREDENTIALS[credential]
    status, body = await _status(http, "GET", path, authorization)
    assert status == 401
    assert WRONG_TOKEN.encode() not in body and TOKEN[:-1].encode() not in body


async def test_a_watch_with_the_right_token_streams_events(
    http: aiohttp.ClientSession,
) -> None:
    params = {"watch": "true", "timeoutSeconds": "1"}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with http.get("/api/v1/namespaces", params=params, headers=headers) as response:
        assert response.status == 200
        assert b'"ADDED"' in await response.read()


async def test_after_rotation_the_old_token_is_401_and_the_new_one_is_served(
    token_server: EmbeddedApiServer, http: aiohttp.ClientSession
) -> None:
    token_server.set_token(ROTATED_TOKEN)
    old, _ = await _status(http, "GET", "/api/v1/namespaces?watch=1", f"Bearer {TOKEN}")
    new, _ = await _status(http, "GET", "/api/v1/namespaces", f"Bearer {ROTATED_TOKEN}")
    assert (old, new) == (401, 200)
