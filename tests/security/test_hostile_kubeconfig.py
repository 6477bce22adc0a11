"""Hostile kubeconfig files: every bad input is a clear ``ConfigError``, never another traceback.

Hypothesis generates documents shaped like kubeconfigs (right keys, arbitrary values) and raw
text; a loaded :class:`Config` must then hold values of its declared types, so a bad value cannot
surface later as an unrelated ``TypeError`` deep inside the HTTP stack.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeflow_informer.config import Config, load_kubeconfig
from kubeflow_informer.errors import ConfigError

pytestmark = pytest.mark.timeout(120)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["https://127.0.0.1:6443", "c", "u", "x", "aGVsbG8=", "no", "false", "~"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)

CLUSTER_KEYS = st.sampled_from([
    "server", "certificate-authority-data", "certificate-authority", "insecure-skip-tls-verify",
    "tls-server-name", "proxy-url",
])
USER_KEYS = st.sampled_from([
    "token", "tokenFile", "username", "password", "client-certificate-data", "client-key-data",
    "client-certificate", "client-key", "auth-provider",
])
CONTEXT_KEYS = st.sampled_from(["cluster", "user", "namespace"])


def _section(keys: st.SearchStrategy[str], good: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A mapping that starts from a good one and has some keys replaced by arbitrary values."""
    return st.one_of(
        VALUES,
        st.dictionaries(keys, VALUES, max_size=4).map(lambda bad: {**good, **bad}),
    )


KUBECONFIGS = st.fixed_dictionaries(
    {
        "clusters": st.one_of(VALUES, st.lists(st.fixed_dictionaries({
            "name": st.one_of(st.just("x"), VALUES),
            "cluster": _section(CLUSTER_KEYS, {"server": "https://127.0.0.1:6443"}),
        }), max_size=2)),
        "users": st.one_of(VALUES, st.lists(st.fixed_dictionaries({
            "name": st.one_of(st.just("u"), VALUES),
            "user": _section(USER_KEYS, {}),
        }), max_size=2)),
        "contexts": st.one_of(VALUES, st.lists(st.fixed_dictionaries({
            "name": st.one_of(st.just("c"), VALUES),
            "context": _section(CONTEXT_KEYS, {"cluster": "x", "user": "u"}),
        }), max_size=2)),
        "current-context": st.one_of(st.just("c"), VALUES),
    }
)


def _load_strict(text: str) -> Config:
    """Write ``text`` to a kubeconfig file, load it and use it (repr, TLS context)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "kubeconfig")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
            handle.write(text)
        config = load_kubeconfig(path)
    repr(config)
    config.ssl_context()
    return config


def _load(text: str) -> Config | None:
    """:func:`_load_strict`, with ``None`` for a (clear, non-empty) ``ConfigError``."""
    try:
        return _load_strict(text)
    except ConfigError as error:
        assert str(error)
        return None


def _assert_well_typed(config: Config) -> None:
    assert isinstance(config.server, str)
    assert isinstance(config.insecure_skip_tls_verify, bool)
    assert isinstance(config.namespace, str)
    for name in ("token", "token_file", "username", "password", "tls_server_name", "proxy_url"):
        value = getattr(config, name)
        assert value is None or isinstance(value, str), (name, value)
    for name in ("ca_data", "client_cert_data", "client_key_data"):
        value = getattr(config, name)
        assert value is None or isinstance(value, bytes), (name, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(KUBECONFIGS)
def test_kubeconfig_shaped_garbage_loads_well_typed_or_raises_config_error(
    document: dict[str, Any]
) -> None:
    config = _load(yaml.safe_dump(document))
    if config is not None:
        _assert_well_typed(config)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_config_error(text: str) -> None:
    config = _load(text)
    if config is not None:
        _assert_well_typed(config)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        "a: " * 3000 + "1",
        "clusters: &a [*a]",
        "clusters: !!python/object:os.system [echo]",
        "\x00\x01\x02",
        "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nclusters: *c\nusers: *c\ncontexts: *c\n",
    ],
    ids=["deep-nesting", "deep-mapping", "self-alias", "python-tag", "control-bytes", "laughs"],
)
def test_pathological_yaml_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        _load_strict(text)


def _document(cluster: dict[str, Any], user: dict[str, Any], context: dict[str, Any]) -> str:
    return yaml.safe_dump({
        "clusters": [{"name": "x", "cluster": {"server": "https://127.0.0.1:6443", **cluster}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "c", "context": {"cluster": "x", "user": "u", **context}}],
        "current-context": "c",
    })


def test_a_string_insecure_skip_tls_verify_is_refused_not_taken_as_true() -> None:
    # "false" is a non-empty string: read as truthy it would silently turn verification off.
    with pytest.raises(ConfigError) as caught:
        _load_strict(_document({"insecure-skip-tls-verify": "false"}, {}, {}))
    assert caught.value.key is not None and "insecure-skip-tls-verify" in caught.value.key


@pytest.mark.parametrize(
    ("cluster", "user", "context"),
    [
        ({"tls-server-name": {"a": 1}}, {}, {}),
        ({"proxy-url": [1]}, {}, {}),
        ({}, {"token": [1, 2]}, {}),
        ({}, {"username": "alice", "password": {"p": 1}}, {}),
        ({}, {}, {"namespace": ["team-a"]}),
    ],
    ids=["tls-server-name", "proxy-url", "token", "password", "namespace"],
)
def test_a_mistyped_value_is_a_config_error_naming_its_key(
    cluster: dict[str, Any], user: dict[str, Any], context: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        _load_strict(_document(cluster, user, context))
    assert caught.value.key
