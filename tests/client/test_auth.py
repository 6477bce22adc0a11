"""Authentication headers and the one-shot credential refresh on 401."""

from __future__ import annotations

import base64
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.errors import Unauthorized

Serve = Callable[..., Awaitable[str]]
pytestmark = pytest.mark.timeout(30)


def auth_server(
    valid: set[str], seen: list[str | None]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        seen.append(header)
        if header not in valid:
            body = {"kind": "Status", "code": 401, "reason": "Unauthorized", "message": "no"}
            return web.json_response(body, status=401)
        return web.json_response({"kind": "PodList", "items": []})

    return handler


async def test_basic_auth_header(serve: Serve) -> None:
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    seen: list[str | None] = []
    url = await serve([("GET", "/api/v1/pods", auth_server({expected}, seen))])
    async with ApiClient(Config(server=url, username="alice", password="s3cret", qps=0)) as api:
        await api.resource("v1", "pods").list()
    assert seen == [expected]


async def test_401_with_rotated_token_file_refreshes_once_and_retries(
    serve: Serve, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old-token")
    seen: list[str | None] = []
    url = await serve([("GET", "/api/v1/pods", auth_server({"Bearer new-token"}, seen))])
    config = Config(server=url, token_file=str(token_file), qps=0)
    async with ApiClient(config) as api:
        pods = api.resource("v1", "pods")
        with pytest.raises(Unauthorized):
            await pods.list()
        assert seen == ["Bearer old-token", "Bearer old-token"]
        token_file.write_text("new-token")
        st = token_file.stat()  # same size and maybe same mtime: the 401 forces the re-read
        os.utime(token_file, ns=(st.st_atime_ns, st.st_mtime_ns))
        config._token_source._signature = (st.st_ino, st.st_size, st.st_mtime_ns)  # type: ignore[union-attr]
        await pods.list()
    assert seen[2:] == ["Bearer old-token", "Bearer new-token"]


async def test_401_with_static_token_is_not_retried(serve: Serve) -> None:
    seen: list[str | None] = []
    url = await serve([("GET", "/api/v1/pods", auth_server(set(), seen))])
    async with ApiClient(Config(server=url, token="static", qps=0)) as api:
        with pytest.raises(Unauthorized):
            await api.resource("v1", "pods").list()
    assert seen == ["Bearer static"]
