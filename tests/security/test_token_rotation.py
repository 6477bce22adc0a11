"""Bound service-account tokens rotate: the in-cluster token file is re-read when it changes,
and a 401 makes the client re-read it once and retry - end to end against the embedded server
(TLS, bearer auth) with a kubelet-style service-account mount."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.cache import Backoff, FuncHandler, SharedIndexInformer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config, load_incluster_config
from kubeflow_informer.errors import Unauthorized
from tests.security.conftest import ROTATED_TOKEN, TOKEN

pytestmark = pytest.mark.timeout(30)

CLIENT_LOGGER = "kubeflow_informer.client"


class ServiceAccountMount:
    """``/var/run/secrets/kubernetes.io/serviceaccount`` as the kubelet lays it out: files are
    symlinks through ``..data``, and a rotation swaps ``..data`` atomically."""

    def __init__(self, root: Path, ca_pem: bytes) -> None:
        self.root = root
        self.ca_pem = ca_pem
        self.generation = 0
        root.mkdir()
        self.publish(TOKEN)
        for name in ("token", "ca.crt", "namespace"):
            (root / name).symlink_to(Path("..data") / name)

    def publish(self, token: str) -> None:
        self.generation += 1
        folder = self.root / f"..2026_{self.generation:02d}"
        folder.mkdir()
        (folder / "token").write_text(token)
        (folder / "ca.crt").write_bytes(self.ca_pem)
        (folder / "namespace").write_text("team-a")
        staged = self.root / "..data_tmp"
        staged.symlink_to(folder.name)
        os.replace(staged, self.root / "..data")

    def overwrite_in_place(self, token: str) -> None:
        """Change the token without changing the file's inode, size or mtime, so only a 401
        can reveal that the cached token is stale."""
        path = self.root / "token"
        before = path.stat()
        assert len(token.encode()) == before.st_size
        with open(path, "r+", encoding="utf-8") as handle:
            handle.write(token)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = path.stat()
        assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
            before.st_ino, before.st_size, before.st_mtime_ns
        )


@pytest.fixture
def mount(tls_server: EmbeddedApiServer, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> ServiceAccountMount:
    assert tls_server.ca_pem is not None
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(tls_server.port))
    return ServiceAccountMount(tmp_path / "serviceaccount", tls_server.ca_pem)


@pytest.fixture
def config(mount: ServiceAccountMount) -> Config:
    return load_incluster_config(service_account_dir=str(mount.root))


def _refreshes(caplog: pytest.LogCaptureFixture) -> int:
    return sum("401" in record.getMessage() and "refresh" in record.getMessage()
               for record in caplog.records)


async def test_incluster_config_reads_the_token_file_ca_and_namespace(config: Config) -> None:
    assert config.token_file is not None and config.token is None
    assert config.namespace == "team-a"
    async with ApiClient(config, qps=0) as api:
        await api.resource("v1", "namespaces", namespaced=False).list()


async def test_a_kubelet_rotation_is_picked_up_before_any_401(
    tls_server: EmbeddedApiServer, mount: ServiceAccountMount, config: Config,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    async with ApiClient(config, qps=0) as api:
        namespaces = api.resource("v1", "namespaces", namespaced=False)
        await namespaces.list()
        tls_server.set_token(ROTATED_TOKEN)
        mount.publish(ROTATED_TOKEN)
        await namespaces.list()
    assert _refreshes(caplog) == 0


async def test_a_401_rereads_the_token_file_once_and_the_retry_succeeds(
    tls_server: EmbeddedApiServer, mount: ServiceAccountMount, config: Config,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    same_size = TOKEN.upper()
    async with ApiClient(config, qps=0) as api:
        namespaces = api.resource("v1", "namespaces", namespaced=False)
        await namespaces.list()
        tls_server.set_token(same_size)
        mount.overwrite_in_place(same_size)
        await namespaces.list()
    assert _refreshes(caplog) == 1


async def test_a_token_the_server_no_longer_accepts_is_unauthorized_after_one_retry(
    tls_server: EmbeddedApiServer, config: Config, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    async with ApiClient(config, qps=0) as api:
        tls_server.set_token(ROTATED_TOKEN)  # the file still holds the old one
        with pytest.raises(Unauthorized) as caught:
            await api.resource("v1", "namespaces", namespaced=False).list()
    assert _refreshes(caplog) == 1
    text = f"{caught.value!s} {caught.value!r}"
    assert TOKEN not in text and ROTATED_TOKEN not in text


async def test_an_informer_keeps_watching_across_a_rotation_and_a_server_restart(
    tls_server: EmbeddedApiServer, mount: ServiceAccountMount, config: Config,
) -> None:
    async with ApiClient(config, qps=0) as api:
        informer = SharedIndexInformer(
            api.resource("v1", "configmaps"), namespace="default",
            backoff=Backoff(0.01, 0.1), watch_inactivity_timeout=5.0,
        )
        arrived = asyncio.Event()
        informer.add_event_handler(FuncHandler(
            on_add=lambda obj, initial: arrived.set()
            if obj["metadata"]["name"] == "after-rotation" else None
        ))
        async with informer:
            assert await informer.wait_for_cache_sync(10)
            tls_server.set_token(ROTATED_TOKEN)
            mount.publish(ROTATED_TOKEN)
            await tls_server.restart()  # the re-watch must authenticate with the new token
            configmaps = tls_server.registry.get("", "v1", "configmaps")
            assert configmaps is not None
            tls_server.storage.create(
                configmaps, {"metadata": {"name": "after-rotation", "namespace": "default"}},
                namespace="default",
            )
            async with asyncio.timeout(10):
                await arrived.wait()
