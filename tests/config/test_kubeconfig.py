"""Kubeconfig loading: fields, merging, data vs file credentials, relative paths, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trustme

from kubeflow_informer.config import load_kubeconfig
from kubeflow_informer.errors import ConfigError

from .conftest import PASSWORD, TOKEN, b64, kubeconfig, simple, write


def test_loads_server_token_and_namespace(tmp_path: Path) -> None:
    path = write(tmp_path / "config", simple(namespace="team-a"))
    config = load_kubeconfig(path)
    assert (config.server, config.token, config.namespace) == (
        "https://k8s.example:6443", TOKEN, "team-a")


def test_namespace_defaults_to_default(tmp_path: Path) -> None:
    assert load_kubeconfig(write(tmp_path / "config", simple())).namespace == "default"


def test_cluster_options_are_read(tmp_path: Path) -> None:
    doc = simple(cluster_extra={"insecure-skip-tls-verify": True, "tls-server-name": "kube.int",
                                "proxy-url": "http://proxy:3128"})
    config = load_kubeconfig(write(tmp_path / "config", doc))
    assert config.insecure_skip_tls_verify
    assert (config.tls_server_name, config.proxy_url) == ("kube.int", "http://proxy:3128")


def test_default_path_is_home_kube_config(tmp_path: Path) -> None:
    write(Path(os.environ["HOME"]) / ".kube" / "config", simple(server="https://home:1"))
    assert load_kubeconfig().server == "https://home:1"


def test_context_argument_overrides_current_context(tmp_path: Path) -> None:
    doc = kubeconfig(
        clusters={"a": {"server": "https://a:1"}, "b": {"server": "https://b:1"}},
        users={"u": {"token": TOKEN}},
        contexts={"ca": {"cluster": "a", "user": "u"}, "cb": {"cluster": "b", "user": "u"}},
        current="ca",
    )
    path = write(tmp_path / "config", doc)
    assert load_kubeconfig(path, context="cb").server == "https://b:1"


def test_kubeconfig_env_list_merges_first_file_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "one", kubeconfig(
        clusters={"shared": {"server": "https://first:1"}},
        contexts={"ctx": {"cluster": "shared", "user": "u2"}},
    ))
    second = write(tmp_path / "two", kubeconfig(
        clusters={"shared": {"server": "https://second:1"}},
        users={"u2": {"token": "from-second"}},
        contexts={"ctx": {"cluster": "other"}},
        current="ctx",
    ))
    missing = tmp_path / "missing"
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(missing), str(second)]))
    config = load_kubeconfig()
    assert config.server == "https://first:1"  # cluster and context from the first file
    assert config.token == "from-second"  # user only defined in the second
    # current-context came from the second file: the first set none


def test_current_context_comes_from_first_file_that_sets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = simple()
    base["contexts"].append({"name": "other", "context": {"cluster": "c", "namespace": "x"}})
    first = write(tmp_path / "one", {**base, "current-context": "other"})
    second = write(tmp_path / "two", {**base, "current-context": "ctx"})
    monkeypatch.setenv("KUBECONFIG", f"{first}{os.pathsep}{second}")
    assert load_kubeconfig().namespace == "x"


def test_data_and_file_credentials_are_equivalent(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("me")
    cert = leaf.cert_chain_pems[0].bytes()
    key = leaf.private_key_pem.bytes()
    (tmp_path / "ca.crt").write_bytes(ca.cert_pem.bytes())
    (tmp_path / "me.crt").write_bytes(cert)
    (tmp_path / "me.key").write_bytes(key)
    as_data = load_kubeconfig(write(tmp_path / "data", simple(
        cluster_extra={"certificate-authority-data": b64(ca.cert_pem.bytes())},
        user={"client-certificate-data": b64(cert), "client-key-data": b64(key)})))
    as_files = load_kubeconfig(write(tmp_path / "files", simple(
        cluster_extra={"certificate-authority": str(tmp_path / "ca.crt")},
        user={"client-certificate": str(tmp_path / "me.crt"),
              "client-key": str(tmp_path / "me.key")})))
    for config in (as_data, as_files):
        assert config.ca_data == ca.cert_pem.bytes()
        assert (config.client_cert_data, config.client_key_data) == (cert, key)
        assert not isinstance(config.ssl_context(), bool)


def test_relative_paths_resolve_against_the_kubeconfig_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "conf"
    ca_pem = trustme.CA().cert_pem.bytes().decode()
    write(folder / "certs" / "ca.crt", ca_pem)
    write(folder / "token", "file-token\n")
    path = write(folder / "config", simple(
        cluster_extra={"certificate-authority": "certs/ca.crt"}, user={"tokenFile": "token"}))
    monkeypatch.chdir(tmp_path)
    config = load_kubeconfig(path)
    assert config.ca_data == ca_pem.encode()
    assert config.token_file == str(folder / "token")


async def test_token_file_rotation_is_picked_up(tmp_path: Path) -> None:
    token = write(tmp_path / "token", "first")
    config = load_kubeconfig(write(tmp_path / "config", simple(user={"tokenFile": str(token)})))
    assert await config.authorization() == "Bearer first"
    replacement = write(tmp_path / "token.new", "second-token")
    os.replace(replacement, token)  # the kubelet swaps the file atomically
    assert await config.authorization() == "Bearer second-token"


async def test_basic_auth_authorization(tmp_path: Path) -> None:
    config = load_kubeconfig(write(tmp_path / "config",
                                   simple(user={"username": "bob", "password": PASSWORD})))
    header = await config.authorization()
    assert header is not None and header.startswith("Basic ")


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config", "clusters: [\n  - name: x\n bad")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_kubeconfig(path)
    assert caught.value.path == str(path)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read kubeconfig"):
        load_kubeconfig(tmp_path / "nope")


def test_missing_context(tmp_path: Path) -> None:
    path = write(tmp_path / "config", simple())
    with pytest.raises(ConfigError, match="context 'prod' is not defined") as caught:
        load_kubeconfig(path, context="prod")
    assert caught.value.key == "contexts[prod]"


def test_no_current_context(tmp_path: Path) -> None:
    doc = simple()
    del doc["current-context"]
    with pytest.raises(ConfigError, match="current-context"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_missing_cluster(tmp_path: Path) -> None:
    doc = simple()
    doc["contexts"][0]["context"]["cluster"] = "ghost"
    with pytest.raises(ConfigError, match="cluster 'ghost'") as caught:
        load_kubeconfig(write(tmp_path / "config", doc))
    assert caught.value.key == "clusters[ghost]"


def test_missing_user(tmp_path: Path) -> None:
    doc = simple()
    doc["contexts"][0]["context"]["user"] = "ghost"
    with pytest.raises(ConfigError, match="user 'ghost'"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_cluster_without_server(tmp_path: Path) -> None:
    doc = simple()
    del doc["clusters"][0]["cluster"]["server"]
    with pytest.raises(ConfigError, match="no server") as caught:
        load_kubeconfig(write(tmp_path / "config", doc))
    assert caught.value.key == "clusters[c].cluster.server"


def test_bad_base64_names_the_key_not_the_value(tmp_path: Path) -> None:
    doc = simple(user={"client-certificate-data": "!!!not-base64!!!", "client-key-data": b64("k")})
    with pytest.raises(ConfigError, match="base64") as caught:
        load_kubeconfig(write(tmp_path / "config", doc))
    assert caught.value.key == "users[u].user.client-certificate-data"
    assert "not-base64" not in str(caught.value)


def test_unreadable_referenced_file(tmp_path: Path) -> None:
    doc = simple(cluster_extra={"certificate-authority": "missing-ca.crt"})
    with pytest.raises(ConfigError, match="certificate-authority") as caught:
        load_kubeconfig(write(tmp_path / "config", doc))
    assert "missing-ca.crt" in str(caught.value)


def test_unreadable_kubeconfig(tmp_path: Path) -> None:
    # A directory is unreadable as a file even for root (chmod 0 is not, in containers).
    folder = tmp_path / "config.d"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot read kubeconfig") as caught:
        load_kubeconfig(folder)
    assert caught.value.path == str(folder)


def test_data_and_file_both_set_is_an_error(tmp_path: Path) -> None:
    doc = simple(cluster_extra={"certificate-authority-data": b64("x"),
                                "certificate-authority": "ca.crt"})
    with pytest.raises(ConfigError, match="both"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_ca_with_insecure_skip_verify_is_an_error(tmp_path: Path) -> None:
    doc = simple(cluster_extra={"certificate-authority-data": b64("x"),
                                "insecure-skip-tls-verify": True})
    with pytest.raises(ConfigError, match="insecure-skip-tls-verify"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_token_and_basic_auth_together_is_an_error(tmp_path: Path) -> None:
    doc = simple(user={"token": TOKEN, "username": "a", "password": PASSWORD})
    with pytest.raises(ConfigError, match="more than one authentication method"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_certificate_without_key_is_an_error(tmp_path: Path) -> None:
    doc = simple(user={"client-certificate-data": b64("cert")})
    with pytest.raises(ConfigError, match="both the certificate and the key"):
        load_kubeconfig(write(tmp_path / "config", doc))


def test_auth_provider_is_refused(tmp_path: Path) -> None:
    doc = simple(user={"auth-provider": {"name": "gcp"}})
    with pytest.raises(ConfigError, match="auth-provider"):
        load_kubeconfig(write(tmp_path / "config", doc))
