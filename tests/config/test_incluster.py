"""In-cluster configuration and the load_config source order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubeflow_informer.config import load_config, load_incluster_config
from kubeflow_informer.errors import ConfigError

from .conftest import simple, write


@pytest.fixture
def service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sa"
    write(folder / "token", "sa-token-1")
    write(folder / "ca.crt", "CA")
    write(folder / "namespace", "kubeflow\n")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    return folder


async def test_incluster_config_reads_env_and_files(service_account: Path) -> None:
    config = load_incluster_config(service_account_dir=str(service_account))
    assert (config.server, config.namespace, config.ca_data) == (
        "https://10.96.0.1:443", "kubeflow", b"CA")
    assert await config.authorization() == "Bearer sa-token-1"


async def test_incluster_token_rotation_is_picked_up(service_account: Path) -> None:
    config = load_incluster_config(service_account_dir=str(service_account))
    await config.authorization()
    new = write(service_account / "..token_new", "sa-token-rotated")
    os.replace(new, service_account / "token")
    assert await config.authorization() == "Bearer sa-token-rotated"


def test_incluster_ipv6_host_is_bracketed(
    service_account: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    config = load_incluster_config(service_account_dir=str(service_account))
    assert config.server == "https://[fd00::1]:443"


def test_incluster_without_env_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not running in a cluster"):
        load_incluster_config(service_account_dir=str(tmp_path))


def test_incluster_without_token_is_a_config_error(
    service_account: Path,
) -> None:
    (service_account / "token").unlink()
    with pytest.raises(ConfigError, match="token"):
        load_incluster_config(service_account_dir=str(service_account))


def test_load_config_prefers_explicit_path(service_account: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "explicit", simple(server="https://explicit:1"))
    config = load_config(path, service_account_dir=str(service_account))
    assert config.server == "https://explicit:1"


def test_load_config_prefers_kubeconfig_env_over_in_cluster(
    service_account: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(write(tmp_path / "env", simple(server="https://env:1"))))
    assert load_config(service_account_dir=str(service_account)).server == "https://env:1"


def test_load_config_uses_in_cluster_before_default_kubeconfig(
    service_account: Path,
) -> None:
    write(Path(os.environ["HOME"]) / ".kube" / "config", simple(server="https://home:1"))
    assert load_config(service_account_dir=str(service_account)).server == "https://10.96.0.1:443"


def test_load_config_falls_back_to_default_kubeconfig(tmp_path: Path) -> None:
    write(Path(os.environ["HOME"]) / ".kube" / "config", simple(server="https://home:1"))
    assert load_config(service_account_dir=str(tmp_path / "none")).server == "https://home:1"
