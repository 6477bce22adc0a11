"""Property: a mutated valid kubeconfig loads into a usable Config, or raises ConfigError naming
the file (and the key, while the document is still a YAML mapping); nothing else escapes.

Hypothesis starts from valid kubeconfigs that use every feature the loader reads (inline and
file credentials, a token file, an exec plugin with env, args and cluster info, basic auth,
several contexts) and mutates them: a value anywhere replaced by a value of another type (bytes,
dates, huge numbers, control characters, lone surrogates, nested structures...), a key deleted,
the text re-encoded, truncated or sprinkled with arbitrary bytes. A Config that loads must then
be usable as the client will use it: its TLS context builds, its Authorization header (when it
has no exec plugin) is a clean header value, its exec plugin input is JSON.
"""

from __future__ import annotations

import copy
import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeflow_informer.config import Config, load_kubeconfig
from kubeflow_informer.config.files import MAX_FILE_BYTES
from kubeflow_informer.errors import ConfigError

from .conftest import b64

pytestmark = pytest.mark.timeout(300)

EXEC_API = "client.authentication.k8s.io/v1beta1"


def _credentials(folder: Path) -> dict[str, str]:
    ca = trustme.CA()
    leaf = ca.issue_cert("me")
    files = {
        "ca.crt": ca.cert_pem.bytes(),
        "me.crt": leaf.cert_chain_pems[0].bytes(),
        "me.key": leaf.private_key_pem.bytes(),
        "token": b"file-token\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: data.decode() for name, data in files.items()}


def _valid_documents(pem: dict[str, str]) -> list[dict[str, Any]]:
    ca_data = b64(pem["ca.crt"])
    clusters = [
        {"name": "inline", "cluster": {"server": "https://k8s.example:6443",
                                       "certificate-authority-data": ca_data,
                                       "tls-server-name": "kube.internal",
                                       "proxy-url": "http://proxy:3128"}},
        {"name": "files", "cluster": {"server": "https://10.0.0.1:443",
                                      "certificate-authority": "ca.crt"}},
        {"name": "insecure", "cluster": {"server": "http://127.0.0.1:8080",
                                         "insecure-skip-tls-verify": True}},
        {"name": "exec", "cluster": {"server": "https://exec.example:6443",
                                     "certificate-authority-data": ca_data,
                                     "extensions": [{"name": "client.authentication.k8s.io/exec",
                                                     "extension": {"audience": "k8s"}}]}},
    ]
    users = [
        {"name": "token", "user": {"token": "static-token"}},
        {"name": "cert-data", "user": {"client-certificate-data": b64(pem["me.crt"]),
                                       "client-key-data": b64(pem["me.key"])}},
        {"name": "cert-files", "user": {"client-certificate": "me.crt", "client-key": "me.key"}},
        {"name": "token-file", "user": {"tokenFile": "token"}},
        {"name": "basic", "user": {"username": "alice", "password": "wonderland"}},
        {"name": "plugin", "user": {"exec": {
            "apiVersion": EXEC_API, "command": "/usr/bin/credential-helper",
            "args": ["get-token", "--cluster", "one"],
            "env": [{"name": "HELPER_MODE", "value": "quiet"}],
            "installHint": "install the helper", "provideClusterInfo": True,
            "interactiveMode": "Never"}}},
    ]
    pairs = [("inline", "token"), ("inline", "cert-data"), ("files", "cert-files"),
             ("insecure", "token-file"), ("inline", "basic"), ("exec", "plugin")]
    documents = []
    for cluster, user in pairs:
        contexts = [{"name": "main", "context": {"cluster": cluster, "user": user,
                                                 "namespace": "team-a"}},
                    {"name": "spare", "context": {"cluster": "files", "user": "cert-files"}}]
        documents.append({"apiVersion": "v1", "kind": "Config", "clusters": clusters,
                          "users": users, "contexts": contexts, "current-context": "main",
                          "preferences": {}})
    return documents


@pytest.fixture(scope="module")
def kit() -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    with tempfile.TemporaryDirectory(prefix="kfi-kubeconfig-") as folder:
        path = Path(folder)
        yield path, _valid_documents(_credentials(path))


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.binary(max_size=12), st.dates(), st.datetimes(timezones=st.just(datetime.UTC)),
    st.sampled_from(["", "\n", "a\r\nX-Injected: 1", "\x00", "\ud800", "~", "../../etc/passwd",
                     "/dev/zero", "me.key", "token", "https://[::1", "ftp://x", "http://",
                     "https://user@:0", "client.authentication.k8s.io/v1", "Always", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.one_of(st.text(max_size=8), st.integers(-3, 3)), children, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def structural(draw: st.DrawFn, documents: list[dict[str, Any]]) -> tuple[Any, bool]:
    """(a mutated document, whether its root is still a mapping)."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if not path:
            if action == "replace":
                document = draw(VALUES)
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=8))] = draw(VALUES)
        elif isinstance(parent[last], list):
            parent[last].append(draw(VALUES))
        if not isinstance(document, dict):
            break
    return document, isinstance(document, dict)


@st.composite
def byte_level(draw: st.DrawFn, documents: list[dict[str, Any]]) -> bytes:
    text = _dump(draw(st.sampled_from(documents)))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32",
                                     "latin-1"]))
    data = bytearray((text + draw(st.sampled_from(["", "é", "\u2603"]))).encode(
        encoding, "replace"))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "truncate", "flip"]))
        if operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=4))
        elif operation == "truncate":
            del data[position:]
        elif position < len(data):
            data[position] ^= draw(st.integers(1, 255))
    return bytes(data)


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(document: Any) -> str:
    try:
        text: str = yaml.dump(document, Dumper=_DUMPER, allow_unicode=True)
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the Python emitter escapes it ("\ud800")
        text = yaml.safe_dump(document, allow_unicode=False)
    return text


async def _check_usable(config: Config) -> None:
    """Use the Config the way the client does; only ConfigError may come out of it."""
    assert isinstance(config.server, str) and isinstance(config.namespace, str)
    for name in ("token", "token_file", "username", "password", "tls_server_name", "proxy_url"):
        value = getattr(config, name)
        assert value is None or isinstance(value, str), name
    for name in ("ca_data", "client_cert_data", "client_key_data"):
        value = getattr(config, name)
        assert value is None or isinstance(value, bytes), name
    repr(config)
    if config.ca_data or config.client_cert_data:
        config.ssl_context()  # PEM was checked at load: must build
    if config.exec_provider is not None:
        config.exec_provider._exec_info()  # the plugin's input must be JSON
        return
    try:
        header = await config.authorization()
    except ConfigError as error:  # e.g. a token file that turned out to be a certificate
        assert str(error) and error.path
        return
    assert header is None or header.isprintable()


async def _load(folder: Path, data: bytes) -> tuple[Config | None, ConfigError | None]:
    path = folder / "kubeconfig"
    path.write_bytes(data)
    try:
        config = load_kubeconfig(path)
    except ConfigError as error:
        assert error.path == str(path), (error.path, str(error))
        assert str(error)
        return None, error
    await _check_usable(config)
    return config, None


_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


@_SETTINGS
@given(data=st.data())
async def test_a_structurally_mutated_kubeconfig_loads_usable_or_names_file_and_key(
    kit: tuple[Path, list[dict[str, Any]]], data: st.DataObject
) -> None:
    folder, documents = kit
    document, still_mapping = data.draw(structural(documents))
    _config, error = await _load(folder, _dump(document).encode("utf-8"))
    if error is not None and still_mapping:
        assert error.key, str(error)


@_SETTINGS
@given(data=st.data())
async def test_a_kubeconfig_mutated_byte_by_byte_loads_usable_or_names_the_file(
    kit: tuple[Path, list[dict[str, Any]]], data: st.DataObject
) -> None:
    folder, documents = kit
    await _load(folder, data.draw(byte_level(documents)))


async def test_every_valid_document_loads(kit: tuple[Path, list[dict[str, Any]]]) -> None:
    folder, documents = kit
    for document in documents:
        config, error = await _load(folder, _dump(document).encode())
        assert error is None and config is not None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
async def test_a_kubeconfig_with_a_byte_order_mark_loads(
    kit: tuple[Path, list[dict[str, Any]]], encoding: str
) -> None:
    folder, documents = kit
    config, _error = await _load(folder, _dump(documents[0]).encode(encoding))
    assert config is not None and config.token == "static-token"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("clusters: []\nusers: [{name: u, user: {token: é}}]\n".encode("latin-1"),
         "not UTF-8 text"),
        (b"\xff" * 10, "not UTF-8 text"),
        (b"a: 2001-02-30\n", "cannot construct"),
    ],
    ids=["latin-1", "garbage-bytes", "impossible-date"],
)
async def test_undecodable_text_is_a_config_error_naming_the_file(
    kit: tuple[Path, list[dict[str, Any]]], data: bytes, message: str
) -> None:
    folder, _documents = kit
    _config, error = await _load(folder, data)
    assert error is not None and message in str(error)


def test_a_kubeconfig_larger_than_the_limit_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no need to write 16 MiB
    with pytest.raises(ConfigError, match="larger than") as caught:
        load_kubeconfig(path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("target", ["/dev/zero", "a\x00b", "."])
async def test_a_credential_file_that_cannot_be_read_is_a_config_error_naming_the_key(
    kit: tuple[Path, list[dict[str, Any]]], target: str
) -> None:
    folder, documents = kit
    document = copy.deepcopy(documents[2])  # CA and client certificate from files
    document["clusters"][1]["cluster"]["certificate-authority"] = target
    _config, error = await _load(folder, _dump(document).encode())
    assert error is not None
    assert error.key == "clusters[files].cluster.certificate-authority"


@pytest.mark.parametrize(
    ("user", "key"),
    [
        ({"exec": {"apiVersion": EXEC_API, "command": "x", "env": 5}}, "exec.env"),
        ({"exec": {"apiVersion": EXEC_API, "command": "x", "env": [{"name": "A", "value": 1}]}},
         "exec.env[0].value"),
        ({"exec": {"apiVersion": EXEC_API, "command": "x", "args": [{"a": 1}]}},
         "exec.args[0]"),
        ({"exec": {"apiVersion": EXEC_API, "command": "a\x00b"}}, "exec.command"),
        ({"token": "abc\r\nX-Injected: yes"}, "token"),
        ({"tokenFile": "a\x00b"}, "tokenFile"),
    ],
    ids=["env-not-a-list", "env-value-not-a-string", "arg-not-a-string", "nul-in-command",
         "newline-in-token", "nul-in-token-file"],
)
async def test_a_mistyped_or_unsafe_user_value_is_a_config_error_naming_its_key(
    kit: tuple[Path, list[dict[str, Any]]], user: dict[str, Any], key: str
) -> None:
    folder, documents = kit
    document = copy.deepcopy(documents[0])
    document["users"][0]["user"] = user
    _config, error = await _load(folder, _dump(document).encode())
    assert error is not None and error.key == f"users[token].user.{key}", str(error)


@pytest.mark.parametrize("server", ["https://[::1", "ftp://k8s", "k8s.example:6443", "http://"])
async def test_a_server_that_is_not_an_http_url_is_a_config_error(
    kit: tuple[Path, list[dict[str, Any]]], server: str
) -> None:
    folder, documents = kit
    document = copy.deepcopy(documents[0])
    document["clusters"][0]["cluster"]["server"] = server
    _config, error = await _load(folder, _dump(document).encode())
    assert error is not None and error.key == "clusters[inline].cluster.server"
